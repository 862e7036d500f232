"""HTML forms of the dashboard. They check shapes; the services check the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField

from campaigns.models import DecisionMaker, Engagement, OutreachActivity, Role, Stage, Stance


class DateInput(forms.DateInput):
    input_type = "date"


class OutreachForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=OutreachActivity.Channel.choices)
    country = LazyTypedChoiceField(label=_("Country"), choices=countries)
    date = forms.DateField(label=_("Date"), widget=DateInput)
    reach = forms.IntegerField(label=_("People reached (estimate)"), min_value=0, max_value=10**12)
    description = forms.CharField(label=_("Description"), max_length=500, required=False)


class DecisionMakerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    role = forms.CharField(
        label=pgettext_lazy("a decision-maker's job", "Role"), max_length=200, required=False
    )
    institution = forms.CharField(label=_("Institution"), max_length=200, required=False)
    country = LazyTypedChoiceField(label=_("Country"), choices=countries)
    level = forms.ChoiceField(label=_("Level"), choices=DecisionMaker.Level.choices)


class EngagementForm(forms.Form):
    decision_maker = forms.ModelChoiceField(
        label=_("Decision-maker"), queryset=DecisionMaker.objects.none()
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Engagement.Kind.choices)
    date = forms.DateField(label=_("Date"), widget=DateInput)
    stance = forms.ChoiceField(label=_("Stance shown"), choices=Stance.choices)
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision_maker"].queryset = DecisionMaker.objects.filter(
            organisation=organisation
        )


class StageForm(forms.Form):
    country = LazyTypedChoiceField(label=_("Country"), choices=countries)
    stage = forms.ChoiceField(label=_("Stage"), choices=Stage.choices)
    date = forms.DateField(label=_("Date"), widget=DateInput)
    source_url = forms.URLField(
        label=_("Source (link)"), required=False, max_length=500, assume_scheme="https"
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class CollectorForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    code = forms.SlugField(label=_("Code (in the link)"), max_length=40)
    username = forms.CharField(label=_("Voces user (optional)"), max_length=150, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))


class SignerForm(forms.Form):
    email = forms.EmailField(label=_("Signer's email"))


class MemberForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class RetentionForm(forms.Form):
    retention_months = forms.IntegerField(
        label=_("Erase signers' details this many months after a campaign closes"),
        min_value=1,
        max_value=240,
        required=False,
    )

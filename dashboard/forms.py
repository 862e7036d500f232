"""HTML forms of the dashboard. They check shapes; the services check the rules."""

from datetime import datetime, time

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField

from campaigns.models import DecisionMaker, Engagement, OutreachActivity, Role, Stage, Stance
from signatures.identity import EMAIL_RAW_MAX, email_key
from signatures.models import Signature
from signatures.review import ClientHashPrefixField, EmailDomainField, SignatureWhere


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
    email = forms.CharField(label=_("Signer's email"), max_length=EMAIL_RAW_MAX)

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        if email_key(email) is None:  # the one rule for addresses (signatures.identity)
            raise forms.ValidationError(_("Enter a valid email address."))
        return email


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


class _CodeChoiceField(forms.ChoiceField):
    """A choice of codes that takes them in any case (`?country=bo`)."""

    def to_python(self, value):
        return super().to_python(value).strip().upper()


class SignatureFilterForm(forms.Form):
    """The review page's filters, sent by GET: the API's filters, checked by the same rules
    (`signatures.review`), and a search box. Days are read in the installation's time zone:
    "from" is inclusive, "before" exclusive."""

    search = forms.CharField(label=_("Name or email contains"), required=False, max_length=200)
    client_hash = ClientHashPrefixField(label=_("Address hash starts with"), required=False)
    email_domain = EmailDomainField(label=_("Email domain"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    source = forms.ChoiceField(label=_("Source"), required=False)
    collector = forms.ChoiceField(label=_("Collector"), required=False)
    country = _CodeChoiceField(label=_("Country"), required=False)
    created_after = forms.DateField(label=_("Signed from"), required=False, widget=DateInput)
    created_before = forms.DateField(label=_("Signed before"), required=False, widget=DateInput)

    def __init__(self, *args, collectors=(), **kwargs):
        super().__init__(*args, **kwargs)
        every = [("", _("All"))]
        self.fields["status"].choices = every + Signature.Status.choices
        self.fields["source"].choices = every + Signature.Source.choices
        self.fields["collector"].choices = every + list(collectors)
        self.fields["country"].choices = every + list(countries)

    def where(self) -> SignatureWhere:
        """The filter the valid form describes (empty when no field was filled)."""
        cleaned = dict(self.cleaned_data)
        for name in ("created_after", "created_before"):
            if cleaned.get(name):
                cleaned[name] = timezone.make_aware(datetime.combine(cleaned[name], time.min))
        return SignatureWhere.of(cleaned)

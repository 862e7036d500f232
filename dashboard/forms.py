"""HTML forms of the dashboard. They check shapes; the services check the rules."""

import math
import re
from collections.abc import Iterable
from datetime import datetime, time
from itertools import groupby

from django import forms
from django.contrib.auth import password_validation
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries import countries

from campaigns.models import (
    LANGUAGE_TAG,
    STAGE_ORDER,
    Campaign,
    DecisionMaker,
    Engagement,
    Organisation,
    OutreachActivity,
    Role,
    Stage,
    Stance,
    validate_language_list,
)
from campaigns.partners import GOAL_MAX
from signatures.identity import EMAIL_RAW_MAX, email_key
from signatures.models import Signature
from signatures.review import ClientHashPrefixField, EmailDomainField, SignatureWhere
from webhooks.models import WebhookEndpoint


class DateInput(forms.DateInput):
    """The browser's date picker. Its value is ISO (yyyy-mm-dd) in every language: a date
    written the local way would show as an empty field."""

    input_type = "date"

    def __init__(self, attrs=None, format="%Y-%m-%d"):
        super().__init__(attrs, format=format)


class WholeNumberInput(forms.TextInput):
    """A number keyboard on phones, with room for the separators people type (1,800,000)."""

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "numeric", "autocomplete": "off", **(attrs or {})})


# 1800000, or grouped by thousands with one separator throughout: 1,800,000 · 1.800.000 ·
# 1 800 000 · 1'800'000. "1,8" or "1.5" is no whole number, in any language.
_GROUPED_NUMBER = re.compile(r"[0-9]{1,3}(?P<sep>[,. '\u2019])[0-9]{3}(?:(?P=sep)[0-9]{3})*")
_SPACES = re.compile(r"[\s\u00a0\u202f]+")


class WholeNumberField(forms.IntegerField):
    """A count as people write it, with or without thousands separators."""

    widget = WholeNumberInput
    default_error_messages = {"invalid": _("Enter a whole number, such as 180000 or 180,000.")}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, int):
            return value
        text = _SPACES.sub(" ", str(value)).strip()
        if re.fullmatch(r"[0-9]+", text) or _GROUPED_NUMBER.fullmatch(text):
            return int(re.sub(r"[^0-9]", "", text))
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


def _choose(choices) -> list:
    """A select's choices with a blank first option: nothing is chosen for the organiser."""
    return [("", _("Choose…")), *choices]


def country_choices(first: Iterable[str] = ()) -> list:
    """Every country, by name in the reader's language, after a blank "Choose a country"; the
    codes in `first` (a campaign's countries) come first, in a group of their own."""
    every = list(countries)
    first = {code.upper() for code in first}
    blank = [("", _("Choose a country"))]
    if not first:
        return blank + every
    return [
        *blank,
        (_("This campaign's countries"), [(code, name) for code, name in every if code in first]),
        (_("All other countries"), [(code, name) for code, name in every if code not in first]),
    ]


class CountrySelect(forms.Select):
    """A plain select; static/js/country-select.js puts a search box above it."""

    def __init__(self, attrs=None, choices=()):
        attrs = {"data-country-search": _("Type to find a country"), **(attrs or {})}
        super().__init__(attrs, choices)


class CountryChoiceField(forms.ChoiceField):
    widget = CountrySelect

    def __init__(self, **kwargs):
        super().__init__(choices=country_choices, **kwargs)


class RecordForm(forms.Form):
    """A record behind a campaign's figures. Its country select offers the campaign's
    countries first. What looks like a slip (a country outside the campaign, a stage that
    goes backwards) is asked about: the form comes back with `warnings` and a box to tick."""

    confirm = forms.BooleanField(label=_("Yes, record it anyway"), required=False, label_suffix="")

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign_countries = [country.code for country in campaign.countries]
        self.warnings: list[str] = []
        if "country" in self.fields:
            self.fields["country"].choices = country_choices(self.campaign_countries)

    def check(self, data: dict) -> list[str]:
        """What to ask about before saving `data` (the fields that are valid)."""
        return []

    def clean(self):
        data = super().clean()
        self.warnings = self.check(data)
        if self.warnings and not data.get("confirm"):
            self.add_error(
                "confirm", _("Tick this box to record it anyway, or change what you entered.")
            )
        return data

    def record_fields(self) -> dict:
        """The cleaned values, as the services take them."""
        return {name: value for name, value in self.cleaned_data.items() if name != "confirm"}

    def outside_campaign(self, code: str | None, subject: str = "") -> list[str]:
        if not code or not self.campaign_countries or code in self.campaign_countries:
            return []
        params = {
            "country": countries.name(code),
            "countries": ", ".join(countries.name(c) for c in self.campaign_countries),
            "subject": subject,
        }
        if subject:
            return [
                _(
                    "%(subject)s is in %(country)s, which is not one of this campaign's "
                    "countries (%(countries)s)."
                )
                % params
            ]
        return [_("%(country)s is not one of this campaign's countries (%(countries)s).") % params]


class OutreachForm(RecordForm):
    channel = forms.ChoiceField(
        label=_("Channel"), choices=_choose(OutreachActivity.Channel.choices)
    )
    country = CountryChoiceField(label=_("Country"))
    date = forms.DateField(label=_("Date"), widget=DateInput)
    reach = WholeNumberField(label=_("People reached (estimate)"), min_value=0, max_value=10**12)
    description = forms.CharField(label=_("Description"), max_length=500, required=False)

    def check(self, data):
        if "country" not in self.changed_data:  # a correction of something else asks nothing
            return []
        return self.outside_campaign(data.get("country"))


class DecisionMakerForm(RecordForm):
    """A decision-maker belongs to the organisation; the campaign's countries come first."""

    name = forms.CharField(label=_("Name"), max_length=200)
    role = forms.CharField(
        label=pgettext_lazy("a decision-maker's job", "Role"), max_length=200, required=False
    )
    institution = forms.CharField(label=_("Institution"), max_length=200, required=False)
    country = CountryChoiceField(label=_("Country"))
    level = forms.ChoiceField(label=_("Level"), choices=DecisionMaker.Level.choices)


def decision_maker_label(decision_maker: DecisionMaker) -> str:
    detail = ", ".join(part for part in (decision_maker.role, decision_maker.institution) if part)
    return f"{decision_maker.name} — {detail}" if detail else decision_maker.name


class EngagementForm(RecordForm):
    decision_maker = forms.ChoiceField(label=_("Decision-maker"))
    kind = forms.ChoiceField(label=_("Kind"), choices=_choose(Engagement.Kind.choices))
    date = forms.DateField(label=_("Date"), widget=DateInput)
    stance = forms.ChoiceField(label=_("Stance shown"), choices=_choose(Stance.choices))
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000
    )

    def __init__(self, *args, campaign, decision_makers, **kwargs):
        """`decision_makers`: the organisation's, sorted by country then name (one group of
        options per country)."""
        super().__init__(*args, campaign=campaign, **kwargs)
        self.decision_makers = {str(dm.id): dm for dm in decision_makers}
        groups = groupby(decision_makers, key=lambda dm: dm.country.code)
        self.fields["decision_maker"].choices = [
            ("", _("Choose a decision-maker")),
            *(
                (countries.name(code), [(str(dm.id), decision_maker_label(dm)) for dm in group])
                for code, group in groups
            ),
        ]
        if not decision_makers:
            self.fields["decision_maker"].help_text = _(
                "The organisation tracks no decision-makers yet: add one first, from the "
                "campaign's page (“Add a decision-maker”)."
            )

    def clean_decision_maker(self) -> DecisionMaker:
        return self.decision_makers[self.cleaned_data["decision_maker"]]  # a valid choice

    def check(self, data):
        decision_maker = data.get("decision_maker")
        if decision_maker is None or "decision_maker" not in self.changed_data:
            return []
        return self.outside_campaign(decision_maker.country.code, subject=decision_maker.name)


class StageForm(RecordForm):
    country = CountryChoiceField(label=_("Country"))
    stage = forms.ChoiceField(label=_("Stage"), choices=_choose(Stage.choices))
    date = forms.DateField(label=_("Date"), widget=DateInput)
    source_url = forms.URLField(
        label=_("Source (link)"), required=False, max_length=500, assume_scheme="https"
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args, campaign, history, record_id: int | None = None, **kwargs):
        """`history`: the campaign's recorded steps; `record_id`: the step being corrected."""
        super().__init__(*args, campaign=campaign, **kwargs)
        self.history = [step for step in history if step.id != record_id]
        self.record_id = record_id

    def check(self, data):
        changed = set(self.changed_data)
        warnings = self.outside_campaign(data.get("country")) if "country" in changed else []
        if {"country", "stage", "date"} & changed:
            warnings += self._backwards(data.get("country"), data.get("stage"), data.get("date"))
        return warnings

    def _backwards(self, country, stage, when) -> list[str]:
        """A step below the one before it, or above the one after it, in that country's
        history (by date, then entry: a new step comes after those of its day)."""
        if not (country and stage and when):
            return []
        key = (when, self.record_id or math.inf)
        steps = sorted(
            (step for step in self.history if step.country.code == country),
            key=lambda step: (step.date, step.id),
        )
        before = [step for step in steps if (step.date, step.id) < key]
        after = [step for step in steps if (step.date, step.id) > key]
        params = {
            "country": countries.name(country),
            "stage": Stage(stage).label,
            "when": date_format(when, "DATE_FORMAT"),
        }
        if before and STAGE_ORDER[stage] < STAGE_ORDER[before[-1].stage]:
            params.update(was=before[-1].get_stage_display(), date=date_format(before[-1].date))
            return [
                _(
                    "In %(country)s the ask was already at “%(was)s” on %(date)s: “%(stage)s” "
                    "on %(when)s is a step backwards."
                )
                % params
            ]
        if after and STAGE_ORDER[after[0].stage] < STAGE_ORDER[stage]:
            params.update(next=after[0].get_stage_display(), date=date_format(after[0].date))
            return [
                _(
                    "In %(country)s “%(next)s” is recorded later, on %(date)s: after “%(stage)s” "
                    "on %(when)s, that would be a step backwards."
                )
                % params
            ]
        return []


class CollectorForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    code = forms.SlugField(label=_("Code (in the link)"), max_length=40)
    username = forms.CharField(label=_("Voces user (optional)"), max_length=150, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))


class PartnerInviteForm(forms.Form):
    organisation = forms.SlugField(
        label=_("Partner organisation's address in Voces"),
        max_length=80,
        help_text=_(
            "As in its dashboard links, such as fenatrahob. Its owners accept the invitation "
            "on their dashboard; until then it sees nothing of the campaign."
        ),
    )


class PartnerGoalForm(forms.Form):
    goal = forms.IntegerField(
        label=_("Your organisation's goal"),
        required=False,
        min_value=1,
        max_value=GOAL_MAX,
        help_text=_(
            "Signatures to bring through your organisation. Your owners and organisers hear "
            "when it reaches a quarter, half, three quarters and all of it. Leave it empty for "
            "no goal of your own."
        ),
    )


class SignerForm(forms.Form):
    email = forms.CharField(label=_("Signer's email"), max_length=EMAIL_RAW_MAX)

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        if email_key(email) is None:  # the one rule for addresses (signatures.identity)
            raise forms.ValidationError(_("Enter a valid email address."))
        return email


class MemberForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    # The least power unless the owner chooses more (as in InvitationForm).
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.VIEWER)


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


# --- Campaigns: creating and editing them (the API's field names) -----------------------------

# Offered first wherever a language code is typed; any code campaigns.models.LANGUAGE_TAG
# accepts may be given (content is written in any language, not only the interface's four).
COMMON_LANGUAGES = (
    ("qu", _("Quechua")),
    ("ay", _("Aymara")),
    ("gn", _("Guarani")),
    ("es", _("Spanish")),
    ("en", _("English")),
    ("pt", _("Portuguese")),
    ("fr", _("French")),
)
INT_MAX = 2_147_483_647  # the goal's column


def language_label(code: str) -> str:
    """ "Quechua (qu)" for a code the dashboard knows by name, else the code alone."""
    name = dict(COMMON_LANGUAGES).get(code.split("-")[0].lower())
    return f"{name} ({code})" if name else code


def language_tag_normalised(code: str) -> str:
    """`QU` → `qu`, `pt-br` → `pt-BR`: the language in lower case, a region in upper case."""
    primary, *rest = code.strip().split("-")
    parts = [primary.lower()]
    for part in rest:
        if len(part) == 2 and part.isalpha():
            parts.append(part.upper())
        elif len(part) == 4 and part.isalpha():
            parts.append(part.title())
        else:
            parts.append(part)
    return "-".join(parts)


class LanguageListField(forms.CharField):
    """Language codes typed in one box ("es, qu"), as the list the campaign keeps."""

    default_validators = [validate_language_list]

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        return [language_tag_normalised(code) for code in re.split(r"[\s,;]+", text) if code]


class _PlainLabels:
    """Labels without Django's trailing colon (hints and errors sit under them)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class CampaignForm(_PlainLabels, forms.Form):
    """A campaign's own fields. Without `campaign` it creates one (and asks for the
    organisation, among `organisations`); with it, it edits that campaign."""

    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.none(),
        to_field_name="slug",
        empty_label=_("Choose the organisation"),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    slug = forms.SlugField(
        label=_("Address"),
        max_length=80,
        required=False,
        help_text=_(
            "The end of the public page's address: letters, digits and hyphens. Left empty, "
            "it is made from the title."
        ),
    )
    summary = forms.CharField(
        label=_("Summary"),
        max_length=600,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One or two sentences under the title, also shown where the page is shared."),
    )
    petition_text = forms.CharField(
        label=_("Petition text"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What people sign. A campaign opens only once it has one."),
    )
    goal = forms.IntegerField(label=_("Signature goal"), min_value=1, max_value=INT_MAX)
    status = forms.ChoiceField(
        label=_("Status"),
        widget=forms.RadioSelect,
        choices=[
            (Campaign.Status.DRAFT, _("Draft: only your organisation sees it")),
            (Campaign.Status.OPEN, _("Open: public, and taking signatures")),
        ],
        initial=Campaign.Status.DRAFT,
    )
    require_confirmation = forms.BooleanField(
        label=_("Signers confirm by email before they are counted"),
        required=False,
        initial=True,
    )
    contact = forms.ChoiceField(
        label=_("What signers give to be reached"),
        widget=forms.RadioSelect,
        choices=[
            (Campaign.Contact.EMAIL, _("An email address")),
            (
                Campaign.Contact.EMAIL_OR_PHONE,
                _("An email address or a phone number (for signers without email)"),
            ),
        ],
        initial=Campaign.Contact.EMAIL,
        required=False,  # left out: every signer gives an email, as before the choice existed
        help_text=_(
            "A phone number alone counts when a collector took the signature (the field app, "
            "paper sheets), or at once where signers do not confirm by email. No text message "
            "is ever sent."
        ),
    )
    countries = forms.MultipleChoiceField(
        label=_("Countries"), required=False, widget=forms.CheckboxSelectMultiple
    )
    languages = LanguageListField(
        label=_("Languages"),
        required=False,
        max_length=400,
        help_text=_(
            "Codes of the languages the campaign is offered in, separated by commas, such as "
            "es, qu, ay or pt-BR. The first is the language of the texts above."
        ),
    )
    starts_on = forms.DateField(label=_("Starts on"), required=False, widget=DateInput)
    ends_on = forms.DateField(label=_("Ends on"), required=False, widget=DateInput)
    baseline_starts_on = forms.DateField(
        label=_("Baseline period from"), required=False, widget=DateInput
    )
    baseline_ends_on = forms.DateField(
        label=_("Baseline period until"),
        required=False,
        widget=DateInput,
        help_text=_(
            "Decision-makers engaged after this period are compared with those engaged during it."
        ),
    )

    def __init__(self, *args, organisations=None, campaign: Campaign | None = None, **kwargs):
        if campaign is not None:
            kwargs.setdefault(
                "initial",
                {
                    **{name: getattr(campaign, name) for name in self.base_fields},
                    "countries": [country.code for country in campaign.countries],
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["countries"].choices = list(countries)
        self.fields["languages"].widget.attrs.update(
            {"autocapitalize": "none", "autocomplete": "off", "spellcheck": "false"}
        )
        if campaign is None:
            queryset = organisations if organisations is not None else Organisation.objects.none()
            self.fields["organisation"].queryset = queryset
            if len(queryset) == 1:
                self.fields["organisation"].initial = queryset[0]
                self.fields["organisation"].empty_label = None
        else:
            del self.fields["organisation"]  # a campaign stays with its organisation
            self.fields["slug"].required = True
            self.fields["slug"].help_text = _(
                "The end of the public page's address. Links already shared stop working "
                "when it changes."
            )
            if campaign.status == Campaign.Status.CLOSED:
                self.fields["status"].choices = [
                    *self.fields["status"].choices,
                    (Campaign.Status.CLOSED, _("Closed: the page stays up, signing has stopped")),
                ]

    def clean_contact(self) -> str:
        """Left out, the campaign keeps what it asks (a new one: an email)."""
        return self.cleaned_data["contact"] or self.initial.get("contact", Campaign.Contact.EMAIL)

    def campaign_fields(self) -> dict:
        """The cleaned fields as campaign_create / campaign_update take them."""
        fields = dict(self.cleaned_data)
        fields.pop("organisation", None)
        return fields


class TranslationForm(_PlainLabels, forms.Form):
    """The title, summary and petition text in one more language (any language code)."""

    # The code a saved translation was stored under; empty for a new one.
    original = forms.CharField(required=False, widget=forms.HiddenInput, max_length=35)
    language = forms.CharField(
        label=_("Language code"),
        max_length=35,
        required=False,
        widget=forms.TextInput(
            attrs={
                "list": "language-codes",
                "autocomplete": "off",
                "autocapitalize": "none",
                "spellcheck": "false",
                "size": 8,
            }
        ),
    )
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    summary = forms.CharField(
        label=_("Summary"), max_length=600, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    petition_text = forms.CharField(
        label=_("Petition text"),
        max_length=20_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Left empty, the summary and petition text are shown in the first language."),
    )
    remove = forms.BooleanField(label=_("Remove this translation"), required=False)

    TEXTS = ("title", "summary", "petition_text")

    def clean_language(self) -> str:
        code = self.cleaned_data["language"].strip()
        if not code:
            return ""
        code = language_tag_normalised(code)
        if not LANGUAGE_TAG.match(code):
            raise forms.ValidationError(_("Enter a language code such as es or qu."))
        return code

    def clean(self):
        data = super().clean()
        if data.get("remove"):
            return data
        written = any(data.get(name) for name in self.TEXTS)
        if written and not data.get("language") and "language" not in self.errors:
            self.add_error(
                "language", _("Give the code of the translation's language, such as qu.")
            )
        if data.get("language") and not data.get("title") and "title" not in self.errors:
            self.add_error("title", _("A translation needs at least its title."))
        return data

    @property
    def is_saved(self) -> bool:
        return bool(self.initial.get("original"))

    @property
    def language_label(self) -> str:
        return language_label(self.initial.get("original", ""))


class BaseTranslationFormSet(forms.BaseFormSet):
    """The campaign's translations, one form each, and one empty form to add another."""

    def __init__(self, *args, existing=(), content_language: str = "", **kwargs):
        kwargs.setdefault(
            "initial",
            [
                {
                    "original": t.language,
                    "language": t.language,
                    "title": t.title,
                    "summary": t.summary,
                    "petition_text": t.petition_text,
                }
                for t in existing
            ],
        )
        self.saved = {t.language for t in existing}
        self.content_language = content_language
        super().__init__(*args, **kwargs)

    def clean(self):
        if any(self.errors):
            return
        seen: set[str] = set()
        for form in self.forms:
            data = form.cleaned_data
            if data.get("original") and data["original"] not in self.saved:
                raise forms.ValidationError(
                    _("A translation changed meanwhile: load the page again.")
                )
            code = data.get("language", "")
            if not code or data.get("remove"):
                continue
            if code == data.get("original") and not form.has_changed():
                seen.add(code.lower())  # as saved: not for this page to refuse
                continue
            if code.lower() in seen:
                form.add_error("language", _("This language has a translation already."))
            seen.add(code.lower())
            main = self.content_language
            if main and code.lower() == main.lower():
                form.add_error(
                    "language",
                    _("The campaign's own texts are in %(code)s already (its first language).")
                    % {"code": main},
                )

    def changes(self) -> dict[str, dict | None]:
        """What changed, as campaign_update(translations=...) takes it: texts by language,
        None for a translation removed (or stored under a code that changed)."""
        changes: dict[str, dict | None] = {}
        for form in self.forms:
            data = form.cleaned_data
            original, code = data.get("original", ""), data.get("language", "")
            if data.get("remove"):
                if original:
                    changes[original] = None
                continue
            if not code or (original and not form.has_changed()):
                continue
            if original and original != code:
                changes[original] = None
            changes[code] = {name: data[name] for name in TranslationForm.TEXTS}
        return changes


TranslationFormSet = forms.formset_factory(
    TranslationForm,
    formset=BaseTranslationFormSet,
    extra=1,
    max_num=40,
    validate_max=True,
    absolute_max=50,
)


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").strip()


class ConsentForm(_PlainLabels, forms.Form):
    """A new wording of the consent for each language the campaign is offered in, filled
    with the wording in force: a changed one becomes a new version."""

    prefix = "consent"

    def __init__(self, *args, current: dict[str, str], organisation: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.current = {language: _newlines(text) for language, text in current.items()}
        hint = _(
            "Write {organisation} where the organisation's name goes: signers read "
            "“%(name)s”. Saving a changed wording makes a new version."
        ) % {"name": organisation}
        for language, text in self.current.items():
            self.fields[language] = forms.CharField(
                label=_("New wording in %(language)s") % {"language": language_label(language)},
                max_length=5000,
                initial=text,
                widget=forms.Textarea(attrs={"rows": 7}),
                help_text=hint,
                error_messages={
                    "required": _("The consent cannot be empty: leave the wording in force.")
                },
            )

    def changed_texts(self) -> dict[str, str]:
        """{language: new wording} for the wordings that differ from the one in force."""
        return {
            language: _newlines(self.cleaned_data[language])
            for language, text in self.current.items()
            if _newlines(self.cleaned_data[language]) != text
        }


class CloseForm(_PlainLabels, forms.Form):
    outcome = forms.ChoiceField(
        label=_("How did the campaign end?"),
        widget=forms.RadioSelect,
        choices=Campaign.Outcome.choices,
        error_messages={"required": _("Choose the outcome: won, partly won or lost.")},
    )


class WebhookForm(forms.Form):
    """A new webhook endpoint. The secret may be typed (a CRM that chose its own) or left
    empty for Voces to make one, shown once."""

    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("Where Voces posts the events: your CRM's or tool's public address."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=WebhookEndpoint.Event.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    secret = forms.CharField(
        label=_("Secret (optional)"),
        min_length=16,
        max_length=200,
        required=False,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_(
            "Each delivery is signed with it. Leave it empty and Voces makes one, shown once."
        ),
    )


# --- People: invitations, accepting one, new organisations ---------------------------------


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Their email address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.VIEWER)


class AcceptInvitationForm(forms.Form):
    """A new account for an invited person (campaigns.invitations checks the rules)."""

    username = forms.CharField(
        label=_("Choose a username"),
        max_length=150,
        help_text=_("You log in with it. Letters, digits and @ . + - _ only."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label=_("The same password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].help_text = password_validation.password_validators_help_text_html()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password") and cleaned.get("password_again") not in (
            None,
            cleaned["password"],
        ):
            self.add_error("password_again", _("The two passwords differ. Type them again."))
        return cleaned


class OrganisationForm(forms.Form):
    """The fields of campaigns.services.organisation_create."""

    name = forms.CharField(label=_("Name"), max_length=200)
    slug = forms.SlugField(
        label=_("Short name, for addresses"),
        max_length=80,
        help_text=_("Lower-case letters, digits and hyphens, such as care-lac."),
    )
    country = CountryChoiceField(label=_("Country"), required=False)
    website = forms.URLField(
        label=_("Website"), required=False, max_length=200, assume_scheme="https"
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )
    retention_months = forms.IntegerField(
        label=_("Erase signers' details this many months after a campaign closes"),
        help_text=_("Leave empty to keep them. Signatures stay counted, anonymously."),
        min_value=1,
        max_value=240,
        required=False,
    )

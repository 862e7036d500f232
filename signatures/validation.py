"""The one validation of a signature, shared by the API, the pages and the CSV import.

A plain function rather than a form or serializer: it runs once per signature on the hot path
and once per row of a 100k-row import, so it does no query and builds no field machinery.
"""

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

import pycountry
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from campaigns.models import CampaignContact
from signatures.identity import (
    PHONE_RAW_MAX,
    InvalidEmail,
    InvalidPhone,
    email_normalise,
    phone_normalise,
)

NAME_MAX = 200
EMAIL_MAX = 254
POSTAL_CODE_MAX = 20
REGION_MAX = 100
COMMENT_MAX = 2000
COLLECTOR_MAX = 40
PHONE_MAX = PHONE_RAW_MAX


UI_LANGUAGES = frozenset(code for code, _name in settings.LANGUAGES)
TRUE_STRINGS = frozenset({"true", "on", "1", "yes"})
POSTAL_CODE = re.compile(r"^[\w\- ]*$")
COLLECTOR_CODE = re.compile(r"^[-a-zA-Z0-9_]*$")
COUNTRY_CODES = frozenset(code for code, _name in countries)


@dataclass(frozen=True, slots=True)
class SignatureInput:
    name: str
    email: str
    email_normalised: str | None
    # E.164, or None when not given.
    phone: str | None
    country: str
    postal_code: str
    region: str
    comment: str
    language: str
    source: str
    collector_code: str

    @property
    def identity(self) -> tuple[str, str]:
        """Who signs, as the database's unique indexes see it: the email, or for a signer
        without one, the phone (among the signatures without an email)."""
        if self.email_normalised is not None:
            return ("e", self.email_normalised)
        return ("p", self.phone)


# Control characters, and lone surrogates (which JSON can carry but UTF-8 cannot store).
_REFUSED_CATEGORIES = frozenset({"Cc", "Cs"})


def _has_control_characters(value: str) -> bool:
    return any(unicodedata.category(ch) in _REFUSED_CATEGORIES for ch in value)


def subdivision(value: str) -> str:
    """The ISO 3166-2 subdivision a region names by its code ("bo-l" → "BO-L"), per
    pycountry, or "" (a region may be any text a signer or an outreach gave)."""
    code = (value or "").strip().upper()
    if not _SUBDIVISION.fullmatch(code):
        return ""
    return code if pycountry.subdivisions.get(code=code) is not None else ""


_SUBDIVISION = re.compile(r"[A-Z]{2}-[A-Z0-9]{1,3}")


def _text(data, field, errors, *, max_length, required=False, multiline=False) -> str:
    value = data.get(field)
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[field] = [_("Enter text.")]
        return ""
    value = value.strip()
    if required and not value:
        errors[field] = [_("This field is required.")]
    elif len(value) > max_length:
        errors[field] = [
            _("Use at most %(max)d characters (this has %(n)d).")
            % {"max": max_length, "n": len(value)}
        ]
    elif _has_control_characters(
        value.replace("\n", "").replace("\r", "").replace("\t", "") if multiline else value
    ):
        errors[field] = [_("Remove the control characters.")]
    return value


def _consented(value) -> bool:
    if value is True:
        return True
    return isinstance(value, str) and value.strip().lower() in TRUE_STRINGS


def signature_input_clean(
    data: Mapping,
    *,
    default_language: str,
    default_source: str,
    sources: frozenset[str],
    require_consent: bool = True,
    contact: str = CampaignContact.EMAIL,
    email_needed: bool = False,
) -> SignatureInput:
    """Check a signer's input. Raises ValidationError keyed by field, naming every problem.

    `contact` is the campaign's: with "email" every signer gives an email; with
    "email_or_phone" an email, a phone number or both. `email_needed` refuses a phone-only
    signature all the same (the public, on a campaign that confirms by email: no text message
    is sent). A phone is read in international form, or in national form with the signer's
    country; it may be given with an email on any campaign.
    """
    if not isinstance(data, Mapping):
        raise ValidationError({"non_field_errors": [_("Send a JSON object.")]})
    errors: dict[str, list] = {}

    name = _text(data, "name", errors, max_length=NAME_MAX, required=True)
    email = _text(data, "email", errors, max_length=EMAIL_MAX)
    email_normalised = None
    if email and "email" not in errors:
        try:
            email_normalised = email_normalise(email)
        except InvalidEmail:
            errors["email"] = [_("Enter a valid email address.")]

    country = data.get("country")
    if not isinstance(country, str) or country.strip().upper() not in COUNTRY_CODES:
        errors["country"] = [_("Choose a country (an ISO 3166-1 alpha-2 code such as BO).")]
        country = ""
    else:
        country = country.strip().upper()

    phone_raw = _text(data, "phone", errors, max_length=PHONE_MAX)
    phone = None
    if phone_raw and "phone" not in errors:
        try:
            phone = phone_normalise(phone_raw, country=country)
        except InvalidPhone:
            errors["phone"] = [
                _(
                    "Enter a phone number we can read: with + and the country code, or as "
                    "dialled in the signer's country."
                )
            ]
    if not email and "email" not in errors:
        if contact != CampaignContact.EMAIL_OR_PHONE:
            errors["email"] = [_("This field is required.")]
        elif email_needed:
            errors["email"] = [
                _(
                    "This campaign confirms each signature by email, so an email address is "
                    "needed (no text message is sent)."
                )
            ]
        elif not phone_raw and "phone" not in errors:
            message = _("Give an email address or a phone number.")
            errors["email"] = [message]
            errors["phone"] = [message]

    postal_code = _text(data, "postal_code", errors, max_length=POSTAL_CODE_MAX)
    if postal_code and "postal_code" not in errors and not POSTAL_CODE.match(postal_code):
        errors["postal_code"] = [_("Use only letters, digits, spaces and dashes.")]
    region = _text(data, "region", errors, max_length=REGION_MAX)
    if region and "region" not in errors:
        region = subdivision(region) or region  # an ISO 3166-2 code, as results break it down
    comment = _text(data, "comment", errors, max_length=COMMENT_MAX, multiline=True)

    language = data.get("language") or default_language
    if not isinstance(language, str) or language.split("-")[0].lower() not in UI_LANGUAGES:
        errors["language"] = [
            _("Choose one of: %(codes)s.") % {"codes": ", ".join(sorted(UI_LANGUAGES))}
        ]
        language = default_language
    else:
        language = language.split("-")[0].lower()

    source = data.get("source") or default_source
    if not isinstance(source, str) or source not in sources:
        errors["source"] = [_("Choose one of: %(codes)s.") % {"codes": ", ".join(sorted(sources))}]

    collector = _text(data, "collector", errors, max_length=COLLECTOR_MAX)
    if collector and "collector" not in errors and not COLLECTOR_CODE.match(collector):
        errors["collector"] = [_("A collector code has only letters, digits, - and _.")]

    if require_consent and not _consented(data.get("consent")):
        errors["consent"] = [_("Please tick the box to agree, or we cannot count your signature.")]

    if errors:
        raise ValidationError(errors)
    return SignatureInput(
        name=name,
        email=email,
        email_normalised=email_normalised,
        phone=phone,
        country=country,
        postal_code=postal_code,
        region=region,
        comment=comment,
        language=language,
        source=source,
        collector_code=collector,
    )

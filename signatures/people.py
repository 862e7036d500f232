"""People: one per normalised email within an organisation — or, for signers who gave only
a phone number, one per phone — made from its signatures.

An organisation's people are the signers whose details it holds: those of its own campaigns
(every signature, whichever partner it came through) and, for a coalition partner while it is
an active one, those who signed the lead's campaign through it (`held_by`). A partner's signer
is so a person twice: in the lead's records and in the partner's. A partner that leaves loses
access: its records of those signers are pruned at its next sync (`partnerships_follow`),
and the lead's stay as they are.

Signing never writes a person (that would be a second write on the hot path); a periodic task
and the OSDI API's reads call `people_sync`, which turns the signatures added since the last
sync into people. It rescans a margin of ids below its watermark, because a row can commit
after a row with a higher id; creating a person is idempotent, so the rescan costs nothing
but a few reads.
"""

import math
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import CampaignPartner, Organisation
from core.errors import Conflict
from signatures.identity import (
    PHONE_RAW_MAX,
    InvalidEmail,
    InvalidPhone,
    email_normalise,
    phone_normalise,
)
from signatures.models import Person, PersonIdentifier, Signature
from signatures.tags import require_signers, tag_names_clean, taggings_add, text_clean
from signatures.validation import COUNTRY_CODES, POSTAL_CODE

RESCAN = 1000  # public signing commits within milliseconds; imports lower the mark themselves
BATCH = 20_000
PRUNE_BATCH = 5_000


def split_name(name: str) -> tuple[str, str]:
    """ "Juana Mamani Quispe" -> ("Juana", "Mamani Quispe"): the first word is the given name."""
    parts = name.split(None, 1)
    if not parts:
        return "", ""
    return parts[0][:120], (parts[1] if len(parts) > 1 else "")[:120]


_SYNC_SQL = """
    INSERT INTO signatures_person (organisation_id, email_normalised, email, phone, given_name,
                                   family_name, country, postal_code, custom_fields,
                                   created, modified)
    SELECT DISTINCT ON (s.email_normalised) %(organisation)s, s.email_normalised, s.email,
           s.phone, left(split_part(s.name, ' ', 1), 120),
           left(btrim(substr(s.name, length(split_part(s.name, ' ', 1)) + 1)), 120),
           s.country, s.postal_code, '{}', s.created, s.created
      FROM signatures_signature s
      JOIN campaigns_campaign c ON c.id = s.campaign_id
     WHERE (c.organisation_id = %(organisation)s
            OR (s.partner_id = %(organisation)s AND EXISTS (
                SELECT 1 FROM campaigns_campaignpartner p
                 WHERE p.campaign_id = s.campaign_id AND p.organisation_id = %(organisation)s
                   AND p.status = %(active)s)))
       AND s.id > %(start)s AND s.id <= %(end)s
       AND s.email_normalised IS NOT NULL AND s.status <> 'rejected'
     ORDER BY s.email_normalised, s.id
    ON CONFLICT (organisation_id, email_normalised) DO NOTHING
"""
# Signers who gave only a phone number: one person per phone, among the people without email.
_SYNC_PHONE_SQL = """
    INSERT INTO signatures_person (organisation_id, email_normalised, email, phone, given_name,
                                   family_name, country, postal_code, custom_fields,
                                   created, modified)
    SELECT DISTINCT ON (s.phone) %(organisation)s, NULL, '', s.phone,
           left(split_part(s.name, ' ', 1), 120),
           left(btrim(substr(s.name, length(split_part(s.name, ' ', 1)) + 1)), 120),
           s.country, s.postal_code, '{}', s.created, s.created
      FROM signatures_signature s
      JOIN campaigns_campaign c ON c.id = s.campaign_id
     WHERE (c.organisation_id = %(organisation)s
            OR (s.partner_id = %(organisation)s AND EXISTS (
                SELECT 1 FROM campaigns_campaignpartner p
                 WHERE p.campaign_id = s.campaign_id AND p.organisation_id = %(organisation)s
                   AND p.status = %(active)s)))
       AND s.id > %(start)s AND s.id <= %(end)s
       AND s.email_normalised IS NULL AND s.phone IS NOT NULL AND s.status <> 'rejected'
     ORDER BY s.phone, s.id
    ON CONFLICT (organisation_id, phone) WHERE email_normalised IS NULL AND phone IS NOT NULL
    DO NOTHING
"""


def held_by(organisation_id: int) -> Q:
    """The signatures whose signers' details the organisation holds: its campaigns', and
    those that came through it as a coalition partner, while it is an active one (a partner
    that left keeps none: they are the lead's alone)."""
    active = CampaignPartner.objects.filter(
        organisation_id=organisation_id, status=CampaignPartner.Status.ACTIVE
    ).values("campaign_id")
    return Q(campaign__organisation_id=organisation_id) | Q(
        partner_id=organisation_id, campaign_id__in=active
    )


def _people_sync_sql(organisation_id: int) -> int:
    """PostgreSQL: one set-based INSERT per range of ids, a million signatures in seconds."""
    created = 0
    start = Organisation.objects.values_list("people_synced_to", flat=True).get(id=organisation_id)
    start = max(0, start - RESCAN)
    highest = Signature.objects.aggregate(top=Max("id"))["top"] or 0
    while start < highest:
        end = start + 200_000
        with connection.cursor() as cursor:
            for sql in (_SYNC_SQL, _SYNC_PHONE_SQL):
                cursor.execute(
                    sql,
                    {
                        "organisation": organisation_id,
                        "active": CampaignPartner.Status.ACTIVE,
                        "start": start,
                        "end": end,
                    },
                )
                created += max(cursor.rowcount, 0)
        start = end
    Organisation.objects.filter(id=organisation_id, people_synced_to__lt=highest).update(
        people_synced_to=highest
    )
    return created


def people_sync(*, organisation_id: int) -> int:
    """Make people of the organisation's signatures added since the last sync (after making
    its people follow its coalition partnerships: `partnerships_follow`). Returns how many
    people were created."""
    partnerships_follow(organisation_id=organisation_id)
    return _people_sync(organisation_id)


def _people_sync(organisation_id: int) -> int:
    if connection.vendor == "postgresql":
        return _people_sync_sql(organisation_id)
    return _people_sync_python(organisation_id)


def partnerships_follow(*, organisation_id: int | None = None) -> int:
    """Make coalition partners' people follow their partnerships' status, where it changed
    (`CampaignPartner.people_current`; of one organisation, or of all): a partner that left
    (or is invited again, not yet back) loses its people made only of the signatures that
    came through it there; for one that joined (again), its sync looks again from its first
    signature there. Every OSDI read syncs first, so a partner's token stops reading those
    people as soon as it has left. Returns how many partnerships it brought up to date."""
    owed = CampaignPartner.objects.filter(people_current=False)
    if organisation_id is not None:
        owed = owed.filter(organisation_id=organisation_id)
    done = 0
    for row_id in owed.values_list("id", flat=True):
        with transaction.atomic():
            # Locked: a change of status waits, and marks the row again after this.
            row = (
                CampaignPartner.objects.select_for_update()
                .filter(id=row_id, people_current=False)
                .first()
            )
            if row is None:
                continue  # another sync did it
            through = Signature.objects.filter(
                campaign_id=row.campaign_id, partner_id=row.organisation_id
            )
            if row.status == CampaignPartner.Status.ACTIVE:
                first = through.aggregate(first=Min("id"))["first"]
                if first is not None:
                    Organisation.objects.filter(
                        id=row.organisation_id, people_synced_to__gte=first
                    ).update(people_synced_to=first - 1)
            else:
                _partner_people_prune(row.organisation_id, through)
            row.people_current = True
            row.save(update_fields=["people_current"])
            done += 1
    return done


def _partner_people_prune(organisation_id: int, through) -> None:
    """The partner's people of these signatures that it holds no other signature of (those
    of its own campaigns, or of a coalition it is still in, stay)."""
    emails = list(
        through.filter(email_normalised__isnull=False)
        .values_list("email_normalised", flat=True)
        .distinct()
    )
    phones = list(
        through.filter(email_normalised__isnull=True, phone__isnull=False)
        .values_list("phone", flat=True)
        .distinct()
    )
    for start in range(0, max(len(emails), len(phones)), PRUNE_BATCH):
        people_prune(
            organisation_id=organisation_id,
            emails=emails[start : start + PRUNE_BATCH],
            phones=phones[start : start + PRUNE_BATCH],
        )


def _people_sync_python(organisation_id: int) -> int:
    """Anywhere else (the embedded SQLite default): the same, a batch at a time in Python."""
    created = 0
    while True:
        start = Organisation.objects.values_list("people_synced_to", flat=True).get(
            id=organisation_id
        )
        rows = list(
            Signature.objects.filter(
                Q(email_normalised__isnull=False) | Q(phone__isnull=False),
                held_by(organisation_id),
                id__gt=max(0, start - RESCAN),
            )
            .exclude(status=Signature.Status.REJECTED)
            .order_by("id")
            .values_list(
                "id",
                "email_normalised",
                "phone",
                "email",
                "name",
                "country",
                "postal_code",
                "created",
            )[:BATCH]
        )
        if not rows:
            return created
        by_email: dict[str, tuple] = {}
        by_phone: dict[str, tuple] = {}
        for row in rows:
            if row[1] is not None:
                by_email.setdefault(row[1], row)
            else:
                by_phone.setdefault(row[2], row)
        people = Person.objects.filter(organisation_id=organisation_id)
        known_emails = set(
            people.filter(email_normalised__in=list(by_email)).values_list(
                "email_normalised", flat=True
            )
        )
        known_phones = set(
            people.filter(email_normalised__isnull=True, phone__in=list(by_phone)).values_list(
                "phone", flat=True
            )
        )
        new = []
        fresh = [row for key, row in by_email.items() if key not in known_emails]
        fresh += [row for key, row in by_phone.items() if key not in known_phones]
        for _id, email_normalised, phone, email, name, country, postal, when in fresh:
            given, family = split_name(name)
            new.append(
                Person(
                    organisation_id=organisation_id,
                    email_normalised=email_normalised,
                    email=email,
                    phone=phone,
                    given_name=given,
                    family_name=family,
                    country=country,
                    postal_code=postal,
                    created=when,
                    modified=when,
                )
            )
        Person.objects.bulk_create(new, ignore_conflicts=True)
        created += len(new)
        highest = rows[-1][0]
        Organisation.objects.filter(id=organisation_id, people_synced_to__lt=highest).update(
            people_synced_to=highest
        )
        if len(rows) < BATCH:
            return created


def people_sync_all() -> int:
    partnerships_follow()  # every organisation's at once, then each one's signatures
    return sum(
        _people_sync(organisation_id)
        for organisation_id in Organisation.objects.values_list("id", flat=True)
    )


def person_signatures(person: Person):
    """A person's signatures in their organisation (`held_by`: a coalition partner's person,
    those that came through the partner while it is an active one): by their email, or for
    a person without one by their phone among the signatures without an email."""
    if person.email_normalised is not None:
        who = Q(email_normalised=person.email_normalised)
    else:
        who = Q(email_normalised__isnull=True, phone=person.phone)
    return Signature.objects.filter(who, held_by(person.organisation_id)).select_related(
        "campaign", "collector"
    )


# --- What other systems write (OSDI): people, their identifiers and tags ------------------

NAME_MAX = 120
IDENTIFIER_MAX = 255
CUSTOM_FIELDS_MAX = 100  # per person
CUSTOM_NAME_MAX = 100
CUSTOM_VALUE_MAX = 1000
# Ours, made from the row's id: never stored, always answered.
OWN_NAMESPACE = "voces"


@dataclass(frozen=True, slots=True)
class PersonInput:
    """What another system says of a person, checked: blank fields say nothing."""

    email: str = ""
    email_normalised: str | None = None
    phone: str | None = None  # E.164
    given_name: str = ""
    family_name: str = ""
    country: str = ""
    postal_code: str = ""
    identifiers: tuple[str, ...] = ()
    custom_fields: tuple[tuple[str, object], ...] = ()


def custom_fields_clean(value, errors: dict) -> tuple[tuple[str, object], ...]:
    """OSDI's `custom_fields` as another system sends them: an object of names to texts (or
    numbers, or true/false). A blank value (null, "") says nothing and is left out, as a
    blank never replaces a value."""
    if value is None:
        return ()
    if not isinstance(value, dict):
        errors["custom_fields"] = [_("Send custom fields as an object of names to values.")]
        return ()
    kept = []
    for name, item in value.items():
        name = name.strip()
        if (
            not name
            or len(name) > CUSTOM_NAME_MAX
            or any(unicodedata.category(ch) in ("Cc", "Cs") for ch in name)
        ):
            errors["custom_fields"] = [
                _("A custom field's name is a text of 1 to %(max)d characters.")
                % {"max": CUSTOM_NAME_MAX}
            ]
            return ()
        if item is None or (isinstance(item, str) and not item.strip()):
            continue
        if isinstance(item, str):
            item = item.strip()
            # A note may run over lines; other control characters are no text.
            if len(item) > CUSTOM_VALUE_MAX or any(
                unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\n\r\t" for ch in item
            ):
                errors["custom_fields"] = [
                    _(
                        "The custom field %(name)s is a text of at most %(max)d characters, "
                        "without control characters."
                    )
                    % {"name": name, "max": CUSTOM_VALUE_MAX}
                ]
                return ()
        elif not isinstance(item, int | float) or not math.isfinite(item):  # bool is an int
            errors["custom_fields"] = [
                _("The custom field %(name)s is a text, a number, true or false.") % {"name": name}
            ]
            return ()
        kept.append((name, item))
    if len(kept) > CUSTOM_FIELDS_MAX:
        errors["custom_fields"] = [
            _("Send at most %(max)d custom fields.") % {"max": CUSTOM_FIELDS_MAX}
        ]
        return ()
    return tuple(kept)


def person_input_clean(
    *,
    email: str = "",
    phone: str = "",
    given_name: str = "",
    family_name: str = "",
    country: str = "",
    postal_code: str = "",
    identifiers: Iterable[str] = (),
    custom_fields: dict | None = None,
    contact_needed: bool = True,
) -> PersonInput:
    """Check a person's fields as another system sends them. Raises ValidationError keyed
    by field. A phone is read in international form, or in national form with `country`;
    identifiers are `system:id`, and Voces' own are left out (they are not stored);
    `custom_fields` as custom_fields_clean reads them.
    `contact_needed`: an email or a phone must be given (a new person)."""
    errors: dict[str, list] = {}
    email = text_clean(email, "email", errors, max_length=254)
    email_normalised = None
    if email and "email" not in errors:
        try:
            email_normalised = email_normalise(email)
        except InvalidEmail:
            errors["email"] = [_("Enter a valid email address.")]
    country = text_clean(country, "country", errors, max_length=2).upper()
    if country and "country" not in errors and country not in COUNTRY_CODES:
        errors["country"] = [_("Choose a country (an ISO 3166-1 alpha-2 code such as BO).")]
    phone_raw = text_clean(phone, "phone", errors, max_length=PHONE_RAW_MAX)
    phone_e164 = None
    if phone_raw and "phone" not in errors:
        try:
            phone_e164 = phone_normalise(phone_raw, country="" if "country" in errors else country)
        except InvalidPhone:
            errors["phone"] = [
                _(
                    "Enter a phone number we can read: with + and the country code, or as "
                    "dialled in the person's country."
                )
            ]
    if contact_needed and not email and not phone_raw and not errors:
        errors["email"] = [_("Give an email address or a phone number.")]
    given_name = text_clean(given_name, "given_name", errors, max_length=NAME_MAX)
    family_name = text_clean(family_name, "family_name", errors, max_length=NAME_MAX)
    postal_code = text_clean(postal_code, "postal_code", errors, max_length=20)
    if postal_code and "postal_code" not in errors and not POSTAL_CODE.match(postal_code):
        errors["postal_code"] = [_("Use only letters, digits, spaces and dashes.")]
    kept = []
    for value in identifiers:
        text = text_clean(value, "identifiers", errors, max_length=IDENTIFIER_MAX)
        system, colon, local = text.partition(":")
        if "identifiers" in errors:
            break
        if not (colon and system and local) or any(ch.isspace() for ch in text):
            errors["identifiers"] = [
                _("An identifier is the system's name, a colon and its id: crm:1234.")
            ]
            break
        if system != OWN_NAMESPACE and text not in kept:
            kept.append(text)
    custom = custom_fields_clean(custom_fields, errors)
    if errors:
        raise ValidationError(errors)
    return PersonInput(
        email=email,
        email_normalised=email_normalised,
        phone=phone_e164,
        given_name=given_name,
        family_name=family_name,
        country=country,
        postal_code=postal_code,
        identifiers=tuple(kept),
        custom_fields=custom,
    )


def _identifiers_add(person: Person, identifiers: Iterable[str]) -> bool:
    """Keep these identifiers on the person; an identifier another person holds is a 409.
    Returns whether any was new."""
    added = False
    for value in identifiers:
        held, new = PersonIdentifier.objects.get_or_create(
            organisation_id=person.organisation_id, value=value, defaults={"person": person}
        )
        if held.person_id != person.id:
            raise Conflict(
                _("The identifier %(value)s already names another person.") % {"value": value},
                code="identifier_taken",
            )
        added = added or new
    return added


def _fill(person: Person, given: PersonInput) -> bool:
    """Fill in what is given, keep the rest: a blank never replaces a value."""
    changed = False
    for field in ("given_name", "family_name", "country", "postal_code"):
        value = getattr(given, field)
        if value and str(getattr(person, field) or "") != value:
            setattr(person, field, value)
            changed = True
    # A phone beside an email is a detail; without an email it is who the person is.
    if given.phone and person.email_normalised is not None and person.phone != given.phone:
        person.phone = given.phone
        changed = True
    custom = dict(person.custom_fields or {})
    for name, value in given.custom_fields:
        if custom.get(name) != value:
            custom[name] = value
    if custom != (person.custom_fields or {}):
        if len(custom) > CUSTOM_FIELDS_MAX:
            raise ValidationError(
                {
                    "custom_fields": [
                        _("A person keeps at most %(max)d custom fields.")
                        % {"max": CUSTOM_FIELDS_MAX}
                    ]
                }
            )
        person.custom_fields = custom
        changed = True
    return changed


@transaction.atomic
def person_merge(
    *,
    by,
    organisation: Organisation,
    email: str = "",
    phone: str = "",
    given_name: str = "",
    family_name: str = "",
    country: str = "",
    postal_code: str = "",
    identifiers: Iterable[str] = (),
    custom_fields: dict | None = None,
    tags: Iterable[str] = (),
) -> tuple[Person, bool]:
    """Create or update a person, as OSDI's signup helper does: matched by email, or, when
    only a phone is given, by phone among the people without an email (a phone may be a
    family's). What is given is filled in (custom fields too), nothing is replaced by a
    blank; identifiers are kept; tags are made as needed. Returns (person, created).
    ValidationError per field, Conflict when an identifier names another person."""
    require_signers(by, organisation.id)
    given = person_input_clean(
        email=email,
        phone=phone,
        given_name=given_name,
        family_name=family_name,
        country=country,
        postal_code=postal_code,
        identifiers=identifiers,
        custom_fields=custom_fields,
    )
    names = tag_names_clean(tags)
    now = timezone.now()
    person, created = Person.objects.select_for_update().get_or_create(
        organisation=organisation,
        email_normalised=given.email_normalised,
        # Without an email: the phone-only person of this number.
        **({} if given.email_normalised else {"phone": given.phone}),
        defaults={
            "email": given.email,
            "phone": given.phone,
            "created": now,
            "modified": now,
        },
    )
    changed = _fill(person, given)
    changed = _identifiers_add(person, given.identifiers) or changed
    changed = taggings_add(person, names) or changed
    if changed and not created:
        person.modified = now
    if changed or created:
        person.save()
    return person, created


@transaction.atomic
def person_update(
    *,
    by,
    person: Person,
    email: str = "",
    phone: str = "",
    given_name: str = "",
    family_name: str = "",
    country: str = "",
    postal_code: str = "",
    identifiers: Iterable[str] = (),
    custom_fields: dict | None = None,
) -> Person:
    """Change a person's details (OSDI's PUT): what is given is filled in, nothing is
    replaced by a blank. The email a person is known by, and a phone-only person's phone,
    are who they are and stay: a different one is a ValidationError."""
    require_signers(by, person.organisation_id)
    person = Person.objects.select_for_update().get(id=person.id)
    given = person_input_clean(
        email=email,
        phone=phone,
        given_name=given_name,
        family_name=family_name,
        # A national phone number is read in the country given, else the person's.
        country=country or (person.country.code if person.country else ""),
        postal_code=postal_code,
        identifiers=identifiers,
        custom_fields=custom_fields,
        contact_needed=False,
    )
    if given.email_normalised and given.email_normalised != person.email_normalised:
        raise ValidationError(
            {
                "email": [
                    _(
                        "A person's email address cannot be changed: it is who they are "
                        "here. Create a new person for a new address."
                    )
                ]
            }
        )
    if person.email_normalised is None and given.phone and given.phone != person.phone:
        raise ValidationError(
            {
                "phone": [
                    _(
                        "The phone number of a person without an email is who they are "
                        "here: it cannot be changed."
                    )
                ]
            }
        )
    changed = _fill(person, given)
    changed = _identifiers_add(person, given.identifiers) or changed
    if changed:
        person.modified = timezone.now()
        person.save()
    return person


def person_identifiers(person: Person) -> list[str]:
    """The identifiers other systems gave the person, in the order they came."""
    return [item.value for item in person.identifiers.all()]


def people_prune(
    *, organisation_id: int, emails: Iterable[str] = (), phones: Iterable[str] = ()
) -> int:
    """Delete the people left without any signature (after an erasure or the retention):
    those of these emails, and those without email of these phones."""
    emails = [email for email in emails if email]
    phones = [phone for phone in phones if phone]
    if not emails and not phones:
        return 0
    signatures = Signature.objects.filter(held_by(organisation_id))
    still_signed = set(
        signatures.filter(email_normalised__in=emails).values_list("email_normalised", flat=True)
    )
    still_phoned = set(
        signatures.filter(email_normalised__isnull=True, phone__in=phones).values_list(
            "phone", flat=True
        )
    )
    gone = Q(email_normalised__in=[e for e in emails if e not in still_signed]) | Q(
        email_normalised__isnull=True, phone__in=[p for p in phones if p not in still_phoned]
    )
    deleted, _ = Person.objects.filter(gone, organisation_id=organisation_id).delete()
    return deleted


def person_of_signature(
    signature: Signature, *, organisation_id: int | None = None
) -> Person | None:
    """The person a signature is in the campaign's organisation (or in `organisation_id`, the
    coalition partner it came through): by its email, or by its phone when it has none."""
    people = Person.objects.filter(
        organisation_id=organisation_id or signature.campaign.organisation_id
    )
    if signature.email_normalised is not None:
        return people.filter(email_normalised=signature.email_normalised).first()
    if signature.phone:
        return people.filter(email_normalised__isnull=True, phone=signature.phone).first()
    return None


def people_of_signatures(*, organisation_id: int, page: Iterable[Signature]) -> dict:
    """{signature id: person} for a page of one organisation's signatures, in two queries."""
    page = list(page)
    emails = {s.email_normalised for s in page if s.email_normalised is not None}
    phones = {s.phone for s in page if s.email_normalised is None and s.phone}
    people = Person.objects.filter(organisation_id=organisation_id)
    by_email = {p.email_normalised: p for p in people.filter(email_normalised__in=emails)}
    by_phone = {p.phone: p for p in people.filter(email_normalised__isnull=True, phone__in=phones)}
    found = {}
    for s in page:
        person = (
            by_email.get(s.email_normalised)
            if s.email_normalised is not None
            else by_phone.get(s.phone)
        )
        if person is not None:
            found[s.id] = person
    return found

"""People: one per normalised email within an organisation, made from its signatures.

Signing never writes a person (that would be a second write on the hot path); a periodic task
and the OSDI API's reads call `people_sync`, which turns the signatures added since the last
sync into people. It rescans a margin of ids below its watermark, because a row can commit
after a row with a higher id; creating a person is idempotent, so the rescan costs nothing
but a few reads.
"""

from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from campaigns.models import Organisation
from signatures.identity import email_normalise
from signatures.models import Person, Signature, Tag, Tagging

RESCAN = 1000  # public signing commits within milliseconds; imports lower the mark themselves
BATCH = 20_000


def split_name(name: str) -> tuple[str, str]:
    """ "Juana Mamani Quispe" -> ("Juana", "Mamani Quispe"): the first word is the given name."""
    parts = name.split(None, 1)
    if not parts:
        return "", ""
    return parts[0][:120], (parts[1] if len(parts) > 1 else "")[:120]


_SYNC_SQL = """
    INSERT INTO signatures_person (organisation_id, email_normalised, email, given_name,
                                   family_name, country, postal_code, created, modified)
    SELECT DISTINCT ON (s.email_normalised) %(organisation)s, s.email_normalised, s.email,
           left(split_part(s.name, ' ', 1), 120),
           left(btrim(substr(s.name, length(split_part(s.name, ' ', 1)) + 1)), 120),
           s.country, s.postal_code, s.created, s.created
      FROM signatures_signature s
      JOIN campaigns_campaign c ON c.id = s.campaign_id
     WHERE c.organisation_id = %(organisation)s AND s.id > %(start)s AND s.id <= %(end)s
       AND s.email_normalised IS NOT NULL AND s.status <> 'rejected'
     ORDER BY s.email_normalised, s.id
    ON CONFLICT (organisation_id, email_normalised) DO NOTHING
"""


def _people_sync_sql(organisation_id: int) -> int:
    """PostgreSQL: one set-based INSERT per range of ids, a million signatures in seconds."""
    created = 0
    start = Organisation.objects.values_list("people_synced_to", flat=True).get(id=organisation_id)
    start = max(0, start - RESCAN)
    highest = Signature.objects.aggregate(top=Max("id"))["top"] or 0
    while start < highest:
        end = start + 200_000
        with connection.cursor() as cursor:
            cursor.execute(_SYNC_SQL, {"organisation": organisation_id, "start": start, "end": end})
            created += max(cursor.rowcount, 0)
        start = end
    Organisation.objects.filter(id=organisation_id, people_synced_to__lt=highest).update(
        people_synced_to=highest
    )
    return created


def people_sync(*, organisation_id: int) -> int:
    """Make people of the organisation's signatures added since the last sync. Returns how
    many people were created."""
    if connection.vendor == "postgresql":
        return _people_sync_sql(organisation_id)
    return _people_sync_python(organisation_id)


def _people_sync_python(organisation_id: int) -> int:
    """Anywhere else (the embedded SQLite default): the same, a batch at a time in Python."""
    created = 0
    while True:
        start = Organisation.objects.values_list("people_synced_to", flat=True).get(
            id=organisation_id
        )
        rows = list(
            Signature.objects.filter(
                campaign__organisation_id=organisation_id,
                id__gt=max(0, start - RESCAN),
                email_normalised__isnull=False,
            )
            .exclude(status=Signature.Status.REJECTED)
            .order_by("id")
            .values_list(
                "id", "email_normalised", "email", "name", "country", "postal_code", "created"
            )[:BATCH]
        )
        if not rows:
            return created
        first: dict[str, tuple] = {}
        for row in rows:
            first.setdefault(row[1], row)
        known = set(
            Person.objects.filter(
                organisation_id=organisation_id, email_normalised__in=list(first)
            ).values_list("email_normalised", flat=True)
        )
        new = []
        for email_normalised, (_id, _e, email, name, country, postal, when) in first.items():
            if email_normalised in known:
                continue
            given, family = split_name(name)
            new.append(
                Person(
                    organisation_id=organisation_id,
                    email_normalised=email_normalised,
                    email=email,
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
    return sum(
        people_sync(organisation_id=organisation_id)
        for organisation_id in Organisation.objects.values_list("id", flat=True)
    )


def person_signatures(person: Person):
    return Signature.objects.filter(
        campaign__organisation_id=person.organisation_id,
        email_normalised=person.email_normalised,
    ).select_related("campaign", "collector")


@transaction.atomic
def person_merge(
    *,
    organisation: Organisation,
    email: str,
    given_name: str = "",
    family_name: str = "",
    country: str = "",
    postal_code: str = "",
    tags: Iterable[str] = (),
) -> tuple[Person, bool]:
    """Match the person by email, or create them; fill in what is given, keep the rest."""
    person, created = Person.objects.select_for_update().get_or_create(
        organisation=organisation,
        email_normalised=email_normalise(email),
        defaults={"email": email.strip()},
    )
    changed = created
    for field, value in (
        ("given_name", given_name),
        ("family_name", family_name),
        ("country", country),
        ("postal_code", postal_code),
    ):
        if value and str(getattr(person, field) or "") != value:
            setattr(person, field, value)
            changed = True
    if changed:
        person.modified = timezone.now()
        person.save()
    for name in tags:
        tag, _ = Tag.objects.get_or_create(organisation=organisation, name=name.strip()[:100])
        Tagging.objects.get_or_create(tag=tag, person=person)
    return person, created


def people_prune(*, organisation_id: int, emails: Iterable[str]) -> int:
    """Delete the people left without any signature (after an erasure or the retention)."""
    emails = [email for email in emails if email]
    if not emails:
        return 0
    still_signed = set(
        Signature.objects.filter(
            campaign__organisation_id=organisation_id, email_normalised__in=emails
        ).values_list("email_normalised", flat=True)
    )
    deleted, _ = Person.objects.filter(
        Q(organisation_id=organisation_id),
        Q(email_normalised__in=[e for e in emails if e not in still_signed]),
    ).delete()
    return deleted

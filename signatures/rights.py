"""Signers' rights: find, export and erase a person's signatures; retention after a campaign.

A signer is found by their email, or by their phone number among the signatures that have no
email (a phone may be a family's: it never reaches a signature that has an email).

Erasing keeps a signature counted, anonymously: the name, email, phone, postal code, region,
comment and address hash go; country, date, source and status stay, so the figures organisers
have shown governments do not change. A pending signature can no longer be confirmed once
its email is gone, so it becomes rejected.
"""

import logging

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns import access, audit
from campaigns.access import Ability
from campaigns.models import Campaign, Organisation
from core.errors import NotAllowed
from signatures.identity import email_key, phone_key
from signatures.models import Person, Signature
from signatures.nudges import tally_nudge_on_commit
from signatures.people import people_prune

logger = logging.getLogger(__name__)


def _signer(email: str, phone: str, country: str) -> Q:
    """Who the look-up is about; nobody when neither is a valid email or phone."""
    if email:
        return Q(email_normalised=email_key(email) or "\x00")
    if phone:
        return Q(email_normalised__isnull=True, phone=phone_key(phone, country=country) or "\x00")
    return Q(pk__in=[])


def signer_signatures(
    *, organisation: Organisation, email: str = "", phone: str = "", country: str = ""
) -> QuerySet[Signature]:
    """Every signature this email (or this phone, without email) gave to the organisation's
    campaigns, and to the coalitions it partners in through it (the copies it holds). The
    lead of a coalition finds its partners' too: every copy of the signer's details."""
    return (
        Signature.objects.filter(
            Q(campaign__organisation=organisation) | Q(partner=organisation),
            _signer(email, phone, country),
        )
        .select_related("campaign__organisation", "collector", "consent_text")
        .order_by("created")
    )


def signer_people(
    *, organisation: Organisation, email: str = "", phone: str = "", country: str = ""
) -> QuerySet[Person]:
    """The person this signer is in the organisation (OSDI's people, with their tags): made
    from signatures, or by a CRM through OSDI without any signature."""
    return Person.objects.filter(
        _signer(email, phone, country), organisation=organisation
    ).prefetch_related("taggings__tag", "identifiers")


def signer_export(
    *, organisation: Organisation, email: str = "", phone: str = "", country: str = ""
) -> list[dict]:
    """The signatures this signer gave in this organisation, for them to take away."""
    return [
        {
            "campaign": s.campaign.slug,
            "campaign_title": s.campaign.title,
            "name": s.name,
            "email": s.email,
            "phone": s.phone or "",
            "country": s.country.code,
            "region": s.region,
            "postal_code": s.postal_code,
            "comment": s.comment,
            "language": s.language,
            "source": s.source,
            "collector": s.collector.name if s.collector else None,
            "status": s.status,
            "signed_at": s.created.isoformat(),
            "confirmed_at": s.confirmed_at.isoformat() if s.confirmed_at else None,
            "consent": {
                "version": s.consent_text.version if s.consent_text else None,
                "text": (
                    s.consent_text.rendered(organisation=s.campaign.organisation.name)
                    if s.consent_text
                    else None
                ),
                "given_at": s.consented_at.isoformat() if s.consented_at else None,
            },
        }
        for s in signer_signatures(
            organisation=organisation, email=email, phone=phone, country=country
        )
    ]


def signer_people_export(
    *, organisation: Organisation, email: str = "", phone: str = "", country: str = ""
) -> list[dict]:
    """The person records held for this signer, tags included."""
    return [
        {
            "given_name": person.given_name,
            "family_name": person.family_name,
            "email": person.email,
            "phone": person.phone or "",
            "country": person.country.code if person.country else "",
            "postal_code": person.postal_code,
            "created": person.created.isoformat(),
            "modified": person.modified.isoformat(),
            "tags": sorted(tagging.tag.name for tagging in person.taggings.all()),
            # What other systems wrote of the person through OSDI.
            "identifiers": [item.value for item in person.identifiers.all()],
            "custom_fields": dict(person.custom_fields or {}),
        }
        for person in signer_people(
            organisation=organisation, email=email, phone=phone, country=country
        )
    ]


CHUNK = 5000
# What each of a signer's details becomes when erased: empty, or NULL where the column must let
# many erased rows coexist under a unique constraint.
ERASED = {
    name: None if Signature._meta.get_field(name).null else "" for name in Signature.PERSONAL_FIELDS
}


def signatures_anonymise(queryset: QuerySet[Signature]) -> int:
    """Erase the signers' details of these signatures; they stay counted. Returns how many.

    A chunk of rows per transaction: a whole campaign's retention may be a million rows.
    """
    ids = list(queryset.filter(erased_at__isnull=True).values_list("id", flat=True))
    for start in range(0, len(ids), CHUNK):
        _anonymise(ids[start : start + CHUNK])
    return len(ids)


@transaction.atomic
def _anonymise(ids: list[int]) -> None:
    now = timezone.now()
    owners: dict[int, tuple[set[str], set[str]]] = {}
    campaign_ids: set[int] = set()
    rows = Signature.objects.filter(id__in=ids).values_list(
        "campaign_id", "campaign__organisation_id", "partner_id", "email_normalised", "phone"
    )
    for campaign_id, organisation_id, partner_id, email, phone in rows:
        # The people made of these signatures: the lead's, and the partner's they came through.
        for holder in filter(None, (organisation_id, partner_id)):
            emails, phones = owners.setdefault(holder, (set(), set()))
            if email:
                emails.add(email)
            elif phone:
                phones.add(phone)
        campaign_ids.add(campaign_id)
    details = {
        **ERASED,
        "erased_at": now,
        "email_state": Signature.EmailState.NONE,
    }
    Signature.objects.filter(id__in=ids).exclude(status=Signature.Status.PENDING).update(**details)
    Signature.objects.filter(id__in=ids, status=Signature.Status.PENDING).update(
        **details, status=Signature.Status.REJECTED, rejected_reason=Signature.RejectedReason.ERASED
    )
    for organisation_id, (emails, phones) in owners.items():  # and people left with none
        people_prune(organisation_id=organisation_id, emails=emails, phones=phones)
    for campaign_id in campaign_ids:
        tally_nudge_on_commit(campaign_id=campaign_id)


@transaction.atomic
def signer_erase(
    *, by, organisation: Organisation, email: str = "", phone: str = "", country: str = ""
) -> int:
    """Erase a signer's details in the organisation: their signatures (kept counted,
    anonymously) and their person record with its tags, made from signatures or not."""
    if not access.can(by, organisation.id, Ability.SEE_SIGNERS):
        raise NotAllowed(_("Only the organisation's owners and organisers erase signers' data."))
    who = {"email": email, "phone": phone, "country": country}
    erased = signatures_anonymise(signer_signatures(organisation=organisation, **who))
    _total, deleted = signer_people(organisation=organisation, **who).delete()
    people = deleted.get(Person._meta.label, 0)
    audit.record(  # counts only: the log keeps no trace of whom
        by=by,
        organisation_id=organisation.id,
        action="signer.erase",
        summary=f"{erased} signatures and {people} person records erased at a signer's request",
    )
    logger.info(
        "erased %s signatures and %s person records in organisation %s at a signer's request",
        erased,
        people,
        organisation.slug,
    )
    return erased


def signatures_apply_retention() -> int:
    """Anonymise the signatures of campaigns closed longer ago than their organisation keeps."""
    now = timezone.now()
    erased = 0
    for organisation in Organisation.objects.exclude(retention_months=None):
        cutoff = now - relativedelta(months=organisation.retention_months)
        campaigns = Campaign.objects.filter(
            organisation=organisation, status=Campaign.Status.CLOSED, closed_at__lt=cutoff
        )
        for campaign in campaigns:
            count = signatures_anonymise(Signature.objects.filter(campaign=campaign))
            if count:
                logger.info(
                    "retention: erased %s signers' details of campaign %s", count, campaign.slug
                )
            erased += count
    return erased

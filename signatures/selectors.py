"""Reads of signatures, collectors and consent texts."""

import time
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from campaigns import access
from campaigns.access import Ability
from campaigns.models import Campaign
from campaigns.selectors import campaigns_followed
from core.errors import NotAllowed, NotFound
from signatures.consent import CONSENT_TEXTS, CONSENT_VERSION
from signatures.models import Collector, ConsentText, ImportJob, Signature

# Kept for a minute in each process: signing reads it for every signature.
_CONSENT_CACHE_SECONDS = 60.0
_consent_cache: dict[tuple[int | None, str], tuple[float, int, str]] = {}


def consent_clear_cache() -> None:
    _consent_cache.clear()
    _versions_cache.clear()


def _installation_consent(language: str) -> ConsentText | None:
    row = (
        ConsentText.objects.filter(campaign__isnull=True, language=language)
        .order_by("-version")
        .first()
    )
    if row is None and language in CONSENT_TEXTS:
        row, _created = ConsentText.objects.get_or_create(
            campaign=None,
            version=CONSENT_VERSION,
            language=language,
            defaults={"text": CONSENT_TEXTS[language]},
        )
    return row


def _consent_current(campaign_id: int | None, language: str) -> tuple[int, str]:
    key = (campaign_id, language)
    cached = _consent_cache.get(key)
    now = time.monotonic()
    if cached and cached[0] > now:
        return cached[1], cached[2]
    row = None
    if campaign_id is not None:
        row = (
            ConsentText.objects.filter(campaign_id=campaign_id, language=language)
            .order_by("-version")
            .first()
        )
    row = row or _installation_consent(language) or _installation_consent("en")
    _consent_cache[key] = (now + _CONSENT_CACHE_SECONDS, row.id, row.text)
    return row.id, row.text


_versions_cache: dict[int, tuple[float, frozenset[int]]] = {}


def consent_versions(*, campaign_id: int) -> frozenset[int]:
    """The consent texts a signer of this campaign may have read: its own and the
    installation's, every version (ids). Kept for a minute, like the current texts."""
    now = time.monotonic()
    cached = _versions_cache.get(campaign_id)
    if cached and cached[0] > now:
        return cached[1]
    ids = frozenset(
        ConsentText.objects.filter(
            Q(campaign_id=campaign_id) | Q(campaign__isnull=True)
        ).values_list("id", flat=True)
    )
    _versions_cache[campaign_id] = (now + _CONSENT_CACHE_SECONDS, ids)
    return ids


def consent_text_seen(value, *, campaign_id: int) -> int | None:
    """The consent text a signer says they read (`consent_version`: the id a form or the field
    app was given), checked to be one of this campaign's or the installation's; None when
    none is named. Raises ValidationError for anything else."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isdigit() and len(value) < 19:
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        if value in consent_versions(campaign_id=campaign_id):
            return value
        # Newer than this process's list (made a moment ago, in another process)?
        if ConsentText.objects.filter(
            Q(campaign_id=campaign_id) | Q(campaign__isnull=True), id=value
        ).exists():
            _versions_cache.pop(campaign_id, None)
            return value
    raise ValidationError(
        {"consent_version": [_("This is not a version of this campaign's consent text.")]}
    )


def consent_text_current(*, language: str, campaign_id: int | None = None) -> int:
    """The id of the consent text a signer agrees to: the campaign's newest in `language`,
    else the installation's in `language`, else the installation's in English."""
    return _consent_current(campaign_id, language)[0]


def consent_text_current_text(
    *, language: str, campaign_id: int | None = None, organisation: str = ""
) -> str:
    """That text, with the organisation's name filled in where it says `{organisation}`."""
    return _consent_current(campaign_id, language)[1].replace("{organisation}", organisation)


def consent_text_for_page(
    *, campaign_id: int, language: str, content_language: str, organisation: str = ""
) -> tuple[int, str, str]:
    """The consent text a page shows beside its form: (id, text, language). The form sends the
    id back as `consent_version`. The campaign's own in the page's content language (Quechua,
    say, which the interface cannot speak), else the current one in the interface's."""
    own = None
    if content_language != language:
        own = (
            ConsentText.objects.filter(campaign_id=campaign_id, language=content_language)
            .order_by("-version")
            .values_list("id", "text")
            .first()
        )
    shown_in = content_language if own else language
    text_id, text = own or _consent_current(campaign_id, language)
    return text_id, text.replace("{organisation}", organisation), shown_in


def consent_texts_of(*, campaign: Campaign) -> QuerySet[ConsentText]:
    """A campaign's own consent texts, every version, newest first per language."""
    return ConsentText.objects.filter(campaign=campaign).order_by("language", "-version")


def signature_list_for_campaign(*, campaign: Campaign) -> QuerySet[Signature]:
    return (
        Signature.objects.filter(campaign=campaign)
        .select_related("collector", "consent_text")
        .order_by("-id")
    )


def field_campaigns_for(user) -> QuerySet[Campaign]:
    """The open campaigns a person may collect signatures for in the field app: their
    organisations' and the coalitions those organisations are partners in."""
    return (
        campaigns_followed(user=user, ability=Ability.COLLECT)
        .filter(status=Campaign.Status.OPEN)
        .select_related("organisation")
        .prefetch_related("translations")
        .order_by("organisation__name", "title")
    )


def own_collector(*, user, organisation_id: int) -> Collector | None:
    """The user's own active collector in the organisation: the one their imports credit."""
    return Collector.objects.filter(organisation_id=organisation_id, user=user, active=True).first()


@dataclass(frozen=True, slots=True)
class SigningCampaign:
    """What signing needs to know of a campaign, and nothing more."""

    id: int
    slug: str
    status: str
    require_confirmation: bool
    organisation_id: int
    contact: str

    @property
    def is_open(self) -> bool:
        return self.status == Campaign.Status.OPEN


_SIGNING_CACHE_SECONDS = 1.0
_signing_cache: dict[str, tuple[float, SigningCampaign]] = {}


def signing_cache_clear() -> None:
    _signing_cache.clear()
    _collector_cache.clear()


def signing_campaign(*, slug: str) -> SigningCampaign | None:
    """The few columns signing needs; None if unknown or unpublished.

    Kept for a second in this process: under load that saves a query per signature, and a
    campaign closed by its organisers stops taking signatures within that second. Plain SQL:
    on the hot path, building the ORM query cost more than running it.
    """
    now = time.monotonic()
    cached = _signing_cache.get(slug)
    if cached and cached[0] > now:
        return cached[1]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, status, require_confirmation, organisation_id, contact "
            "FROM campaigns_campaign "
            "WHERE slug = %s AND status IN (%s, %s)",
            [slug, *Campaign.PUBLIC_STATUSES],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    campaign = SigningCampaign(row[0], slug, *row[1:])
    if not connection.in_atomic_block:  # only what is committed may serve other requests
        _signing_cache[slug] = (now + _SIGNING_CACHE_SECONDS, campaign)
    return campaign


_COLLECTOR_CACHE_SECONDS = 10.0
_COLLECTOR_CACHE_MAX = 10_000
_collector_cache: dict[tuple[int, str], tuple[float, int]] = {}


def collector_id_active(*, organisation_id: int, code: str) -> int | None:
    """The id of the organisation's active collector with this code (a `?ref=` link), or None.

    Kept for ten seconds in this process once found: a link shared at a market brings many
    signatures with the same code, and a collector switched off stops being credited within
    those seconds. A code not found is looked up every time, so a collector just added is
    credited at once."""
    key = (organisation_id, code)
    now = time.monotonic()
    cached = _collector_cache.get(key)
    if cached and cached[0] > now:
        return cached[1]
    collector_id = (
        Collector.objects.filter(organisation_id=organisation_id, code=code, active=True)
        .values_list("id", flat=True)
        .first()
    )
    if collector_id is not None and not connection.in_atomic_block:
        if len(_collector_cache) >= _COLLECTOR_CACHE_MAX:
            _collector_cache.clear()
        _collector_cache[key] = (now + _COLLECTOR_CACHE_SECONDS, collector_id)
    return collector_id


def import_for(user, pk: int) -> ImportJob:
    """An import job, for who may see it: organisers see every import of their organisation, a
    collector only their own. To anyone outside the organisation it does not exist (404, as
    for an unknown id: an id says nothing about another organisation's imports)."""
    job = ImportJob.objects.select_related("campaign").filter(id=pk).first()
    if job is None or not access.can(user, job.campaign.organisation_id, Ability.BELONG):
        raise NotFound(_("No import has this number."))
    organisation_id = job.campaign.organisation_id
    if access.can(user, organisation_id, Ability.MANAGE):
        return job
    if job.created_by_id == user.id and access.can(user, organisation_id, Ability.IMPORT):
        return job
    raise NotAllowed(_("A collector sees the imports they made."))

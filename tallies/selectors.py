"""Reads of the stored figures: what the public pages, the API and the dashboard show."""

import functools
import time
from datetime import datetime

from django.db import connection
from django.db.models import QuerySet

from campaigns.models import Campaign, CampaignPartner
from signatures.models import Collector
from tallies.models import CampaignTally, Milestone


def with_tally(queryset: QuerySet[Campaign]) -> QuerySet[Campaign]:
    """The campaigns with their tally in the same query (lists show each one's count)."""
    return queryset.select_related("tally")


def campaign_figures_version(*, slug: str) -> tuple | None:
    """What a published campaign's public figures are a function of, as their ETag says
    (the campaign's id and last change, its tally's version), or None: one small query,
    written out (under cProfile, the ORM's building of it was over a third of the stats
    endpoint's time: README, Performance, item 6)."""
    with connection.cursor() as cursor:
        cursor.execute(_version_sql(), [slug, *Campaign.PUBLIC_STATUSES])
        return cursor.fetchone()


@functools.cache
def _version_sql() -> str:
    quote = connection.ops.quote_name
    campaigns, tallies = Campaign._meta.db_table, CampaignTally._meta.db_table
    statuses = ", ".join(["%s"] * len(Campaign.PUBLIC_STATUSES))
    return (
        f"SELECT c.id, c.modified, t.version FROM {quote(campaigns)} c "  # noqa: S608 - models
        f"LEFT JOIN {quote(tallies)} t ON t.campaign_id = c.id "
        f"WHERE c.slug = %s AND c.status IN ({statuses})"
    )


def campaign_figures_get(*, slug: str) -> Campaign:
    """A published campaign with its tally, for the figures endpoints: one query, no extras."""
    return (
        Campaign.objects.filter(status__in=Campaign.PUBLIC_STATUSES)
        .select_related("tally", "organisation")
        .only(
            "id",
            "slug",
            "goal",
            "status",
            "organisation_id",
            "organisation__slug",
            "modified",
            "tally",
        )
        .get(slug=slug)
    )


def campaign_tally_of(campaign: Campaign) -> CampaignTally:
    """The campaign's tally; an empty one if nothing has been tallied yet."""
    try:
        return campaign.tally
    except CampaignTally.DoesNotExist:
        return CampaignTally(campaign=campaign)


def campaign_signature_count(campaign: Campaign) -> int:
    """Confirmed signatures, as last tallied."""
    return campaign_tally_of(campaign).confirmed


def campaign_progress(campaign: Campaign) -> float:
    return round(campaign_signature_count(campaign) / campaign.goal, 4) if campaign.goal else 0.0


def tallied_at(tally: CampaignTally) -> datetime | None:
    moments = [m for m in (tally.signatures_tallied_at, tally.records_tallied_at) if m]
    return max(moments) if moments else None


# The stats endpoint is read far more often than coalitions change: each process keeps a
# campaign's active partners a few seconds (and only while the campaign is unchanged).
_PARTNERS_SECONDS = 10.0
_partners_cache: dict[int, tuple[float, tuple, dict[int, str]]] = {}


def _active_partners(campaign: Campaign) -> dict[int, str]:
    """{organisation id: address} of the campaign's active partners. A change of partners
    touches the campaign's `modified`, which the cache is keyed by, so it is never stale."""
    now = time.monotonic()
    key = (campaign.id, campaign.modified)
    cached = _partners_cache.get(campaign.id)
    if cached and cached[0] > now and cached[1] == key:
        return cached[2]
    active = dict(
        CampaignPartner.objects.filter(
            campaign_id=campaign.id, status=CampaignPartner.Status.ACTIVE
        ).values_list("organisation_id", "organisation__slug")
    )
    _partners_cache[campaign.id] = (now + _PARTNERS_SECONDS, key, active)
    return active


def partner_shares(campaign: Campaign, tally: CampaignTally) -> dict[str, int]:
    """Confirmed signatures by the organisation they came through, by its address: each
    active coalition partner's, and the lead's (those through no partner, or through a
    partner that has left, whose signatures stay counted with the lead)."""
    active = _active_partners(campaign)
    shares = {slug: 0 for slug in active.values()}
    lead = tally.confirmed
    for organisation_id, n in tally.by_partner.items():
        slug = active.get(int(organisation_id))
        if slug is not None:
            shares[slug] += n
            lead -= n
    return {campaign.organisation.slug: lead, **dict(sorted(shares.items()))}


def milestones_of(campaign: Campaign, *, partner_id: int | None = None) -> QuerySet[Milestone]:
    """The campaign's own milestones; with `partner_id`, that coalition partner's share's
    instead (for the partner's members only: never shown with the campaign's)."""
    return Milestone.objects.filter(campaign_id=campaign.id, partner_id=partner_id).order_by(
        "reached_at", "id"
    )


def campaign_stats(*, campaign: Campaign, include_private: bool = False) -> dict:
    """The tally in the API's shape. `include_private` adds collector figures and rejections
    (for the campaign's organisers only)."""
    tally = campaign_tally_of(campaign)
    signatures = {
        "total": tally.confirmed + tally.pending,
        "confirmed": tally.confirmed,
        "pending": tally.pending,
        "by_country": dict(sorted(tally.by_country.items())),
        "by_day": dict(sorted(tally.by_day.items())),
        "by_source": dict(sorted(tally.by_source.items())),
        "by_partner": partner_shares(campaign, tally),
    }
    if include_private:
        codes = dict(
            Collector.objects.filter(id__in=[int(i) for i in tally.by_collector]).values_list(
                "id", "code"
            )
        )
        signatures["rejected"] = tally.rejected
        signatures["by_collector"] = {
            codes.get(int(i), i): n
            for i, n in sorted(tally.by_collector.items(), key=lambda item: -item[1])
        }
    reach = {"total": 0, "by_channel": {}, "by_country": {}, "by_month": {}, **tally.reach}
    decision_makers = {
        "engaged": 0,
        "by_stance": {},
        "growth_vs_baseline": None,
        **tally.decision_makers,
    }
    milestones = (
        [
            {"kind": m.kind, "key": m.key, "value": m.value, "reached_at": m.reached_at}
            for m in milestones_of(campaign)
        ]
        if tally.pk and tally.version
        else []
    )
    return {
        "signatures": signatures,
        "reach": reach,
        "decision_makers": decision_makers,
        "countries": tally.countries,
        "milestones": milestones,
        "goal": campaign.goal,
        "progress": campaign_progress(campaign),
        "tallied_at": tallied_at(tally),
        "version": tally.version,
    }

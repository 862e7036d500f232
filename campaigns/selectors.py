"""Reads of organisations and campaigns. Views never query models directly."""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from campaigns import access
from campaigns.models import Campaign, CampaignTally, CountryStatus, Milestone, Organisation


def organisation_list() -> QuerySet[Organisation]:
    return Organisation.objects.all()


def organisation_get(*, slug: str) -> Organisation:
    return Organisation.objects.get(slug=slug)


def campaign_list_public() -> QuerySet[Campaign]:
    return (
        Campaign.objects.filter(status__in=Campaign.PUBLIC_STATUSES)
        .select_related("organisation", "tally")
        .prefetch_related("translations")
    )


def campaign_list_visible(*, user) -> QuerySet[Campaign]:
    """Published campaigns, plus the drafts of the organisations the user belongs to."""
    queryset = Campaign.objects.select_related("organisation", "tally").prefetch_related(
        "translations"
    )
    visible = access.organisation_filter(user, access.MEMBERS)
    if visible:  # Q() for a superuser, who sees every campaign
        visible = Q(status__in=Campaign.PUBLIC_STATUSES) | visible
    return queryset.filter(visible)


def campaign_get_visible(*, slug: str, user) -> Campaign:
    """Raises Campaign.DoesNotExist for unknown slugs and for drafts the user may not see."""
    return campaign_list_visible(user=user).get(slug=slug)


def campaign_figures_get(*, slug: str) -> Campaign:
    """A published campaign with its tally, for the figures endpoints: one query, no extras."""
    return (
        Campaign.objects.filter(status__in=Campaign.PUBLIC_STATUSES)
        .select_related("tally")
        .only("id", "slug", "goal", "status", "organisation_id", "modified", "tally")
        .get(slug=slug)
    )


def campaign_get_public(*, slug: str) -> Campaign:
    return campaign_list_public().get(slug=slug)


@dataclass(frozen=True)
class CampaignContent:
    language: str
    title: str
    summary: str
    petition_text: str


def campaign_content(*, campaign: Campaign, language: str) -> CampaignContent:
    """The campaign's text in `language` when a translation exists, else in its first language.

    `language` may be a region tag ("pt-BR"): its base ("pt") is tried next.
    """
    base = CampaignContent(
        campaign.content_language, campaign.title, campaign.summary, campaign.petition_text
    )
    if not language:
        return base
    candidates = [language.lower()]
    if "-" in language:
        candidates.append(language.split("-")[0].lower())
    if campaign.content_language.lower() in candidates:
        return base
    # translations are prefetched by the list selectors, so this loop does no query.
    by_language = {t.language.lower(): t for t in campaign.translations.all()}
    for code in candidates:
        translation = by_language.get(code)
        if translation is not None:
            return CampaignContent(
                translation.language,
                translation.title,
                translation.summary or campaign.summary,
                translation.petition_text or campaign.petition_text,
            )
    return base


def campaign_country_stages(*, campaign: Campaign) -> list[CountryStatus]:
    """The current stage in each country: the latest record by date, then by entry."""
    latest: dict[str, CountryStatus] = {}
    for status in CountryStatus.objects.filter(campaign=campaign).order_by("date", "id"):
        latest[status.country.code] = status
    return sorted(latest.values(), key=lambda s: s.country.code)


def campaign_country_history(*, campaign: Campaign) -> QuerySet[CountryStatus]:
    return CountryStatus.objects.filter(campaign=campaign).order_by("country", "date", "id")


# --- Figures ------------------------------------------------------------------------------


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


def campaign_stats(*, campaign: Campaign, include_private: bool = False) -> dict:
    """The tally in the API's shape. `include_private` adds collector figures and rejections
    (for the campaign's organisers only)."""
    from campaigns.tallies import tallied_at

    tally = campaign_tally_of(campaign)
    signatures = {
        "total": tally.confirmed + tally.pending,
        "confirmed": tally.confirmed,
        "pending": tally.pending,
        "by_country": dict(sorted(tally.by_country.items())),
        "by_day": dict(sorted(tally.by_day.items())),
        "by_source": dict(sorted(tally.by_source.items())),
    }
    if include_private:
        from signatures.models import Collector

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
            for m in Milestone.objects.filter(campaign_id=campaign.id).order_by("reached_at", "id")
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

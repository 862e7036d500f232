"""Reads of organisations and campaigns. Views never query models directly."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django_countries import countries

from campaigns import access
from campaigns.access import Ability
from campaigns.models import Campaign, CampaignPartner, CountryStatus, Engagement, Organisation


def organisation_list() -> QuerySet[Organisation]:
    return Organisation.objects.all()


def organisation_get(*, slug: str) -> Organisation:
    return Organisation.objects.get(slug=slug)


def campaign_list_public() -> QuerySet[Campaign]:
    return (
        Campaign.objects.filter(status__in=Campaign.PUBLIC_STATUSES)
        .select_related("organisation")
        .prefetch_related("translations")
    )


def campaign_list_visible(*, user) -> QuerySet[Campaign]:
    """Published campaigns, plus the drafts of the organisations the user belongs to and of
    the coalitions those organisations are active partners in."""
    queryset = Campaign.objects.select_related("organisation").prefetch_related("translations")
    visible = access.organisation_filter(user, Ability.BELONG)
    if visible:  # Q() for a superuser, who sees every campaign
        visible = Q(status__in=Campaign.PUBLIC_STATUSES) | visible | Q(id__in=_coalitions(user))
    return queryset.filter(visible)


def _coalitions(user, ability: Ability = Ability.BELONG) -> QuerySet:
    """The ids of the campaigns the user's organisations (where their role allows
    `ability`) are active partners of."""
    return CampaignPartner.objects.filter(
        organisation_id__in=access.organisation_ids(user, ability),
        status=CampaignPartner.Status.ACTIVE,
    ).values("campaign_id")


def campaigns_followed(*, user, ability: Ability = Ability.FOLLOW) -> QuerySet[Campaign]:
    """The campaigns the user follows on the dashboard: their organisations' own and the
    coalitions their organisations are active partners in (in a role that allows it)."""
    queryset = Campaign.objects.select_related("organisation")
    mine = access.organisation_filter(user, ability)
    if not mine:
        return queryset
    return queryset.filter(mine | Q(id__in=_coalitions(user, ability)))


def campaign_get_visible(*, slug: str, user) -> Campaign:
    """Raises Campaign.DoesNotExist for unknown slugs and for drafts the user may not see."""
    return campaign_list_visible(user=user).get(slug=slug)


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


def campaign_country_history(*, campaign: Campaign) -> QuerySet[CountryStatus]:
    """Every recorded step, by country, then date, then entry."""
    return CountryStatus.objects.filter(campaign=campaign).order_by("country", "date", "id")


def current_stage(steps: list[CountryStatus]) -> CountryStatus:
    """Where the ask stands, of one country's steps in history order: the latest by date,
    then by entry. The one rule for "current stage"; every reader goes through here."""
    return steps[-1]


def campaign_country_stages(*, campaign: Campaign) -> list[CountryStatus]:
    """The current stage in each country, by country code."""
    by_country: dict[str, list[CountryStatus]] = {}
    for status in campaign_country_history(campaign=campaign):
        by_country.setdefault(status.country.code, []).append(status)
    return [current_stage(steps) for _code, steps in sorted(by_country.items())]


@dataclass(frozen=True)
class LatestEngagement:
    """A decision-maker's latest engagement on a campaign, and how many they had."""

    engagement: Engagement
    count: int

    @property
    def stance(self) -> str:
        return self.engagement.stance


def decision_makers_latest(
    *, campaign_id: int, with_decision_makers: bool = False
) -> dict[int, LatestEngagement]:
    """{decision_maker_id: their latest engagement} on the campaign, by date, then entry: a
    decision-maker stands where their latest engagement showed. The one rule for it."""
    engagements = Engagement.objects.filter(campaign_id=campaign_id).order_by("date", "id")
    if with_decision_makers:
        engagements = engagements.select_related("decision_maker")
    else:
        engagements = engagements.only("id", "decision_maker_id", "stance", "date", "kind")
    latest: dict[int, Engagement] = {}
    counts: dict[int, int] = {}
    for engagement in engagements:
        latest[engagement.decision_maker_id] = engagement
        counts[engagement.decision_maker_id] = counts.get(engagement.decision_maker_id, 0) + 1
    return {key: LatestEngagement(value, counts[key]) for key, value in latest.items()}


# --- What the public page shows beside the texts (its preview on the dashboard too) -------

# Names of content languages the interface is not translated into, in their own words.
LANGUAGE_NAMES = {
    "qu": "Runasimi",
    "ay": "Aymar aru",
    "gn": "Avañe'ẽ",
    "bn": "বাংলা",
    "ha": "Hausa",
    "ff": "Fulfulde",
    "vi": "Tiếng Việt",
    "id": "Bahasa Indonesia",
}
_INTERFACE_LANGUAGES = frozenset(code for code, _name in settings.LANGUAGES)


def campaign_other_languages(*, campaign: Campaign) -> list[tuple[str, str]]:
    """(code, name) of the campaign's languages the interface does not speak (Quechua…),
    which the page offers as links of their own."""
    return [
        (code, LANGUAGE_NAMES.get(code, code))
        for code in campaign.languages
        if code.split("-")[0] not in _INTERFACE_LANGUAGES
    ]


def sign_form_countries(*, campaign: Campaign) -> list[tuple[str, list[tuple[str, str]]]]:
    """The sign-up form's country choices: the campaign's own first, then every other."""
    ours = sorted(((c.code, c.name) for c in campaign.countries), key=lambda item: item[1])
    ours_codes = {code for code, _name in ours}
    others = [(code, name) for code, name in countries if code not in ours_codes]
    if not ours:
        return [("", others)]
    return [(_("This campaign's countries"), ours), (_("All countries"), others)]

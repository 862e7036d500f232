"""What the dashboard pages show, read from the tallies (never counted per request)."""

import math
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import groupby

from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries

from campaigns import access
from campaigns.access import Ability
from campaigns.models import (
    STAGE_ORDER,
    Campaign,
    CampaignPartner,
    CountryStatus,
    DecisionMaker,
    Engagement,
    Organisation,
    OutreachActivity,
    Stage,
    Stance,
)
from campaigns.selectors import (
    campaign_country_history,
    campaigns_followed,
    current_stage,
    decision_makers_latest,
)
from signatures.models import BatchItem, Collector, Signature
from signatures.review import BusyAddress, SignatureWhere, busiest_addresses, signatures_matching
from tallies.models import CampaignTally
from tallies.selectors import campaign_tally_of, milestones_of, partner_shares, with_tally
from webhooks.models import WebhookDelivery, WebhookEndpoint

PACE_DAYS = 14


@dataclass(frozen=True)
class Projection:
    pace_per_day: float
    reached: bool
    on_date: date | None  # None: not at this pace


def campaign_projection(
    *, campaign: Campaign, tally: CampaignTally, today: date | None = None
) -> Projection:
    """At the last 14 days' pace, when is the goal reached?"""
    today = today or timezone.localdate()
    recent = sum(
        n
        for day, n in tally.by_day.items()
        if today - timedelta(days=PACE_DAYS) < date.fromisoformat(day) <= today
    )
    pace = recent / PACE_DAYS
    if tally.confirmed >= campaign.goal:
        return Projection(pace, True, None)
    if pace <= 0:
        return Projection(pace, False, None)
    days = math.ceil((campaign.goal - tally.confirmed) / pace)
    if days > 365 * 20:
        return Projection(pace, False, None)
    return Projection(pace, False, today + timedelta(days=days))


def organisations_for(user):
    return Organisation.objects.filter(
        access.organisation_filter(user, Ability.BELONG, field="id")
    ).order_by("name")


def campaigns_for(user):
    """The campaigns on the user's dashboard, coalitions they are a partner in included."""
    return with_tally(campaigns_followed(user=user).order_by("organisation__name", "-created"))


def daily_series(by_day: dict[str, int], days: int = 90, today: date | None = None):
    today = today or timezone.localdate()
    return [
        (
            (today - timedelta(days=offset)).strftime("%d/%m"),
            by_day.get((today - timedelta(days=offset)).isoformat(), 0),
        )
        for offset in range(days - 1, -1, -1)
    ]


@dataclass(frozen=True)
class OthersCollectors:
    """Another coalition member's collectors, as one line: a partner sees only their total."""

    name: str


def collector_board(*, campaign: Campaign, tally: CampaignTally, user=None) -> list[tuple]:
    """(collector, confirmed signatures) for the campaign's collectors, most first. Without
    `user`, the lead's own collectors (its collectors page). With one, the coalition's: the
    lead's organisers see every collector by name, a partner's members their own by name and
    each other organisation's collectors as one total."""
    organisations = {campaign.organisation_id}
    if user is not None:
        organisations |= access.active_partner_ids(campaign)
    collectors = {
        c.id: c
        for c in Collector.objects.filter(organisation_id__in=organisations).select_related(
            "organisation", "user"
        )
    }
    board = [(collectors[int(i)], n) for i, n in tally.by_collector.items() if int(i) in collectors]
    board += [(c, 0) for i, c in collectors.items() if str(i) not in tally.by_collector]
    partner = access.acting_partner(user, campaign) if user is not None else None
    if partner is not None:
        totals: dict[str, int] = {}
        for collector, n in board:
            if collector.organisation_id != partner and n:
                name = collector.organisation.name
                totals[name] = totals.get(name, 0) + n
        board = [(c, n) for c, n in board if c.organisation_id == partner]
        board += [
            (OthersCollectors(_("Collectors of %(organisation)s") % {"organisation": name}), n)
            for name, n in totals.items()
        ]
    return sorted(board, key=lambda item: (-item[1], item[0].name))


def collector_synced(*, campaign: Campaign) -> dict[int, int]:
    """How many new signatures each collector has sent to the campaign from the field app."""
    return dict(
        BatchItem.objects.filter(
            campaign=campaign, result=BatchItem.Result.CREATED, collector__isnull=False
        )
        .values("collector")
        .annotate(n=Count("id"))
        .values_list("collector", "n")
    )


@dataclass(frozen=True)
class BoardRow:
    decision_maker: object
    stance: str
    last_date: date
    last_kind: str
    engagements: int

    @property
    def stance_label(self) -> str:
        return Stance(self.stance).label

    @property
    def last_kind_label(self) -> str:
        return Engagement.Kind(self.last_kind).label


def decision_maker_board(*, campaign: Campaign, country: str = "", stance: str = ""):
    """Each decision-maker engaged on the campaign, at their latest engagement's stance."""
    latest = decision_makers_latest(campaign_id=campaign.id, with_decision_makers=True)
    board = sorted(
        (
            BoardRow(
                entry.engagement.decision_maker,
                entry.stance,
                entry.engagement.date,
                entry.engagement.kind,
                entry.count,
            )
            for entry in latest.values()
        ),
        key=lambda r: (r.decision_maker.country.code, r.decision_maker.name),
    )
    if country:
        board = [r for r in board if r.decision_maker.country.code == country.upper()]
    if stance:
        board = [r for r in board if r.stance == stance]
    return board


def stage_timeline(*, campaign: Campaign) -> list[dict]:
    """Per country: every recorded step, oldest first, and where it stands now."""
    timeline = []
    history = campaign_country_history(campaign=campaign)  # by country, then date and entry
    for _code, group in groupby(history, key=lambda status: status.country.code):
        steps = list(group)
        current = current_stage(steps)
        reached = STAGE_ORDER[current.stage]
        timeline.append(
            {
                "country": current.country,
                "current": current,
                "steps": steps,
                "ladder": [
                    (value, label, STAGE_ORDER[value] <= reached) for value, label in Stage.choices
                ],
            }
        )
    return timeline


def collector_counts(*, collector: Collector) -> list[tuple[Campaign, int]]:
    """A collector's confirmed signatures per campaign, from the tallies."""
    result = []
    for campaign in with_tally(Campaign.objects.filter(organisation_id=collector.organisation_id)):
        tally = campaign_tally_of(campaign)
        result.append((campaign, tally.by_collector.get(str(collector.id), 0)))
    return result


REVIEW_PAGE_SIZE = 50


def recent_signatures(*, campaign: Campaign, where: SignatureWhere, page, user=None) -> Page:
    """One page (50 rows, newest first) of the campaign's signatures that `where` selects
    (a coalition partner's organisers: of those that came through them)."""
    scope = access.signatures_filter(user, campaign) if user is not None else None
    return Paginator(
        signatures_matching(campaign=campaign, where=where, scope=scope), REVIEW_PAGE_SIZE
    ).get_page(page)


def review_partner_column(*, campaign: Campaign, user) -> bool:
    """Does the review page show which partner each signature came through? For those who
    see every signer of a coalition (the lead's organisers), on a campaign that has or had
    partners; a partner sees only its own, and needs no column."""
    return access.can(user, campaign.organisation_id, Ability.SEE_SIGNERS) and (
        CampaignPartner.objects.filter(campaign_id=campaign.id).exists()
    )


def review_collectors(*, campaign: Campaign, user=None) -> list[tuple[str, str]]:
    """The collectors as (code, name), for the review page's filter: the organisation's, or
    a coalition partner's own for its members."""
    partner = access.acting_partner(user, campaign) if user is not None else None
    return list(
        Collector.objects.filter(organisation_id=partner or campaign.organisation_id)
        .order_by("name")
        .values_list("code", "name")
    )


@dataclass(frozen=True)
class BusiestAddresses:
    last_hour: list[BusyAddress]
    last_day: list[BusyAddress]


def busiest_addresses_recent(*, campaign: Campaign, now=None, user=None) -> BusiestAddresses:
    """The address hashes that signed most in the last hour and in the last day."""
    now = now or timezone.now()
    scope = access.signatures_filter(user, campaign) if user is not None else None
    return BusiestAddresses(
        last_hour=busiest_addresses(campaign=campaign, since=now - timedelta(hours=1), scope=scope),
        last_day=busiest_addresses(campaign=campaign, since=now - timedelta(days=1), scope=scope),
    )


@dataclass(frozen=True)
class CampaignFigures:
    """Everything the campaign's dashboard page shows, read from its tally and its records."""

    tally: CampaignTally
    can_manage: bool
    can_see_signers: bool
    projection: Projection
    daily: list[tuple[str, int]]
    by_country: list[tuple[str, int]]
    by_source: list[tuple[str, int]]
    reach: dict
    reach_channels: list[tuple[str, int]]
    reach_countries: list[tuple[str, int]]
    reach_months: list[tuple[str, int]]
    decision_makers: dict
    stance_counts: list[tuple[str, str, int]]
    dm_board: list[BoardRow]
    dm_countries: list[str]
    timeline: list[dict]
    milestones: list
    # Who collected what: for those who may see signers only (as in the API's stats).
    board: list[tuple[Collector, int]] | None
    # The most recent records of each kind, to correct them ({kind: RecordList}).
    records: dict[str, "RecordList"]
    # A coalition's shares of the count: [(organisation name, confirmed)], the lead first.
    partner_shares: list[tuple[str, int]] = ()
    # Seen by a coalition partner's member: its own share, and that share's milestones
    # (its own, never among the campaign's `milestones`).
    own_share: int | None = None
    own_milestones: list = ()


def _named(counts: dict, names) -> list[tuple[str, int]]:
    """[(name, n)] biggest first, with `names(code)` for each key."""
    return sorted(((names(code) or code, n) for code, n in counts.items()), key=lambda i: -i[1])


def campaign_figures(
    *, campaign: Campaign, user, country: str = "", stance: str = "", partner_id: int | None = None
) -> CampaignFigures:
    """`partner_id`: the coalition partner whose own share a partner's member is shown (one
    of theirs; by default the one they act through)."""
    tally = campaign_tally_of(campaign)
    reach = tally.reach or {}
    decision_makers = tally.decision_makers or {}
    sources = dict(Signature.Source.choices)
    channels = dict(OutreachActivity.Channel.choices)
    can_see_signers = access.can_on_campaign(user, campaign, Ability.SEE_SIGNERS)
    partner = partner_id or access.acting_partner(user, campaign)
    return CampaignFigures(
        tally=tally,
        can_manage=access.can(user, campaign.organisation_id, Ability.MANAGE),
        can_see_signers=can_see_signers,
        projection=campaign_projection(campaign=campaign, tally=tally),
        daily=daily_series(tally.by_day),
        by_country=_named(tally.by_country, countries.name),
        by_source=_named(tally.by_source, sources.get),
        reach=reach,
        reach_channels=_named(reach.get("by_channel") or {}, channels.get),
        reach_countries=_named(reach.get("by_country") or {}, countries.name),
        reach_months=sorted((reach.get("by_month") or {}).items()),
        decision_makers=decision_makers,
        stance_counts=[
            (value, label, decision_makers.get("by_stance", {}).get(value, 0))
            for value, label in Stance.choices
        ],
        dm_board=decision_maker_board(campaign=campaign, country=country, stance=stance),
        dm_countries=sorted({c.code for c in campaign.countries}),
        timeline=stage_timeline(campaign=campaign),
        milestones=list(milestones_of(campaign)),
        board=collector_board(campaign=campaign, tally=tally, user=user)
        if can_see_signers
        else None,
        records=campaign_records(campaign=campaign),
        partner_shares=_partner_shares(campaign, tally),
        own_share=tally.by_partner.get(str(partner), 0) if partner else None,
        own_milestones=list(milestones_of(campaign, partner_id=partner)) if partner else [],
    )


def _partner_shares(campaign: Campaign, tally: CampaignTally) -> list[tuple[str, int]]:
    shares = partner_shares(campaign, tally)
    if len(shares) < 2:
        return []
    names = dict(Organisation.objects.filter(slug__in=shares).values_list("slug", "name"))
    return [(names.get(slug, slug), n) for slug, n in shares.items()]


# --- The records behind the figures, to correct them ------------------------------------------

RECORDS_SHOWN = 5  # of each kind on the campaign's page; the rest on each kind's own page
RECORDS_PAGE_SIZE = 50


def campaign_outreach(*, campaign: Campaign) -> QuerySet[OutreachActivity]:
    """The campaign's outreach, most recent first."""
    return OutreachActivity.objects.filter(campaign=campaign).order_by("-date", "-id")


def campaign_stages(*, campaign: Campaign) -> QuerySet[CountryStatus]:
    """Every recorded step of the campaign's ask, most recent first."""
    return CountryStatus.objects.filter(campaign=campaign).order_by("-date", "-id")


def campaign_engagements(*, campaign: Campaign) -> QuerySet[Engagement]:
    return (
        Engagement.objects.filter(campaign=campaign)
        .select_related("decision_maker")
        .order_by("-date", "-id")
    )


def organisation_decision_makers(
    *, organisation_id: int, campaign: Campaign | None = None
) -> QuerySet[DecisionMaker]:
    """The organisation's decision-makers, most recently added first, with their number of
    engagements in all (`engagements_total`) and on `campaign` (`engagements_here`)."""
    queryset = DecisionMaker.objects.filter(organisation_id=organisation_id).annotate(
        engagements_total=Count("engagements")
    )
    if campaign is not None:
        queryset = queryset.annotate(
            engagements_here=Count("engagements", filter=Q(engagements__campaign=campaign))
        )
    return queryset.order_by("-created", "-id")


def decision_makers_to_choose(*, organisation_id: int) -> list[DecisionMaker]:
    """The organisation's decision-makers by country, then name: an engagement form's choice."""
    return list(
        DecisionMaker.objects.filter(organisation_id=organisation_id).order_by(
            "country", "name", "id"
        )
    )


@dataclass(frozen=True)
class DecisionMakerEngagements:
    engagements: int
    campaigns: int


def decision_maker_engagements(*, decision_maker: DecisionMaker) -> DecisionMakerEngagements:
    """How many engagements (in how many campaigns) go when a decision-maker is removed."""
    counts = Engagement.objects.filter(decision_maker=decision_maker).aggregate(
        engagements=Count("id"), campaigns=Count("campaign", distinct=True)
    )
    return DecisionMakerEngagements(counts["engagements"], counts["campaigns"])


def _record_lists(campaign: Campaign) -> dict[str, QuerySet]:
    return {
        "outreach": campaign_outreach(campaign=campaign),
        "stages": campaign_stages(campaign=campaign),
        "engagements": campaign_engagements(campaign=campaign),
        "decision_makers": organisation_decision_makers(
            organisation_id=campaign.organisation_id, campaign=campaign
        ),
    }


RECORD_KINDS = ("outreach", "stages", "engagements", "decision_makers")


@dataclass(frozen=True)
class RecordList:
    kind: str
    rows: list
    count: int

    @property
    def more(self) -> bool:
        return self.count > len(self.rows)


def campaign_records(*, campaign: Campaign, limit: int = RECORDS_SHOWN) -> dict[str, RecordList]:
    """The most recent records of each kind ({kind: RecordList}), for the campaign's page."""
    result = {}
    for kind, queryset in _record_lists(campaign).items():
        rows = list(queryset[:limit])
        count = len(rows) if len(rows) < limit else queryset.order_by().count()
        result[kind] = RecordList(kind, rows, count)
    return result


def campaign_records_page(*, campaign: Campaign, kind: str, page) -> Page:
    """One page (50, most recent first) of one kind of the campaign's records."""
    return Paginator(_record_lists(campaign)[kind], RECORDS_PAGE_SIZE).get_page(page)


# --- Webhooks ---------------------------------------------------------------------------------

WEBHOOK_DELIVERIES_SHOWN = 20


def organisation_webhooks(*, organisation: Organisation) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(organisation=organisation).order_by("-created", "-id")


def webhook_pending(*, endpoint: WebhookEndpoint) -> int:
    """Deliveries still waiting to be sent to the endpoint."""
    return endpoint.deliveries.filter(state=WebhookDelivery.State.PENDING).count()


def organisation_webhooks_recent(*, organisation: Organisation) -> list[WebhookEndpoint]:
    """The organisation's endpoints, newest first, each with its last 20 deliveries
    (`recent_deliveries`, newest first) and how many wait to be sent (`pending`)."""
    recent = WebhookDelivery.objects.order_by("-created", "-id")[:WEBHOOK_DELIVERIES_SHOWN]
    return list(
        organisation_webhooks(organisation=organisation)
        .annotate(
            pending=Count("deliveries", filter=Q(deliveries__state=WebhookDelivery.State.PENDING))
        )
        .prefetch_related(Prefetch("deliveries", queryset=recent, to_attr="recent_deliveries"))
    )

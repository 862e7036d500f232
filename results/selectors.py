"""A campaign's results for a period, and an organisation's across its campaigns: each
indicator's baseline, target, actual for the period, change and progress (CONTRACT.md,
"Results").

Every figure is counted from the records of the period:

- `signatures`: confirmed signatures dated (by the signing, or the paper sheet's date) in the
  period. The total is the sum of the tally's daily counters (`CampaignTally.by_day`, kept
  incrementally by `tallies.services.campaign_tally`), so it costs what the stats endpoint
  costs however many rows the campaign has. Its breakdowns (country, source, collector) for
  a period holding the campaign's whole life are the tally's own; for any other period, one
  GROUP BY over the period's counted rows (region too), cached under the period's daily
  counts, so the same period costs a cache read until one of its own days changes.
- `people_reached`: the reach of outreach dated in the period.
- `decision_makers_engaged`: decision-makers with an engagement dated in the period;
  `decision_makers_supportive`: those of them whose latest engagement in the period showed
  them champion or supportive. Across campaigns (an organisation), a decision-maker counts
  once.
- `countries_ratified`: countries whose ask first reached "ratified" (or "in force") on a
  date in the period.

An indicator of the organisation's own takes its latest value dated in the period.
"""

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns import access
from campaigns.access import Ability
from campaigns.models import (
    STAGE_ORDER,
    Campaign,
    CampaignPartner,
    CountryStatus,
    Engagement,
    Organisation,
    OutreachActivity,
    Stage,
    Stance,
)
from results.models import Builtin, Indicator, IndicatorValue
from signatures.models import Collector, Signature
from signatures.validation import subdivision
from tallies.models import CampaignTally
from tallies.selectors import campaign_tally_of

SUPPORTIVE = frozenset({Stance.CHAMPION, Stance.SUPPORTIVE})
RATIFIED = frozenset(
    stage for stage, order in STAGE_ORDER.items() if order >= STAGE_ORDER[Stage.RATIFIED]
)
CACHE_SECONDS = 24 * 3600
EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)
UNITS = {
    Builtin.SIGNATURES: gettext_lazy("signatures"),
    Builtin.PEOPLE_REACHED: gettext_lazy("people"),
    Builtin.DECISION_MAKERS_ENGAGED: gettext_lazy("decision-makers"),
    Builtin.DECISION_MAKERS_SUPPORTIVE: gettext_lazy("decision-makers"),
    Builtin.COUNTRIES_RATIFIED: gettext_lazy("countries"),
}


# --- Periods ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """From `start` to `end`, both days included (UTC)."""

    start: date
    end: date

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end

    @property
    def moments(self) -> tuple[datetime, datetime]:
        """[start, end + 1 day) as aware UTC moments, for filtering timestamps."""
        return (
            datetime.combine(self.start, time.min, tzinfo=UTC),
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=UTC),
        )

    def as_dict(self) -> dict:
        return {"from": self.start, "to": self.end}


def _day(raw: str, name: str) -> date:
    try:
        day = date.fromisoformat(raw.strip())
    except (ValueError, AttributeError) as error:
        raise ValidationError({name: _("Give a date as YYYY-MM-DD.")}) from error
    if not EARLIEST <= day <= LATEST:
        raise ValidationError({name: _("Give a date between 1900 and 2999.")})
    return day


def period_parse(raw_from: str | None, raw_to: str | None, *, default: Period) -> Period:
    """The period a request asks for (`from`, `to`, each optional), or ValidationError."""
    start = _day(raw_from, "from") if raw_from else default.start
    end = _day(raw_to, "to") if raw_to else default.end
    if end < start:
        raise ValidationError({"to": _("The period ends before it starts.")})
    return Period(start, end)


def _today() -> date:
    return timezone.now().astimezone(UTC).date()


def campaigns_life(campaigns: Sequence[Campaign]) -> Period:
    """The whole life of these campaigns: from the first day anything was recorded (or the
    start date, if earlier) to today (or the last record, if later)."""
    ids = [c.id for c in campaigns]
    starts, ends = [], [_today()]
    for c in campaigns:
        starts.append(c.starts_on or c.created.astimezone(UTC).date())
        if c.ends_on:
            ends.append(c.ends_on)
        days = list(campaign_tally_of(c).by_day)
        if days:
            starts.append(date.fromisoformat(min(days)))
            ends.append(date.fromisoformat(max(days)))
    for model in (OutreachActivity, Engagement, CountryStatus):
        bounds = model.objects.filter(campaign_id__in=ids).aggregate(a=Min("date"), b=Max("date"))
        starts += [bounds["a"]] if bounds["a"] else []
        ends += [bounds["b"]] if bounds["b"] else []
    bounds = IndicatorValue.objects.filter(indicator__campaign_id__in=ids).aggregate(
        a=Min("date"), b=Max("date")
    )
    starts += [bounds["a"]] if bounds["a"] else []
    ends += [bounds["b"]] if bounds["b"] else []
    return Period(min(starts) if starts else _today(), max(ends))


# --- Figures from the records -----------------------------------------------------------


@dataclass
class Figure:
    """One indicator's figure for a period, with its breakdowns ({dimension: {category: n}})
    and its course over the period ([(label, n)])."""

    value: float | int | None
    breakdowns: dict[str, dict[str, float]] = field(default_factory=dict)
    series: list[tuple[str, float]] = field(default_factory=list)


def _buckets(period: Period) -> str:
    """Months for a period up to three years, years beyond."""
    months = (period.end.year - period.start.year) * 12 + period.end.month - period.start.month
    return "%Y-%m" if months < 36 else "%Y"


def _series(counts: Iterable[tuple[date, float]], period: Period) -> list[tuple[str, float]]:
    """Counts by month (or year), every bucket of the period present, empty ones as 0."""
    fmt = _buckets(period)
    totals: Counter = Counter()
    for day, n in counts:
        totals[day.strftime(fmt)] += n
    labels, cursor = [], date(period.start.year, period.start.month, 1)
    while cursor <= period.end:
        label = cursor.strftime(fmt)
        if not labels or labels[-1] != label:
            labels.append(label)
        cursor = (cursor + timedelta(days=32)).replace(day=1)
    return [(label, totals.get(label, 0)) for label in labels]


def _held_by(tally: CampaignTally) -> Q:
    """The rows the tally's counters hold, so a breakdown adds up to the daily counters.

    A tally that keeps which rows it counted by id (`counted_through`, `counted_beyond`:
    signing then stores a row already `counted`) holds those; before that, every row whose
    `counted` is set was counted, and the filter on `counted` says it all."""
    through = getattr(tally, "counted_through", None)
    if through is None:
        return Q()
    held = Q(id__lte=through)
    beyond = getattr(tally, "counted_beyond", None) or []
    return held | Q(id__in=beyond) if beyond else held


def _partners_whole(campaign: Campaign, tally: CampaignTally) -> dict[str, int]:
    """The whole life's signatures by the partner they came through (the lead's own under
    its slug): the partners' few rows, found by their index; the lead's is the rest."""
    rows = dict(
        Signature.objects.filter(
            _held_by(tally),
            campaign_id=campaign.id,
            partner__isnull=False,
            counted=Signature.Status.CONFIRMED,
        )
        .order_by()
        .values_list("partner__slug")
        .annotate(n=Count("id"))
    )
    lead = tally.confirmed - sum(rows.values())
    return {campaign.organisation.slug: lead, **rows} if lead else rows


def _signature_breakdowns(campaign: Campaign, tally: CampaignTally, period: Period) -> dict:
    """{country, region, source, collector} of the confirmed signatures dated in the period.

    A period holding every day the campaign has signatures on (its whole life, the default)
    takes the tally's own dimensions: no row is read. Any other period is one GROUP BY over
    its counted rows, cached under the period's daily counts: a new signature on another day
    leaves the key as it was, one on a day of the period (or a confirmation, a rejection)
    changes it, so a cached figure is never stale. The whole life has no region: the tally
    keeps none."""
    days = [day for day in tally.by_day if tally.by_day[day]]
    if days and period.start.isoformat() <= min(days) and period.end.isoformat() >= max(days):
        codes = dict(
            Collector.objects.filter(id__in=[int(i) for i in tally.by_collector]).values_list(
                "id", "code"
            )
        )
        return {
            "country": dict(tally.by_country),
            "source": dict(tally.by_source),
            "collector": {codes.get(int(i), i): n for i, n in tally.by_collector.items()},
            "partner": _partners_whole(campaign, tally),
        }
    counts = sorted(
        (day, n)
        for day, n in tally.by_day.items()
        if period.start.isoformat() <= day <= period.end.isoformat()
    )
    digest = hashlib.blake2b(repr(counts).encode(), digest_size=12).hexdigest()
    key = f"results:signatures:{campaign.id}:{period.start}:{period.end}:{digest}"
    cached = None
    with suppress(Exception):  # Redis down: count, do not fail the report
        cached = cache.get(key)
    if cached is not None:
        return cached
    start, end = period.moments
    rows = (
        Signature.objects.filter(
            _held_by(tally),
            campaign_id=campaign.id,
            counted=Signature.Status.CONFIRMED,
            created__gte=start,
            created__lt=end,
        )
        .order_by()
        .values_list("country", "region", "source", "collector_id", "partner__slug")
        .annotate(n=Count("id"))
    )
    result: dict[str, Counter] = {
        "country": Counter(),
        "region": Counter(),
        "source": Counter(),
        "collector": Counter(),
        "partner": Counter(),
    }
    for country, region, source, collector_id, partner, n in rows:
        result["country"][country] += n
        # Signatures that came through no partner are the lead's (as the stats say).
        result["partner"][partner or campaign.organisation.slug] += n
        if region := subdivision(region):  # a real ISO 3166-2 code (pycountry)
            result["region"][region] += n
        result["source"][source] += n
        if collector_id:
            result["collector"][collector_id] += n
    codes = dict(
        Collector.objects.filter(id__in=list(result["collector"])).values_list("id", "code")
    )
    plain = {name: dict(counter) for name, counter in result.items()}
    plain["collector"] = {codes.get(i, str(i)): n for i, n in result["collector"].items()}
    with suppress(Exception):  # a cache that does not answer is no cache
        cache.set(key, plain, CACHE_SECONDS)
    return plain


def signatures_figure(
    campaign: Campaign, period: Period, *, breakdowns: bool = True, private: bool = False
) -> Figure:
    """Confirmed signatures dated in the period: the sum of the tally's daily counters."""
    tally = campaign_tally_of(campaign)
    days = [
        (date.fromisoformat(day), n)
        for day, n in tally.by_day.items()
        if period.start.isoformat() <= day <= period.end.isoformat()
    ]
    figure = Figure(sum(n for _day, n in days), series=_series(days, period))
    if breakdowns and figure.value:
        found = _signature_breakdowns(campaign, tally, period)
        figure.breakdowns = {
            name: values
            for name, values in found.items()
            if values and (private or name != "collector")  # who collected: organisers only
        }
    return figure


def reach_figure(campaign_ids: Sequence[int], period: Period, lead_slugs: dict) -> Figure:
    rows = list(
        OutreachActivity.objects.filter(
            campaign_id__in=campaign_ids, date__gte=period.start, date__lte=period.end
        ).values_list("date", "reach", "channel", "country", "partner__slug", "campaign_id")
    )
    channel, country, partner = Counter(), Counter(), Counter()
    for _when, reach, ch, code, partner_slug, campaign_id in rows:
        channel[ch] += reach
        country[code] += reach
        partner[partner_slug or lead_slugs[campaign_id]] += reach
    figure = Figure(sum(r[1] for r in rows), series=_series(((r[0], r[1]) for r in rows), period))
    figure.breakdowns = {
        name: dict(values)
        for name, values in (("channel", channel), ("country", country), ("partner", partner))
        if values
    }
    return figure


def _latest_in(campaign_ids: Sequence[int], period: Period) -> dict[int, tuple]:
    """{decision_maker_id: (date, stance, country, first date)} of the decision-makers
    engaged in the period, at their latest engagement in it (by date, then entry: the rule
    of campaigns.selectors.decision_makers_latest), across the campaigns."""
    rows = (
        Engagement.objects.filter(
            campaign_id__in=campaign_ids, date__gte=period.start, date__lte=period.end
        )
        .order_by("date", "id")
        .values_list("decision_maker_id", "date", "stance", "decision_maker__country")
    )
    latest: dict[int, tuple] = {}
    for maker, when, stance, country in rows:
        first = latest[maker][3] if maker in latest else when
        latest[maker] = (when, stance, country, first)
    return latest


def decision_maker_figures(campaign_ids: Sequence[int], period: Period) -> tuple[Figure, Figure]:
    latest = _latest_in(campaign_ids, period)
    supportive = {m: entry for m, entry in latest.items() if entry[1] in SUPPORTIVE}

    def figure(entries: dict[int, tuple]) -> Figure:
        firsts = Counter(entry[3] for entry in entries.values())
        result = Figure(len(entries), series=_series(firsts.items(), period))
        by_stance = Counter(entry[1] for entry in entries.values())
        by_country = Counter(entry[2] for entry in entries.values())
        result.breakdowns = {
            name: dict(values)
            for name, values in (("stance", by_stance), ("country", by_country))
            if values
        }
        return result

    return figure(latest), figure(supportive)


def countries_figure(campaign_ids: Sequence[int], period: Period) -> Figure:
    """Countries (per campaign) whose ask first reached ratification in the period."""
    first = (
        CountryStatus.objects.filter(campaign_id__in=campaign_ids, stage__in=RATIFIED)
        .values_list("campaign_id", "country")
        .annotate(first=Min("date"))
        .order_by()
    )
    reached = [(code, when) for _campaign, code, when in first if when in period]
    figure = Figure(len(reached), series=_series(((when, 1) for _c, when in reached), period))
    if reached:
        figure.breakdowns = {"country": dict(Counter(code for code, _when in reached))}
    return figure


def builtin_figures(
    campaigns: Sequence[Campaign], period: Period, *, private: bool, breakdowns: bool = True
) -> dict[str, Figure]:
    """The built-in indicators' figures across `campaigns` for the period."""
    ids = [c.id for c in campaigns]
    signatures = Figure(0)
    series: Counter = Counter()
    merged: dict[str, Counter] = defaultdict(Counter)
    for campaign in campaigns:
        one = signatures_figure(campaign, period, breakdowns=breakdowns, private=private)
        signatures.value += one.value
        for label, n in one.series:
            series[label] += n
        for name, values in one.breakdowns.items():
            merged[name].update(values)
    signatures.series = [(label, series[label]) for label in sorted(series)]
    signatures.breakdowns = {name: dict(values) for name, values in merged.items()}
    engaged, supportive = decision_maker_figures(ids, period)
    return {
        Builtin.SIGNATURES: signatures,
        Builtin.PEOPLE_REACHED: reach_figure(
            ids, period, {c.id: c.organisation.slug for c in campaigns}
        ),
        Builtin.DECISION_MAKERS_ENGAGED: engaged,
        Builtin.DECISION_MAKERS_SUPPORTIVE: supportive,
        Builtin.COUNTRIES_RATIFIED: countries_figure(ids, period),
    }


# --- The arithmetic ---------------------------------------------------------------------


def _plain(value):
    """A number as the report gives it: an int when whole, else a float (4 decimals)."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        value = float(value)
    if float(value).is_integer():
        return int(value)
    return round(float(value), 4)


def change_of(actual, baseline) -> dict:
    """{"absolute": actual - baseline, "ratio": actual ÷ baseline} (None where unknown, and
    the ratio None where the baseline is 0: never a division by zero)."""
    if actual is None or baseline is None:
        return {"absolute": None, "ratio": None}
    return {
        "absolute": _plain(Decimal(str(actual)) - Decimal(str(baseline))),
        "ratio": None if not baseline else _plain(round(float(actual) / float(baseline), 4)),
    }


def progress_of(actual, baseline, target) -> float | None:
    """(actual - baseline) ÷ (target - baseline); None without a target, or when the target
    is the baseline."""
    if actual is None or target is None:
        return None
    base = float(baseline or 0)
    if float(target) == base:
        return None
    return round((float(actual) - base) / (float(target) - base), 4)


def _category_lines(actual: dict, baseline: dict) -> list[dict]:
    """Each category's value, share of the total, change from the baseline and share of the
    change ("47% of the new members are women")."""
    total = sum(actual.values())
    categories = list(actual) + [c for c in baseline if c not in actual]
    changes = {c: actual.get(c, 0) - baseline.get(c, 0) for c in categories} if baseline else {}
    change_total = sum(changes.values())
    lines = []
    for category in categories:
        value = actual.get(category, 0)
        line = {
            "category": category,
            "value": _plain(value),
            "share": _plain(round(value / total, 4)) if total else None,
        }
        if baseline:
            line["baseline"] = _plain(baseline.get(category, 0))
            line["change"] = _plain(changes[category])
            line["share_of_change"] = (
                _plain(round(changes[category] / change_total, 4)) if change_total else None
            )
        lines.append(line)
    return lines


def _dimension_lines(values: dict) -> list[dict]:
    total = sum(values.values())
    return [
        {
            "category": category,
            "value": _plain(n),
            "share": _plain(round(n / total, 4)) if total else None,
        }
        for category, n in sorted(values.items(), key=lambda item: (-item[1], str(item[0])))
    ]


# --- Campaign results -------------------------------------------------------------------


def _indicators_of(campaign_ids: Sequence[int]) -> list[Indicator]:
    return list(
        Indicator.objects.filter(campaign_id__in=campaign_ids)
        .prefetch_related("values")
        .order_by("campaign_id", "id")
    )


def _latest_value(indicator: Indicator, period: Period) -> IndicatorValue | None:
    found = None
    for value in indicator.values.all():  # prefetched, by date then entry
        if value.date in period:
            found = value
    return found


def _line(
    *,
    key: str,
    label: str,
    unit: str,
    source: str,
    actual,
    baseline,
    target,
    due,
    baseline_period: Period | None = None,
    breakdowns: dict | None = None,
    breakdown: list | None = None,
    series: list | None = None,
) -> dict:
    line = {
        "key": key,
        "label": label,
        "unit": unit,
        "baseline": _plain(baseline),
        "target": _plain(target),
        "due": due,
        "actual": _plain(actual),
        "change": change_of(actual, baseline),
        "progress": progress_of(actual, baseline, target),
        "source": source,
        "breakdowns": {
            name: _dimension_lines(values) for name, values in (breakdowns or {}).items()
        },
        "breakdown": breakdown or [],
        "series": [{"period": label, "value": _plain(n)} for label, n in (series or [])],
    }
    if baseline_period is not None:
        line["baseline_from"] = baseline_period.start
        line["baseline_to"] = baseline_period.end
    return line


def _builtin_settings(campaign: Campaign, indicator: Indicator | None, key: str):
    """(baseline value, baseline period, target, due) of a built-in indicator. Without
    settings of its own, decision-makers engaged take the campaign's baseline period."""
    if indicator is not None:
        period = (
            Period(indicator.baseline_from, indicator.baseline_to)
            if indicator.has_baseline_period
            else None
        )
        return indicator.baseline, period, indicator.target, indicator.due
    if (
        key == Builtin.DECISION_MAKERS_ENGAGED
        and campaign.baseline_starts_on
        and campaign.baseline_ends_on
    ):
        return None, Period(campaign.baseline_starts_on, campaign.baseline_ends_on), None, None
    return None, None, None, None


def _recorded_line(indicator: Indicator, period: Period) -> dict:
    latest = _latest_value(indicator, period)
    baseline_period = None
    baseline, baseline_breakdown = indicator.baseline, indicator.baseline_breakdown or {}
    if indicator.has_baseline_period:
        baseline_period = Period(indicator.baseline_from, indicator.baseline_to)
        at_baseline = _latest_value(indicator, baseline_period)
        baseline = at_baseline.value if at_baseline else None
        baseline_breakdown = at_baseline.breakdown if at_baseline else {}
    in_period = [v for v in indicator.values.all() if v.date in period]
    line = _line(
        key=indicator.key,
        label=indicator.label or indicator.key,
        unit=indicator.unit,
        source="recorded",
        actual=latest.value if latest else None,
        baseline=baseline,
        target=indicator.target,
        due=indicator.due,
        baseline_period=baseline_period,
        breakdown=_category_lines(latest.breakdown, baseline_breakdown)
        if latest and latest.breakdown
        else [],
        series=[(v.date.isoformat(), v.value) for v in in_period],
    )
    line["as_of"] = latest.date if latest else None
    line["note"] = latest.note if latest else ""
    line["source_url"] = latest.source_url if latest else ""
    return line


def campaign_results(*, campaign: Campaign, period: Period, private: bool = False) -> dict:
    """The campaign's results for the period, in the API's shape."""
    indicators = _indicators_of([campaign.id])
    settings_of = {i.key: i for i in indicators}
    figures = builtin_figures([campaign], period, private=private)
    lines = []
    for key, label in Builtin.choices:
        indicator = settings_of.get(key)
        baseline, baseline_period, target, due = _builtin_settings(campaign, indicator, key)
        if baseline_period is not None:
            baseline = builtin_figures(
                [campaign], baseline_period, private=private, breakdowns=False
            )[key].value
        figure = figures[key]
        lines.append(
            _line(
                key=key,
                label=(indicator.label if indicator and indicator.label else str(label)),
                unit=(indicator.unit if indicator and indicator.unit else str(UNITS[key])),
                source="tally",
                actual=figure.value,
                baseline=baseline,
                target=target,
                due=due,
                baseline_period=baseline_period,
                breakdowns=figure.breakdowns,
                series=figure.series,
            )
        )
    lines += [_recorded_line(i, period) for i in indicators if not i.is_builtin]
    return {
        "campaign": campaign.slug,
        "organisation": campaign.organisation.slug,
        "period": period.as_dict(),
        "indicators": lines,
    }


def campaign_results_get(*, user, slug: str) -> tuple[Campaign, bool]:
    """The campaign, if `user` may follow its results (owners, organisers, viewers), and
    whether they may see who collected what."""
    campaign = access.campaign_for(user, slug, Ability.FOLLOW)
    return campaign, access.can(user, campaign.organisation_id, Ability.SEE_SIGNERS)


# --- Organisation results ---------------------------------------------------------------


def _sum(values: Iterable):
    present = [Decimal(str(v)) for v in values if v is not None]
    return sum(present) if present else None


def organisation_results(
    *, organisation: Organisation, period: Period | None = None, private: bool = False
) -> dict:
    """The organisation's results across its campaigns: sums of each campaign's figures,
    but decision-makers counted once however many campaigns engaged them, and each
    campaign's line beside the total."""
    campaigns = list(
        Campaign.objects.filter(organisation=organisation)
        .select_related("organisation", "tally")
        .order_by("-created", "id")
    )
    period = period or campaigns_life(campaigns)
    per_campaign = [campaign_results(campaign=c, period=period, private=private) for c in campaigns]
    figures = builtin_figures(campaigns, period, private=private)
    shares = coalition_shares(organisation=organisation, period=period)
    for share in shares:
        for line in share["indicators"]:
            figures[line["key"]].value += line["actual"]
    by_key: dict[str, list[tuple[Campaign, dict]]] = defaultdict(list)
    for campaign, result in zip(campaigns, per_campaign, strict=True):
        for line in result["indicators"]:
            by_key[line["key"]].append((campaign, line))
    totals = []
    for key, label in Builtin.choices:
        lines = [line for _c, line in by_key.get(key, [])]
        baseline = _sum(line["baseline"] for line in lines)
        if key in (Builtin.DECISION_MAKERS_ENGAGED, Builtin.DECISION_MAKERS_SUPPORTIVE):
            baseline = _decision_makers_baseline(campaigns, by_key.get(key, []), key)
        figure = figures[key]
        totals.append(
            _line(
                key=key,
                label=str(label),
                unit=str(UNITS[key]),
                source="tally",
                actual=figure.value,
                baseline=baseline,
                target=_sum(line["target"] for line in lines),
                due=max((line["due"] for line in lines if line["due"]), default=None),
                breakdowns=figure.breakdowns,
                series=figure.series,
            )
        )
    for key, entries in by_key.items():
        if key in Builtin.values:
            continue
        lines = [line for _c, line in entries]
        categories: Counter = Counter()
        baselines: Counter = Counter()
        for line in lines:
            for category in line["breakdown"]:
                categories[category["category"]] += category["value"]
                baselines[category["category"]] += category.get("baseline", 0)
        totals.append(
            _line(
                key=key,
                label=lines[0]["label"],
                unit=lines[0]["unit"],
                source="recorded",
                actual=_sum(line["actual"] for line in lines),
                baseline=_sum(line["baseline"] for line in lines),
                target=_sum(line["target"] for line in lines),
                due=max((line["due"] for line in lines if line["due"]), default=None),
                breakdown=_category_lines(
                    dict(categories), dict(baselines) if any(baselines.values()) else {}
                ),
            )
        )
    return {
        "organisation": organisation.slug,
        "name": organisation.name,
        "period": period.as_dict(),
        "indicators": totals,
        "campaigns": [
            {"slug": c.slug, "title": c.title, "indicators": r["indicators"]}
            for c, r in zip(campaigns, per_campaign, strict=True)
        ],
        "shares": shares,
    }


def coalition_shares(*, organisation: Organisation, period: Period) -> list[dict]:
    """The organisation's own share of each coalition it is an active partner of: the
    signatures that came through it (dated in the period) and the reach of the outreach it
    did. Counted into the organisation's totals; the lead's figures stay the lead's."""
    partnerships = (
        CampaignPartner.objects.filter(
            organisation=organisation, status=CampaignPartner.Status.ACTIVE
        )
        .select_related("campaign__organisation", "campaign__tally")
        .order_by("campaign__title", "id")
    )
    start, end = period.moments
    shares = []
    for partnership in partnerships:
        campaign = partnership.campaign
        signatures = Signature.objects.filter(
            _held_by(campaign_tally_of(campaign)),
            campaign_id=campaign.id,
            partner_id=organisation.id,
            counted=Signature.Status.CONFIRMED,
            created__gte=start,
            created__lt=end,
        ).count()
        reach = (
            OutreachActivity.objects.filter(
                campaign_id=campaign.id,
                partner_id=organisation.id,
                date__gte=period.start,
                date__lte=period.end,
            ).aggregate(n=Sum("reach"))["n"]
            or 0
        )
        lines = [
            _line(
                key=key,
                label=str(Builtin(key).label),
                unit=str(UNITS[key]),
                source="tally",
                actual=actual,
                baseline=None,
                target=None,
                due=None,
            )
            for key, actual in (
                (Builtin.SIGNATURES, signatures),
                (Builtin.PEOPLE_REACHED, reach),
            )
        ]
        shares.append(
            {
                "slug": campaign.slug,
                "title": campaign.title,
                "lead": campaign.organisation.slug,
                "indicators": lines,
            }
        )
    return shares


def _decision_makers_baseline(campaigns, entries, key: str):
    """Decision-makers of the baseline periods counted once across campaigns; baseline
    values (not periods) are added as they are."""
    makers: set[int] = set()
    values = []
    any_baseline = False
    for campaign, line in entries:
        if "baseline_from" in line:
            any_baseline = True
            period = Period(line["baseline_from"], line["baseline_to"])
            latest = _latest_in([campaign.id], period)
            if key == Builtin.DECISION_MAKERS_SUPPORTIVE:
                latest = {m: e for m, e in latest.items() if e[1] in SUPPORTIVE}
            makers |= set(latest)
        elif line["baseline"] is not None:
            any_baseline = True
            values.append(line["baseline"])
    return len(makers) + sum(values) if any_baseline else None


def organisation_results_get(*, user, slug: str) -> tuple[Organisation, bool]:
    organisation = access.organisation_for(user, slug, Ability.FOLLOW)
    return organisation, access.can(user, organisation.id, Ability.SEE_SIGNERS)


def campaign_default_period(campaign: Campaign) -> Period:
    return campaigns_life([campaign])

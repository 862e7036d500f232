"""The tallies: exact campaign figures, kept by Celery tasks, read by the stats endpoint.

How signatures are counted (the UK petitions site fell over in 2019 on a `+1` per signature
on one hot row; this does not do that):

- signing inserts a row and, on commit, *nudges* (`core.nudge`): one `SET NX` in Redis per
  campaign per debounce window, which schedules one tally task;
- each row carries `counted`, the status the tally last counted it in. A partial index over
  rows whose `counted` differs from their `status` finds what changed since the last tally,
  so a tally costs what changed, not the size of the table;
- a tally locks the campaign's tally row (two tallies of a campaign run one after the other),
  reads the changed rows, adds their deltas to the counters and sets `counted` on them, in
  one transaction: a worker killed halfway leaves everything as it was, and a row committed
  late (out of order) is simply found by the next tally;
- a beat sweep tallies any campaign with uncounted rows, so nothing depends on one message,
  and an hourly reconciliation recounts from scratch and logs any drift it corrects.
"""

import logging
from collections import Counter, defaultdict

from django.db import transaction
from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from campaigns.models import STAGE_ORDER, Campaign, Engagement, OutreachActivity, Stage
from campaigns.selectors import campaign_country_stages, decision_makers_latest
from signatures.models import NEEDS_TALLY, Signature
from tallies import milestones
from tallies.models import CampaignTally, Milestone
from webhooks.services import signature_deliveries_create

logger = logging.getLogger(__name__)

BATCH_SIZE = 10_000
RATIFIED = STAGE_ORDER[Stage.RATIFIED]
DIMENSIONS = ("by_country", "by_day", "by_source", "by_collector")


def _locked_tally(campaign_id: int) -> CampaignTally:
    CampaignTally.objects.get_or_create(campaign_id=campaign_id)
    return CampaignTally.objects.select_for_update().get(campaign_id=campaign_id)


def _merge(target: dict, delta: Counter) -> None:
    for key, change in delta.items():
        if not change:
            continue
        value = target.get(key, 0) + change
        if value:
            target[key] = value
        else:
            target.pop(key, None)


def _deltas(rows) -> tuple[Counter, dict[str, Counter]]:
    confirmed = Signature.Status.CONFIRMED
    status_delta: Counter = Counter()
    dims: dict[str, Counter] = {name: Counter() for name in DIMENSIONS}
    for _id, old, new, country, created, source, collector_id in rows:
        if old:
            status_delta[old] -= 1
        status_delta[new] += 1
        sign = (new == confirmed) - (old == confirmed)
        if sign:
            dims["by_country"][country] += sign
            dims["by_day"][created.date().isoformat()] += sign
            dims["by_source"][source] += sign
            if collector_id:
                dims["by_collector"][str(collector_id)] += sign
    return status_delta, dims


def campaign_tally(*, campaign_id: int) -> int:
    """Count the signatures that changed since the last tally. Returns how many it counted.

    Idempotent and safe to run concurrently: a second tally waits for the first's lock, then
    finds nothing left to count.
    """
    counted = 0
    while True:
        with transaction.atomic():
            tally = _locked_tally(campaign_id)
            rows = list(
                Signature.objects.filter(NEEDS_TALLY, campaign_id=campaign_id)
                .order_by("id")
                .values_list(
                    "id", "counted", "status", "country", "created", "source", "collector_id"
                )[:BATCH_SIZE]
            )
            if not rows:
                return counted
            status_delta, dims = _deltas(rows)
            tally.confirmed += status_delta["confirmed"]
            tally.pending += status_delta["pending"]
            tally.rejected += status_delta["rejected"]
            for name, delta in dims.items():
                _merge(getattr(tally, name), delta)
            # Mark each row with the status *read* above: if it changed since, it stays
            # different from `counted` and the next tally applies that change.
            ids_by_status = defaultdict(list)
            for row in rows:
                ids_by_status[row[2]].append(row[0])
            for status, ids in ids_by_status.items():
                Signature.objects.filter(id__in=ids).update(counted=status)
            first_counted = [row[0] for row in rows if not row[1] and row[2] != "rejected"]
            if first_counted:
                signature_deliveries_create(campaign_id=campaign_id, signature_ids=first_counted)
            tally.signatures_tallied_at = timezone.now()
            tally.version += 1
            tally.save()
            milestones.record_for_signatures(tally)
        counted += len(rows)
        if len(rows) < BATCH_SIZE:
            return counted


def campaigns_with_uncounted_signatures() -> list[int]:
    return list(
        Signature.objects.filter(NEEDS_TALLY)
        .order_by()
        .values_list("campaign_id", flat=True)
        .distinct()
    )


# --- Reach, decision-makers, country stages ----------------------------------------------


def _reach(campaign_id: int) -> dict:
    rows = OutreachActivity.objects.filter(campaign_id=campaign_id)
    by_channel = dict(rows.values_list("channel").annotate(n=Sum("reach")).order_by("channel"))
    by_country = dict(rows.values_list("country").annotate(n=Sum("reach")).order_by("country"))
    by_month: Counter = Counter()
    for when, reach in rows.values_list("date", "reach"):
        by_month[when.strftime("%Y-%m")] += reach
    return {
        "total": sum(by_channel.values()),
        "by_channel": by_channel,
        "by_country": by_country,
        "by_month": dict(sorted(by_month.items())),
    }


def _decision_makers(campaign: Campaign) -> dict:
    latest = decision_makers_latest(campaign_id=campaign.id)
    by_stance = Counter(entry.stance for entry in latest.values())
    result = {
        "engaged": len(latest),
        "by_stance": dict(sorted(by_stance.items())),
        "growth_vs_baseline": None,
        "baseline": None,
        "since_baseline": None,
    }
    if campaign.baseline_starts_on and campaign.baseline_ends_on:
        engagements = Engagement.objects.filter(campaign_id=campaign.id)
        baseline = (
            engagements.filter(
                date__gte=campaign.baseline_starts_on, date__lte=campaign.baseline_ends_on
            )
            .values("decision_maker_id")
            .distinct()
            .count()
        )
        since = (
            engagements.filter(date__gt=campaign.baseline_ends_on)
            .values("decision_maker_id")
            .distinct()
            .count()
        )
        result["baseline"] = baseline
        result["since_baseline"] = since
        result["growth_vs_baseline"] = round(since / baseline, 1) if baseline else None
    return result


def _countries(campaign: Campaign) -> list[dict]:
    return [
        {
            "country": status.country.code,
            "stage": status.stage,
            "date": status.date.isoformat(),
            "source_url": status.source_url,
        }
        for status in campaign_country_stages(campaign=campaign)
    ]


def campaign_tally_records(*, campaign_id: int) -> None:
    """Recompute reach, decision-makers and country stages (a campaign has few such rows)."""
    campaign = Campaign.objects.get(id=campaign_id)
    with transaction.atomic():
        tally = _locked_tally(campaign_id)
        tally.reach = _reach(campaign_id)
        tally.decision_makers = _decision_makers(campaign)
        tally.countries = _countries(campaign)
        tally.records_tallied_at = timezone.now()
        tally.version += 1
        tally.save()
        for country in tally.countries:
            if STAGE_ORDER[country["stage"]] >= RATIFIED:
                milestones.record(tally, Milestone.Kind.COUNTRY, country["country"], 0)


# --- Reconciliation -----------------------------------------------------------------------


def _recount(campaign_id: int) -> dict:
    """What the counters should hold, recounted from every row the tally has counted."""
    rows = Signature.objects.filter(campaign_id=campaign_id).exclude(counted="").order_by()
    by_status = dict(rows.values_list("counted").annotate(n=Count("id")))
    confirmed = rows.filter(counted=Signature.Status.CONFIRMED)
    by_day = {
        day.isoformat(): n
        for day, n in confirmed.annotate(day=TruncDate("created"))
        .values_list("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    }
    by_collector = {
        str(collector): n
        for collector, n in confirmed.exclude(collector_id=None)
        .values_list("collector_id")
        .annotate(n=Count("id"))
    }
    return {
        "confirmed": by_status.get("confirmed", 0),
        "pending": by_status.get("pending", 0),
        "rejected": by_status.get("rejected", 0),
        "by_country": dict(confirmed.values_list("country").annotate(n=Count("id"))),
        "by_day": by_day,
        "by_source": dict(confirmed.values_list("source").annotate(n=Count("id"))),
        "by_collector": by_collector,
    }


def campaign_reconcile(*, campaign_id: int, log_drift: bool = True) -> dict:
    """Recount a campaign from scratch; correct and log any drift. Returns the drift found.

    `log_drift=False` is for loading history that was inserted already counted (demo data,
    migrations from another tool): the recount is then the first count, not a correction.
    """
    campaign_tally(campaign_id=campaign_id)
    with transaction.atomic():
        tally = _locked_tally(campaign_id)
        expected = _recount(campaign_id)
        drift = {}
        for field, value in expected.items():
            if getattr(tally, field) != value:
                drift[field] = {"stored": getattr(tally, field), "recount": value}
                setattr(tally, field, value)
        tally.reconciled_at = timezone.now()
        if drift:
            tally.version += 1
        if drift and log_drift:
            logger.warning(
                "tally drift corrected for campaign %s: %s",
                campaign_id,
                {field: _short(change) for field, change in drift.items()},
            )
        tally.save()
        milestones.record_for_signatures(tally)
    campaign_tally_records(campaign_id=campaign_id)
    return drift


def _short(change: dict) -> dict:
    stored, recount = change["stored"], change["recount"]
    if isinstance(stored, dict):
        keys = set(stored) | set(recount)
        return {
            k: (stored.get(k, 0), recount.get(k, 0))
            for k in sorted(keys)
            if stored.get(k, 0) != recount.get(k, 0)
        }
    return {"stored": stored, "recount": recount}

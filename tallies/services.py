"""The tallies: exact campaign figures, kept by Celery tasks, read by the stats endpoint.

How signatures are counted (the UK petitions site fell over in 2019 on a `+1` per signature
on one hot row; this does not do that):

- signing inserts a row and, on commit, *nudges* (`core.nudge`): one `SET NX` in Redis per
  campaign per debounce window, which schedules one tally task;
- a new row is written once. Signing stores it with `counted` already equal to its status
  (`signatures.services.signature_counted_at_birth`), so it is in no index of changed rows;
  the tally keeps *which rows its counters hold* by id instead: every row up to
  `counted_through`, and the ids above it in `counted_beyond`. Each tally counts the rows
  above `counted_through` it has not counted yet, in the status their `counted` names;
- ids are not committed in their order (a signer's transaction can take id 100 and commit
  after id 101's), so `counted_through` advances only past ids nothing can still commit: the
  tally notes the newest id (`horizon`) and the transactions writing signatures at that
  moment (`horizon_writers`, from pg_locks: whoever holds the table's ROW EXCLUSIVE lock,
  which an INSERT takes before it draws its id), and moves `counted_through` there once all
  of them have ended. The rows it counted above meanwhile are the ids in `counted_beyond`;
- what changes after signing — confirmation, rejection, restoring, erasure — is per row, as
  before: such a row's `status` then differs from its `counted`, and a partial index over
  those rows finds them, so a tally costs what changed, not the size of the table. Rows that
  bulk paths store with `counted` empty (imports, field batches) go that way too;
- a tally locks the campaign's tally row (two tallies of a campaign run one after the other),
  counts in batches, one transaction each: a worker killed halfway leaves everything as it was
  at its last batch, and a row committed late (out of order) is found by the next tally;
- a beat sweep tallies any campaign with rows left to count, so nothing depends on one
  message, and an hourly reconciliation recounts from scratch and logs any drift it corrects.
"""

import logging
from collections import Counter, defaultdict

from django.db import connection, transaction
from django.db.models import Count, Exists, Max, OuterRef, Q, Sum
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
DIMENSIONS = ("by_country", "by_day", "by_source", "by_collector", "by_partner")


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
    for _id, old, new, country, created, source, collector_id, partner_id in rows:
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
            if partner_id:  # a coalition partner's share (the lead's is the rest)
                dims["by_partner"][str(partner_id)] += sign
    return status_delta, dims


_WRITERS_SQL = (
    "SELECT DISTINCT virtualtransaction FROM pg_locks "
    "WHERE relation = %s::regclass AND mode = 'RowExclusiveLock' AND granted "
    "AND pid <> pg_backend_pid()"
)


def _horizon() -> tuple[int, list[str]]:
    """The newest committed signature's id, and the transactions that were writing signatures
    when it was read: once they have all ended, no row with a lower id can still appear.

    An INSERT takes the table's ROW EXCLUSIVE lock before it draws an id from the sequence and
    holds it to its end, so a row invisible now with a lower id belongs to a transaction that
    holds the lock: the locks are read after the snapshot of the newest id, in one statement.
    SQLite writes one transaction at a time, so its ids are committed in their order."""
    table = Signature._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute(f"SELECT max(id) FROM {table}")  # noqa: S608 - the model's table
            return cursor.fetchone()[0] or 0, []
        cursor.execute(
            f"SELECT (SELECT max(id) FROM {table}), ARRAY({_WRITERS_SQL})",  # noqa: S608
            [table],
        )
        newest, writers = cursor.fetchone()
    return newest or 0, sorted(writers)


def _any_still_writing(writers: list[str]) -> bool:
    if not writers or connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks "
            "WHERE locktype = 'virtualxid' AND virtualxid = ANY(%s))",
            [list(writers)],
        )
        return cursor.fetchone()[0]


def _settled_through(tally: CampaignTally) -> tuple[int, int]:
    """The highest id below which every row is committed (or never will be), as far as this
    moment can tell, and the newest committed id; as a side effect, the tally's next horizon.
    Called before any read of rows: what it promises is about the reads that follow."""
    settled = tally.counted_through
    pending = tally.horizon is not None
    if pending and not _any_still_writing(tally.horizon_writers):
        settled = max(settled, tally.horizon)
        pending = False
    newest, writers = _horizon()
    if not writers:
        settled = max(settled, newest)
        pending = False
    elif not pending and newest > settled:
        tally.horizon, tally.horizon_writers = newest, writers
        pending = True
    if not pending:
        tally.horizon, tally.horizon_writers = None, []
    return settled, newest


# Past this many ids counted above `counted_through` (a long import holding it back), a
# tally counts only what it can merge into `counted_through`: the list stays small.
BEYOND_MAX = 5_000
_FIELDS = (
    "id",
    "counted",
    "status",
    "country",
    "created",
    "source",
    "collector_id",
    "partner_id",
)


def _new_rows(tally: CampaignTally, settled: int, newest: int) -> list[tuple]:
    """The campaign's committed rows the counters do not hold yet, oldest first, up to the
    newest id seen before reading (a row committed later nudges a tally of its own). Both
    bounds keep the plan an index range scan even before the table has statistics."""
    rows = Signature.objects.filter(
        campaign_id=tally.campaign_id, id__gt=tally.counted_through, id__lte=newest
    )
    if tally.counted_beyond:
        rows = rows.exclude(id__in=tally.counted_beyond)
    if len(tally.counted_beyond) >= BEYOND_MAX:
        rows = rows.filter(id__lte=settled)
    return list(rows.order_by("id").values_list(*_FIELDS)[:BATCH_SIZE])


def _changed_rows(tally: CampaignTally) -> list[tuple]:
    """Rows the counters hold in another status than they have now (the partial index)."""
    held = Q(id__lte=tally.counted_through)
    if tally.counted_beyond:
        held |= Q(id__in=tally.counted_beyond)
    return list(
        Signature.objects.filter(NEEDS_TALLY, held, campaign_id=tally.campaign_id)
        .order_by("id")
        .values_list(*_FIELDS)[:BATCH_SIZE]
    )


def _apply(tally: CampaignTally, changes) -> None:
    status_delta, dims = _deltas(changes)
    tally.confirmed += status_delta["confirmed"]
    tally.pending += status_delta["pending"]
    tally.rejected += status_delta["rejected"]
    for name, delta in dims.items():
        _merge(getattr(tally, name), delta)


def campaign_tally(*, campaign_id: int) -> int:
    """Count the signatures that are new or changed since the last tally. Returns how many
    rows it counted.

    New rows are counted as they were stored, without writing them; a row whose status changed
    since it was counted is counted again, and marked. Idempotent and safe to run
    concurrently: a second tally waits for the first's lock, then finds nothing left to count.
    """
    counted = 0
    while True:
        with transaction.atomic():
            tally = _locked_tally(campaign_id)
            bookkeeping = (tally.counted_through, tally.horizon)
            settled, newest = _settled_through(tally)
            new = _new_rows(tally, settled, newest)
            # A new row enters the counters in the status it was stored (or last marked) with:
            # nothing, for a row stored with `counted` empty, which the changed rows count.
            _apply(tally, [(row[0], "", row[1], *row[3:]) for row in new if row[1]])
            new_ids = [row[0] for row in new]
            beyond = sorted({*tally.counted_beyond, *new_ids})
            # Every committed row up to `settled` is now held: merge them into
            # `counted_through` (up to the last row read, when there are more to read).
            through = settled if len(new) < BATCH_SIZE else min(settled, new_ids[-1])
            tally.counted_through = max(tally.counted_through, through)
            tally.counted_beyond = [i for i in beyond if i > tally.counted_through]

            changed = _changed_rows(tally)
            _apply(tally, changed)
            # Mark each row with the status *read* above: if it changed since, it stays
            # different from `counted` and the next tally applies that change.
            ids_by_status = defaultdict(list)
            for row in changed:
                ids_by_status[row[2]].append(row[0])
            for status, ids in ids_by_status.items():
                Signature.objects.filter(id__in=ids).update(counted=status)

            first_counted = [row[0] for row in new if row[1] and row[1] != "rejected"]
            first_counted += [row[0] for row in changed if not row[1] and row[2] != "rejected"]
            if first_counted:
                signature_deliveries_create(
                    campaign_id=campaign_id, signature_ids=sorted(first_counted)
                )
            rows = len({*(row[0] for row in new if row[1]), *(row[0] for row in changed)})
            if rows:
                tally.signatures_tallied_at = timezone.now()
                tally.version += 1
            if rows or new or (tally.counted_through, tally.horizon) != bookkeeping:
                tally.save()
            if rows:
                milestones.record_for_signatures(tally)
        counted += rows
        if len(new) < BATCH_SIZE and len(changed) < BATCH_SIZE:
            return counted


def campaign_milestones_record(*, campaign_id: int) -> None:
    """Record the milestones the campaign's count has crossed as it stands, under the tally's
    lock as a tally records them: for a goal that moved under a count that did not (a
    coalition partner's goal set below its share), which a tally that counts nothing does
    not look at. The hourly reconcile does the same for any nudge lost."""
    with transaction.atomic():
        milestones.record_for_signatures(_locked_tally(campaign_id))


def _campaigns_with_new_rows() -> set[int]:
    """Campaigns with committed rows above their `counted_through` that they do not hold."""
    newest, _writers = _horizon()
    held = {
        campaign_id: (through, set(beyond))
        for campaign_id, through, beyond in CampaignTally.objects.values_list(
            "campaign_id", "counted_through", "counted_beyond"
        )
    }
    # A campaign that has never been tallied: any row at all (a look-up per such campaign).
    untallied = set(
        Campaign.objects.filter(tally__isnull=True)
        .filter(Exists(Signature.objects.filter(campaign_id=OuterRef("pk"))))
        .values_list("id", flat=True)
    )
    if not held:
        return untallied
    lowest = min(through for through, _beyond in held.values())
    found = set()
    for campaign_id, signature_id in (
        Signature.objects.filter(id__gt=lowest, id__lte=newest, campaign_id__in=held)
        .order_by()
        .values_list("campaign_id", "id")
        .iterator(chunk_size=10_000)
    ):
        through, beyond = held[campaign_id]
        if signature_id > through and signature_id not in beyond:
            found.add(campaign_id)
    return untallied | found


def campaigns_with_uncounted_signatures() -> list[int]:
    changed = set(
        Signature.objects.filter(NEEDS_TALLY)
        .order_by()
        .values_list("campaign_id", flat=True)
        .distinct()
    )
    return sorted(changed | _campaigns_with_new_rows())


def tallies_catch_up(*, through: int) -> int:
    """Move every campaign that has nothing left to count up to `through` (a settled id:
    nothing below it can still commit), so that finding what is left to count reads only the
    rows since. Returns how many campaigns moved."""
    waiting = set(campaigns_with_uncounted_signatures())
    return (
        CampaignTally.objects.filter(counted_through__lt=through)
        .exclude(campaign_id__in=waiting)
        .update(counted_through=through)
    )


def tallies_sweep() -> int:
    """Tally every campaign with signatures left to count; then move the quiet campaigns'
    `counted_through` up to the newest settled id, so the next sweep reads only the rows
    since. Returns how many campaigns it tallied."""
    campaign_ids = campaigns_with_uncounted_signatures()
    for campaign_id in campaign_ids:
        campaign_tally(campaign_id=campaign_id)
    # Settled ids: any campaign's `counted_through` (every row below it had committed when it
    # was set), or the newest id when no signature is being written right now.
    newest, writers = _horizon()
    busiest = CampaignTally.objects.aggregate(top=Max("counted_through"))["top"] or 0
    tallies_catch_up(through=busiest if writers else max(busiest, newest))
    return len(campaign_ids)


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
    tally = CampaignTally.objects.get(campaign_id=campaign_id)
    held = Q(id__lte=tally.counted_through)
    if tally.counted_beyond:
        held |= Q(id__in=tally.counted_beyond)
    rows = Signature.objects.filter(held, campaign_id=campaign_id).exclude(counted="").order_by()
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
    by_partner = {
        str(partner): n
        for partner, n in confirmed.exclude(partner_id=None)
        .values_list("partner_id")
        .annotate(n=Count("id"))
    }
    return {
        "by_partner": by_partner,
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

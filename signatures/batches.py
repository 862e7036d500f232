"""Batches from the field app: signatures collected with no connection, sent when one returns.

Each item carries the id its device gave it (`client_id`). The unique constraint on (campaign,
client_id) — not a look-up — makes sending a batch again harmless: an item the server answered
once (created, or a duplicate of someone who had signed) is answered the same again and stores
nothing more, even when two sends of it overlap; a rejected item leaves no trace, so it can be
corrected and sent again under its id. Everything an item needs is checked before the
transaction; inside it, one statement claims the new ids, one INSERT stores the people (in a
fixed order, so overlapping batches cannot deadlock on each other; a person whose earlier
signature the form rejected by itself takes it back, as on the public form), and one statement
records the answers.
"""

import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psycopg
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from campaigns import access
from campaigns.access import Ability
from campaigns.models import Campaign, Organisation
from core.errors import Conflict, NotAllowed, RateLimited
from signatures import channels
from signatures.bulk import signatures_store
from signatures.limits import batch_rate_wait
from signatures.models import BatchItem, Collector, Signature
from signatures.nudges import tally_nudge_on_commit
from signatures.selectors import consent_text_current, consent_text_seen, own_collector
from signatures.services import signature_counted_at_birth, signature_values
from signatures.validation import UI_LANGUAGES, SignatureInput, signature_input_clean

logger = logging.getLogger(__name__)

MAX_ITEMS = 500
WAITING_MAX = 1_000_000
# A device clock this far from the server's (by the batch's `sent_at`) is corrected.
CLOCK_TOLERANCE = timedelta(minutes=2)
DEADLOCK_RETRIES = 3

CREATED = BatchItem.Result.CREATED
DUPLICATE = BatchItem.Result.DUPLICATE
REJECTED = "rejected"


@dataclass(slots=True)
class _Item:
    index: int
    client_id: uuid.UUID | None
    cleaned: SignatureInput | None = None
    moment: datetime | None = None
    consent_text_id: int | None = None
    errors: dict | None = None
    result: str = ""
    signature_id: int | None = None

    @property
    def identity(self) -> tuple[str, str]:
        return self.cleaned.identity


def _messages(error: ValidationError) -> dict:
    return {field: [str(m) for m in messages] for field, messages in error.message_dict.items()}


def _client_id(item) -> uuid.UUID | None:
    value = item.get("client_id") if isinstance(item, Mapping) else None
    if isinstance(value, str) and len(value) <= 64:
        try:
            return uuid.UUID(value)
        except ValueError:
            return None
    return None


def _moment(value, *, skew: timedelta, floor: datetime, now: datetime) -> datetime:
    """When the signature was collected, by the device's clock corrected by the batch's skew,
    never before the campaign existed nor after now (a phone's clock may be anywhere)."""
    if not isinstance(value, str) or len(value) > 40:
        raise ValueError
    moment = parse_datetime(value.strip())
    if moment is None:
        raise ValueError
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=UTC)
    try:
        corrected = moment + skew
    except OverflowError:  # past year 1 or 9999: beyond either bound anyway
        corrected = now if skew > timedelta(0) else floor
    return min(max(corrected, floor), now)


def _skew(sent_at, now: datetime) -> timedelta:
    """How far the device's clock is behind the server's, by the batch's `sent_at` (zero when
    it is not sent, unreadable, or within the tolerance)."""
    if not isinstance(sent_at, str) or len(sent_at) > 40:
        return timedelta(0)
    try:
        moment = parse_datetime(sent_at.strip())
    except ValueError:
        return timedelta(0)
    if moment is None:
        return timedelta(0)
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=UTC)
    skew = now - moment
    return skew if abs(skew) > CLOCK_TOLERANCE else timedelta(0)


def _check(
    raw,
    item: _Item,
    *,
    campaign: Campaign,
    language: str,
    skew: timedelta,
    now: datetime,
) -> None:
    """Validate one item exactly as the public form is validated, plus what a batch adds."""
    if not isinstance(raw, Mapping):
        item.errors = {"non_field_errors": [_("Send each signature as a JSON object.")]}
        return
    errors: dict[str, list] = {}
    if item.client_id is None:
        errors["client_id"] = [_("Give the id the device made for this signature (a UUID).")]
    try:
        item.cleaned = signature_input_clean(
            {key: value for key, value in raw.items() if key not in ("collector", "source")},
            default_language=language,
            default_source=channels.FIELD.source,
            sources=channels.FIELD.sources,
            require_consent=channels.FIELD.require_consent,
            contact=campaign.contact,
        )
    except ValidationError as error:
        errors.update(_messages(error))
    try:
        item.moment = _moment(raw.get("collected_at"), skew=skew, floor=campaign.created, now=now)
    except ValueError:
        errors["collected_at"] = [
            _("Give the moment it was collected, in ISO 8601 (2026-03-30T14:05:00Z).")
        ]
    else:
        closed_at = campaign.closed_at
        if campaign.status == Campaign.Status.CLOSED and closed_at and item.moment > closed_at:
            errors["collected_at"] = [
                _("This signature was collected after the campaign closed (%(date)s).")
                % {"date": date_format(timezone.localtime(closed_at), "DATETIME_FORMAT")}
            ]
    try:
        item.consent_text_id = consent_text_seen(
            raw.get("consent_version"), campaign_id=campaign.id
        )
    except ValidationError as error:
        errors.update(_messages(error))
    if errors:
        item.errors = errors
        item.cleaned = None


def _claim(campaign_id: int, items: Sequence[_Item], collector_id: int | None, now) -> set:
    """Take the new ids for this batch: one INSERT, skipping the ids already taken (by an
    earlier send, or by an overlapping one, which the unique index makes us wait for). The
    ids go in sorted, so overlapping batches take them in the same order."""
    if not items:
        return set()
    field = BatchItem._meta.get_field("client_id")
    created = connection.ops.adapt_datetimefield_value(now)
    client_ids = sorted(field.get_db_prep_value(item.client_id, connection) for item in items)
    conflict = "ON CONFLICT (campaign_id, client_id) DO NOTHING RETURNING client_id"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "INSERT INTO signatures_batchitem (campaign_id, client_id, result, collector_id, "
                "created) SELECT %s, c, '', %s, %s FROM unnest(%s::uuid[]) WITH ORDINALITY "
                "AS ids (c, o) ORDER BY o "
                "ON CONFLICT (campaign_id, client_id) DO NOTHING RETURNING client_id",
                [campaign_id, collector_id, created, client_ids],
            )
        else:
            values = ", ".join(["(%s, %s, '', %s, %s)"] * len(client_ids))
            params = []
            for client_id in client_ids:
                params += [campaign_id, client_id, collector_id, created]
            cursor.execute(
                "INSERT INTO signatures_batchitem (campaign_id, client_id, result, "  # noqa: S608
                f"collector_id, created) VALUES {values} {conflict}",
                params,
            )
        return {uuid.UUID(str(row[0])) for row in cursor.fetchall()}


def _answered(campaign_id: int, client_ids: Sequence[uuid.UUID]) -> dict:
    """What the ids sent before were answered."""
    if not client_ids:
        return {}
    return {
        client_id: (result, signature_id)
        for client_id, result, signature_id in BatchItem.objects.filter(
            campaign_id=campaign_id, client_id__in=list(client_ids)
        ).values_list("client_id", "result", "signature_id")
    }


def _record(campaign_id: int, items: Sequence[_Item]) -> None:
    """Write each claimed item's answer: one UPDATE from a list of answers."""
    if not items:
        return
    field = BatchItem._meta.get_field("client_id")
    client_ids = [field.get_db_prep_value(item.client_id, connection) for item in items]
    results = [str(item.result) for item in items]
    signature_ids = [item.signature_id for item in items]
    update = (
        "UPDATE signatures_batchitem SET result = answers.result, "
        "signature_id = answers.signature_id FROM {answers} "
        "WHERE signatures_batchitem.campaign_id = %s "
        "AND signatures_batchitem.client_id = answers.client_id"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            answers = (
                "unnest(%s::uuid[], %s::varchar[], %s::bigint[]) "
                "AS answers (client_id, result, signature_id)"
            )
            cursor.execute(
                update.format(answers=answers),
                [client_ids, results, signature_ids, campaign_id],
            )
        else:  # SQLite names a list's columns in a WITH, not after an alias
            values = ", ".join(["(%s, %s, %s)"] * len(items))
            rows = zip(client_ids, results, signature_ids, strict=True)
            params = [value for row in rows for value in row]
            cursor.execute(
                f"WITH answers (client_id, result, signature_id) AS (VALUES {values}) "
                + update.format(answers="answers"),
                [*params, campaign_id],
            )


def _store(
    campaign: Campaign,
    items: list[_Item],
    collector_id: int | None,
    now,
    partner_id: int | None = None,
) -> None:
    """The transaction: claim, store, record. Sets each valid item's result."""
    fresh = {item.client_id: item for item in items if item.cleaned is not None}
    claimed = _claim(campaign.id, list(fresh.values()), collector_id, now)
    earlier = _answered(campaign.id, [item.client_id for item in items if item.client_id])
    floor = Signature.objects.aggregate(top=Max("id"))["top"] or 0
    # People in a fixed order: two batches holding the same two people lock them alike.
    claimed_items = sorted((fresh[c] for c in claimed), key=lambda item: item.identity)
    rows = []
    for item in claimed_items:
        values = signature_values(
            campaign=campaign,
            cleaned=item.cleaned,
            collector_id=collector_id,
            consent_text_id=item.consent_text_id
            or consent_text_current(language=item.cleaned.language, campaign_id=campaign.id),
            moment=item.moment,
            partner_id=partner_id,
        )
        values["status"] = Signature.Status.CONFIRMED
        values["confirmed_at"] = item.moment
        values["counted"] = signature_counted_at_birth(values["status"])
        rows.append(values)
    ids = signatures_store(rows)
    stored = []
    for item in claimed_items:
        # The first item of a person is theirs; a later one in the batch is a duplicate.
        item.signature_id = ids.pop(item.identity, None)
        item.result = CREATED if item.signature_id is not None else DUPLICATE
        stored.append(item)
    _record(campaign.id, stored)
    for item in items:
        if item.client_id in claimed:
            continue
        answer = earlier.get(item.client_id)
        if answer is not None:  # sent before: the first answer, whatever is sent now
            item.result, item.signature_id = answer
            item.errors = None
        elif item.cleaned is not None:  # cannot happen: a skipped claim is a committed row
            item.errors = {"client_id": [_("Send this signature again.")]}
    if any(item.result == CREATED for item in stored):
        # The lead's people, and a coalition partner's, are made of these rows.
        Organisation.objects.filter(
            id__in=list(filter(None, (campaign.organisation_id, partner_id))),
            people_synced_to__gt=floor,
        ).update(people_synced_to=floor)
        tally_nudge_on_commit(campaign_id=campaign.id)


def _deadlocked(error: OperationalError) -> bool:
    return isinstance(error.__cause__, psycopg.errors.DeadlockDetected)


def _collector_for(by, campaign: Campaign, partner_id: int | None) -> Collector | None:
    """The collector a batch is credited to: the sender's own (a coalition partner's member:
    their collector at the partner). A collector whose link was switched off (or who left
    the organisation) may no longer send."""
    organisation_id = partner_id or campaign.organisation_id
    collector = own_collector(user=by, organisation_id=organisation_id)
    if collector is None and access.is_only_collector(by, organisation_id):
        raise NotAllowed(
            _(
                "An organiser has switched off your collector link for %(organisation)s, so "
                "this phone may not send signatures. Keep them on the phone and ask an "
                "organiser."
            )
            % {"organisation": campaign.organisation.name},
            code="collector_inactive",
        )
    return collector


def signatures_batch(*, by, campaign: Campaign, items, waiting=None, sent_at=None) -> list[dict]:
    """Store a field app's batch; answers one result per item, in order.

    `by` is the collector or organiser whose token or session sent it: their collector is
    credited. Raises NotAllowed (403), RateLimited (429, per account: BATCH_RATE), Conflict
    (409) for a campaign that never opened, and ValidationError for a body that is not a
    batch (more than MAX_ITEMS items, say); an item's own problems are its result.
    """
    if not access.can_on_campaign(by, campaign, Ability.COLLECT):
        raise NotAllowed(
            _("Only the organisation's collectors and organisers send signatures from the field.")
        )
    # A coalition partner's collectors and organisers send for the partner.
    partner_id = access.acting_partner(by, campaign, Ability.COLLECT)
    collector = _collector_for(by, campaign, partner_id)
    if campaign.status not in Campaign.PUBLIC_STATUSES:
        raise Conflict(_("This campaign is not open for signing."), code="campaign_not_open")
    if not isinstance(items, list):
        raise ValidationError({"signatures": [_("Send the signatures as a list.")]})
    if len(items) > MAX_ITEMS:
        raise ValidationError(
            {"signatures": [_("Send at most %(n)d signatures at a time.") % {"n": MAX_ITEMS}]}
        )
    if waiting is not None and (
        not isinstance(waiting, int) or isinstance(waiting, bool) or waiting < 0
    ):
        raise ValidationError({"waiting": [_("Give a whole number, 0 or more.")]})
    wait = batch_rate_wait(user_id=by.pk)
    if wait is not None:
        raise RateLimited(
            _("Too many batches. Try again in %(n)d seconds.") % {"n": wait}, retry_after=wait
        )

    now = timezone.now()
    language = next((c for c in campaign.languages if c in UI_LANGUAGES), settings.LANGUAGE_CODE)
    skew = _skew(sent_at, now)
    checked = []
    first: dict[uuid.UUID, _Item] = {}
    repeats: list[tuple[_Item, _Item]] = []
    for index, raw in enumerate(items):
        item = _Item(index=index, client_id=_client_id(raw))
        if item.client_id is not None and item.client_id in first:
            repeats.append((item, first[item.client_id]))  # the same id twice in one batch
            checked.append(item)
            continue
        if item.client_id is not None:
            first[item.client_id] = item
        _check(
            raw,
            item,
            campaign=campaign,
            language=language,
            skew=skew,
            now=now,
        )
        checked.append(item)

    collector_id = collector.id if collector else None
    for attempt in range(DEADLOCK_RETRIES):
        try:
            with transaction.atomic():
                _store(campaign, list(first.values()), collector_id, now, partner_id)
                if collector is not None:
                    _report(collector, waiting=waiting, sent=bool(items), now=now)
            break
        except OperationalError as error:
            if not _deadlocked(error) or attempt == DEADLOCK_RETRIES - 1:
                raise
            logger.info("batch for campaign %s deadlocked; sending it again", campaign.id)
            for item in checked:
                item.result, item.signature_id = "", None
    for item, original in repeats:
        item.result, item.errors = original.result, original.errors
    return [_answer(item) for item in checked]


def _report(collector: Collector, *, waiting, sent: bool, now) -> None:
    fields = {}
    if waiting is not None:
        fields.update(waiting=min(waiting, WAITING_MAX), waiting_at=now)
    if sent:
        fields["synced_at"] = now
    if fields:
        Collector.objects.filter(id=collector.id).update(**fields)


def _answer(item: _Item) -> dict:
    client_id = str(item.client_id) if item.client_id else None
    if item.result in (CREATED, DUPLICATE):
        return {"client_id": client_id, "result": str(item.result)}
    return {"client_id": client_id, "result": REJECTED, "errors": item.errors or {}}

"""Outgoing webhooks: endpoints, the outbox of deliveries, and sending them.

A delivery is an outbox row written in the same transaction as the event it announces (the
tally's, for a milestone or a newly counted signature), so an event is never announced without
being recorded, nor recorded without being announced. A signature delivery keeps only the
signature's id and is rendered when it is sent (`webhooks.payloads`).

Sending happens outside any transaction: a worker claims the row with a lease (a conditional
UPDATE), posts, and records the outcome in a second short transaction. Nothing is locked while
a slow endpoint answers; a worker killed mid-send lets the lease lapse and the sweep sends
again, with the same idempotency key, which receivers use to drop a repeat.

Each request carries:
- `X-Voces-Event`: the event name; `X-Voces-Delivery`: an idempotency key (the same on retries);
- `X-Voces-Timestamp`: seconds since the epoch;
- `X-Voces-Signature`: `sha256=` + HMAC-SHA256(secret, "<timestamp>.<body>") in hex.
"""

import hashlib
import hmac
import json
import logging
import time
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns import access, audit
from campaigns.access import Ability
from campaigns.models import Campaign, CampaignPartner, Organisation
from core.errors import NotAllowed
from core.queue import publish_on_commit
from signatures.models import Signature
from webhooks import transport
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.payloads import signature_payload

logger = logging.getLogger(__name__)

DELIVER_TASK = "webhooks.tasks.webhook_deliver"
DELIVER_DUE_TASK = "webhooks.tasks.webhooks_deliver_due"
MAX_ATTEMPTS = 10
TIMEOUT_SECONDS = 10
LEASE = timedelta(seconds=TIMEOUT_SECONDS * 3)
USER_AGENT = "Voces-Webhooks/1"


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min ... 2 h 8 min: ten attempts over about four hours."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 6 * 3600))


def webhook_url_check(url: str) -> transport.Target:
    """Webhooks go to the public internet only, so an organiser cannot aim Voces at its own
    network (Redis, the database, a cloud metadata address): every address the host resolves
    to must be public, IPv4 embedded in IPv6 forms included (webhooks.transport).
    WEBHOOK_ALLOW_PRIVATE_ADDRESSES lifts this for tests and closed deployments. Returns the
    vetted target: the sender connects to that very address, so a DNS answer that changes
    between the check and the connection (rebinding) reaches nothing else."""
    try:
        return transport.vet(url, allow_private=settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES)
    except transport.UnsafeURL as error:
        raise ValidationError({"url": [str(error)]}) from None


# --- Endpoints -----------------------------------------------------------------------------


def _require_manager(by, organisation_id: int) -> None:
    if not access.can(by, organisation_id, Ability.MANAGE):
        raise NotAllowed(_("Only the organisation's owners and organisers manage webhooks."))


def _events_check(events) -> None:
    unknown = set(events) - set(WebhookEndpoint.Event.values)
    if unknown or not events:
        raise ValidationError(
            {
                "events": [
                    _("Choose from %(events)s.")
                    % {"events": ", ".join(WebhookEndpoint.Event.values)}
                ]
            }
        )


@transaction.atomic
def webhook_endpoint_create(
    *, by, organisation: Organisation, url: str, secret: str, events: list[str]
) -> WebhookEndpoint:
    """Register where the organisation hears about its campaigns; the URL must be public."""
    _require_manager(by, organisation.id)
    _events_check(events)
    webhook_url_check(url)
    endpoint = WebhookEndpoint(organisation=organisation, url=url, secret=secret, events=events)
    endpoint.full_clean()
    endpoint.save()
    audit.record(by=by, organisation_id=organisation.id, action="webhook.create", target=endpoint)
    return endpoint


@transaction.atomic
def webhook_endpoint_update(*, by, endpoint: WebhookEndpoint, **fields) -> WebhookEndpoint:
    """Change an endpoint's URL, secret, events or whether it is active."""
    _require_manager(by, endpoint.organisation_id)
    unknown = set(fields) - {"url", "secret", "events", "active"}
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in sorted(unknown)})
    if "events" in fields:
        _events_check(fields["events"])
    if "url" in fields:
        webhook_url_check(fields["url"])
    before = audit.snapshot(endpoint, [name for name in fields if name != "secret"])
    for name, value in fields.items():
        setattr(endpoint, name, value)
    endpoint.full_clean()
    endpoint.save()
    changed = audit.changes(before, endpoint)
    if "secret" in fields:
        changed["secret"] = ["…", "…"]  # that it changed, never what it is
    audit.record(
        by=by,
        organisation_id=endpoint.organisation_id,
        action="webhook.update",
        target=endpoint,
        changed=changed,
    )
    return endpoint


# --- The outbox ----------------------------------------------------------------------------


def _endpoints_listening(organisation_id: int, event: str) -> list[WebhookEndpoint]:
    return [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(organisation_id=organisation_id, active=True)
        if event in endpoint.events
    ]


def milestone_deliveries_create(
    *, organisation_id: int, milestone_id: int, payload: dict
) -> list[int]:
    """Owe a milestone to every endpoint of the organisation that listens for milestones.

    Call inside the transaction that records the milestone; the sends go out on commit. A
    milestone names nobody, so its body is kept as it was when reached.
    """
    now = timezone.now()
    ids = []
    for endpoint in _endpoints_listening(organisation_id, WebhookEndpoint.Event.MILESTONE):
        delivery, created = WebhookDelivery.objects.get_or_create(
            idempotency_key=f"milestone:{milestone_id}:{endpoint.id}",
            defaults={
                "endpoint": endpoint,
                "event": WebhookEndpoint.Event.MILESTONE,
                "payload": payload,
                "next_attempt_at": now,
            },
        )
        if created:
            ids.append(delivery.id)
            publish_on_commit(DELIVER_TASK, delivery.id)
    return ids


def signature_deliveries_create(*, campaign_id: int, signature_ids: list[int]) -> int:
    """Owe each new signature to the organisation's endpoints that listen for signatures.

    Called by the tally, in its transaction, for the rows it counts for the first time: each
    signature is announced once, and only if someone listens, so signing itself pays nothing.
    Only the ids are kept: the signature is rendered when it is sent.
    """
    if not signature_ids:
        return 0
    organisation_id = (
        Campaign.objects.filter(id=campaign_id).values_list("organisation_id", flat=True).get()
    )
    endpoints = _endpoints_listening(organisation_id, WebhookEndpoint.Event.SIGNATURE)
    # A coalition partner's endpoints hear of the signatures that came through it.
    partner_ids = CampaignPartner.objects.filter(
        campaign_id=campaign_id, status=CampaignPartner.Status.ACTIVE
    ).values_list("organisation_id", flat=True)
    theirs = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(organisation_id__in=partner_ids, active=True)
        if WebhookEndpoint.Event.SIGNATURE in endpoint.events
    ]
    if not endpoints and not theirs:
        return 0
    through = {}
    if theirs:
        through = dict(
            Signature.objects.filter(id__in=signature_ids, partner__isnull=False).values_list(
                "id", "partner_id"
            )
        )
    now = timezone.now()
    deliveries = [
        WebhookDelivery(
            endpoint=endpoint,
            event=WebhookEndpoint.Event.SIGNATURE,
            idempotency_key=f"signature:{signature_id}:{endpoint.id}",
            signature_id=signature_id,
            next_attempt_at=now,
        )
        for signature_id in signature_ids
        for endpoint in [
            *endpoints,
            *(e for e in theirs if e.organisation_id == through.get(signature_id)),
        ]
    ]
    if not deliveries:
        return 0
    WebhookDelivery.objects.bulk_create(deliveries, ignore_conflicts=True, batch_size=1000)
    publish_on_commit(DELIVER_DUE_TASK)
    return len(deliveries)


# --- Sending -------------------------------------------------------------------------------


def _claimable(now: datetime) -> Q:
    return Q(state=WebhookDelivery.State.PENDING, next_attempt_at__lte=now) & (
        Q(leased_until__isnull=True) | Q(leased_until__lt=now)
    )


def _claim(delivery_id: int) -> datetime | None:
    """Take a due delivery for `LEASE`. Returns the lease, or None if it is not ours to send."""
    now = timezone.now()
    lease = now + LEASE
    claimed = WebhookDelivery.objects.filter(_claimable(now), id=delivery_id).update(
        leased_until=lease
    )
    return lease if claimed else None


def _finish(delivery_id: int, lease: datetime, **outcome) -> None:
    """Record what happened, if the lease is still ours (a row changed meanwhile stays)."""
    WebhookDelivery.objects.filter(id=delivery_id, leased_until=lease).update(
        leased_until=None, **outcome
    )


def _body(delivery: WebhookDelivery) -> dict | None:
    """The delivery's JSON body; None when there is nothing to send any more (the signature
    was erased or rejected since it was counted)."""
    if delivery.signature_id is None:
        return delivery.payload
    return signature_payload(delivery.signature_id)


def _post(url: str, body: bytes, headers: dict) -> tuple[int | None, str]:
    """Vet the address now (DNS may have changed since the endpoint was saved), then post to
    the address vetted; redirects are answers, never followed."""
    try:
        target = webhook_url_check(url)
    except ValidationError as error:
        return None, " ".join(error.messages)[:300]
    answer = transport.post(target, body, headers, timeout=TIMEOUT_SECONDS)
    if answer.status is not None and not 200 <= answer.status < 300:
        return answer.status, f"HTTP {answer.status}"
    return answer.status, (answer.error or "")[:300]


def webhook_deliver(*, delivery_id: int) -> str:
    """Try one due delivery. Returns its state afterwards ("skipped" if it was not due)."""
    lease = _claim(delivery_id)
    if lease is None:
        return "skipped"
    delivery = WebhookDelivery.objects.select_related("endpoint").get(id=delivery_id)
    endpoint = delivery.endpoint
    if not endpoint.active:  # switched off (a compromised CRM, say): send nothing more
        _finish(delivery_id, lease, state=WebhookDelivery.State.FAILED, last_error="deactivated")
        return WebhookDelivery.State.FAILED
    payload = _body(delivery)
    if payload is None:
        _finish(delivery_id, lease, state=WebhookDelivery.State.DROPPED, last_error="withdrawn")
        return WebhookDelivery.State.DROPPED

    body = json.dumps(payload, cls=DjangoJSONEncoder).encode()
    timestamp = int(time.time())
    status, error = _post(
        endpoint.url,
        body,
        {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Voces-Event": delivery.event,
            "X-Voces-Delivery": delivery.idempotency_key,
            "X-Voces-Timestamp": str(timestamp),
            "X-Voces-Signature": signature_header(endpoint.secret, timestamp, body),
        },
    )
    attempts = delivery.attempts + 1
    outcome = {"attempts": attempts, "last_status": status, "last_error": error}
    if status is not None and 200 <= status < 300:
        outcome.update(state=WebhookDelivery.State.DELIVERED, delivered_at=timezone.now())
    elif attempts >= MAX_ATTEMPTS:
        outcome.update(state=WebhookDelivery.State.FAILED)
    else:
        outcome.update(next_attempt_at=timezone.now() + backoff(attempts))
    _finish(delivery_id, lease, **outcome)
    state = outcome.get("state", WebhookDelivery.State.PENDING)
    logger.info(
        "webhook %s to endpoint %s: attempt %s, %s",
        delivery.idempotency_key,
        endpoint.id,
        attempts,
        state if not error else f"{state} ({error})",
    )
    return state


def webhook_deliveries_due(limit: int = 500) -> list[int]:
    return list(
        WebhookDelivery.objects.filter(_claimable(timezone.now()))
        .order_by("next_attempt_at")
        .values_list("id", flat=True)[:limit]
    )


# --- A test, from the dashboard ---------------------------------------------------------------

TEST_TIMEOUT_SECONDS = 5  # an organiser waits for the answer on the page


def webhook_test_send(*, by, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Send one signed test event (`X-Voces-Event: test`) to an endpoint now, and record it as
    a delivery with its outcome, so it shows among the endpoint's recent deliveries.

    Called from the organiser's request, outside any transaction: the row is written already
    leased (the sweep leaves it alone), the post waits at most `TEST_TIMEOUT_SECONDS`, and the
    outcome is recorded after. A test is never retried: delivered, or given up at once. A
    deactivated endpoint gets nothing, tests included.
    """
    _require_manager(by, endpoint.organisation_id)
    if not endpoint.active:
        raise ValidationError(_("Reactivate this webhook before sending it a test."))
    now = timezone.now()
    lease = now + LEASE
    payload = {
        "event": "test",
        "organisation": Organisation.objects.values_list("slug", flat=True).get(
            id=endpoint.organisation_id
        ),
        "sent_at": now.isoformat(),
        "message": "A test delivery from Voces. Check its signature as for any other event.",
    }
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event="test",
        idempotency_key=f"test:{endpoint.id}:{uuid.uuid4().hex}",
        payload=payload,
        next_attempt_at=now,
        leased_until=lease,
    )
    body = json.dumps(payload, cls=DjangoJSONEncoder).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Voces-Event": delivery.event,
        "X-Voces-Delivery": delivery.idempotency_key,
        "X-Voces-Timestamp": str(timestamp),
        "X-Voces-Signature": signature_header(endpoint.secret, timestamp, body),
    }
    try:
        target = webhook_url_check(endpoint.url)  # again: DNS may have changed since it was saved
    except ValidationError as error:
        status, error_text = None, " ".join(error.messages)[:300]
    else:
        answer = transport.post(target, body, headers, timeout=TEST_TIMEOUT_SECONDS)
        status, error_text = answer.status, (answer.error or "")[:300]
        if status is not None and not 200 <= status < 300:
            error_text = f"HTTP {status}"
    delivered = status is not None and 200 <= status < 300
    _finish(
        delivery.id,
        lease,
        attempts=1,
        last_status=status,
        last_error=error_text,
        state=WebhookDelivery.State.DELIVERED if delivered else WebhookDelivery.State.FAILED,
        delivered_at=timezone.now() if delivered else None,
    )
    delivery.refresh_from_db()
    logger.info(
        "webhook test %s to endpoint %s: %s",
        delivery.idempotency_key,
        endpoint.id,
        delivery.state if delivered else f"{delivery.state} ({error_text})",
    )
    return delivery

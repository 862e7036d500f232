"""Outgoing webhooks: signed, retried with backoff, logged.

A delivery is an outbox row written in the same transaction as the event it announces, so an
event is never announced without being recorded, nor recorded without being announced.

Each request carries:
- `X-Voces-Event`: the event name; `X-Voces-Delivery`: an idempotency key (the same on retries);
- `X-Voces-Timestamp`: seconds since the epoch;
- `X-Voces-Signature`: `sha256=` + HMAC-SHA256(secret, "<timestamp>.<body>") in hex.
"""

import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import time
import urllib.error
import urllib.request
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from campaigns.models import Milestone, WebhookDelivery, WebhookEndpoint
from campaigns.queue import enqueue

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
TIMEOUT_SECONDS = 10
USER_AGENT = "Voces-Webhooks/1"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not an instruction: following it would let an endpoint send
    Voces' request (and headers) to an address the URL check never saw."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min ... 2 h 8 min: ten attempts over about four hours."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 6 * 3600))


def _is_public_address(host: str) -> bool:
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            return False
    return True


def webhook_url_check(url: str) -> None:
    """Webhooks go to the public internet only, so an organiser cannot aim Voces at its own
    network (Redis, the database, a cloud metadata address). WEBHOOK_ALLOW_PRIVATE_ADDRESSES
    lifts this for tests and closed deployments."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError({"url": ["Use an http or https URL."]})
    if getattr(settings, "WEBHOOK_ALLOW_PRIVATE_ADDRESSES", False):
        return
    if not _is_public_address(parts.hostname):
        raise ValidationError({"url": ["This address is not reachable from the internet."]})


def deliveries_create(*, organisation_id: int, event: str, key: str, payload: dict) -> list[int]:
    """Owe `payload` to every active endpoint of the organisation that listens for `event`.

    Call inside the transaction that records the event; the sends go out on commit.
    """
    now = timezone.now()
    ids = []
    for endpoint in WebhookEndpoint.objects.filter(organisation_id=organisation_id, active=True):
        if event not in endpoint.events:
            continue
        delivery, created = WebhookDelivery.objects.get_or_create(
            idempotency_key=f"{key}:{endpoint.id}",
            defaults={
                "endpoint": endpoint,
                "event": event,
                "payload": payload,
                "next_attempt_at": now,
            },
        )
        if created:
            ids.append(delivery.id)
    if ids:
        from campaigns.tasks import webhook_deliver

        transaction.on_commit(lambda: [enqueue(webhook_deliver, i) for i in ids])
    return ids


def milestone_payload(milestone: Milestone) -> dict:
    campaign = milestone.campaign
    return {
        "event": "milestone",
        "campaign": {"slug": campaign.slug, "title": campaign.title, "goal": campaign.goal},
        "milestone": {
            "kind": milestone.kind,
            "key": milestone.key,
            "value": milestone.value,
            "reached_at": milestone.reached_at.isoformat(),
        },
    }


def milestone_deliveries_create(*, milestone: Milestone) -> list[int]:
    return deliveries_create(
        organisation_id=milestone.campaign.organisation_id,
        event=WebhookEndpoint.Event.MILESTONE,
        key=f"milestone:{milestone.id}",
        payload=milestone_payload(milestone),
    )


def webhook_deliver(*, delivery_id: int) -> str:
    """Try one due delivery. Returns its state afterwards."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint")
            .filter(id=delivery_id, state=WebhookDelivery.State.PENDING)
            .first()
        )
        if delivery is None:
            return "skipped"
        if delivery.next_attempt_at > timezone.now():
            return delivery.state
        endpoint = delivery.endpoint
        if not endpoint.active:  # switched off (a compromised CRM, say): send nothing more
            delivery.state = WebhookDelivery.State.FAILED
            delivery.last_error = "endpoint deactivated"
            delivery.save(update_fields=["state", "last_error"])
            return delivery.state
        body = json.dumps(delivery.payload, cls=DjangoJSONEncoder).encode()
        timestamp = int(time.time())
        status, error = None, ""
        try:
            webhook_url_check(endpoint.url)
            request = urllib.request.Request(  # noqa: S310 - scheme checked above
                endpoint.url,
                data=body,
                method="POST",
                headers={
                    "Content-Type": "application/json",
                    "User-Agent": USER_AGENT,
                    "X-Voces-Event": delivery.event,
                    "X-Voces-Delivery": delivery.idempotency_key,
                    "X-Voces-Timestamp": str(timestamp),
                    "X-Voces-Signature": signature_header(endpoint.secret, timestamp, body),
                },
            )
            with _OPENER.open(request, timeout=TIMEOUT_SECONDS) as response:
                status = response.status
        except urllib.error.HTTPError as http_error:
            status, error = http_error.code, f"HTTP {http_error.code}"
        except (urllib.error.URLError, OSError, ValidationError) as other:
            error = str(getattr(other, "reason", other))[:300]

        delivery.attempts += 1
        delivery.last_status = status
        delivery.last_error = error
        if status is not None and 200 <= status < 300:
            delivery.state = WebhookDelivery.State.DELIVERED
            delivery.delivered_at = timezone.now()
        elif delivery.attempts >= MAX_ATTEMPTS:
            delivery.state = WebhookDelivery.State.FAILED
        else:
            delivery.next_attempt_at = timezone.now() + backoff(delivery.attempts)
        delivery.save()
    logger.info(
        "webhook %s to endpoint %s: attempt %s, %s",
        delivery.idempotency_key,
        endpoint.id,
        delivery.attempts,
        delivery.state if not error else f"{delivery.state} ({error})",
    )
    return delivery.state


def webhook_deliveries_due(limit: int = 500) -> list[int]:
    return list(
        WebhookDelivery.objects.filter(
            state=WebhookDelivery.State.PENDING, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at")
        .values_list("id", flat=True)[:limit]
    )


def signature_payload(row: dict, campaign_slug: str) -> dict:
    """A new signature in OSDI's shape, for CRMs that listen."""
    from django.urls import reverse

    from signatures.people import split_name

    given, family = split_name(row["name"])
    site = settings.SITE_URL
    postal = {"country": row["country"], "postal_code": row["postal_code"]}
    return {
        "event": "signature",
        "idempotency_key": f"voces-signature-{row['id']}",
        "osdi:signature": {
            "identifiers": [f"voces:signature-{row['id']}"],
            "created_date": row["created"].isoformat(),
            "action_date": row["created"].isoformat(),
            "comments": row["comment"],
            "status": row["status"],
            "referrer_data": {"source": row["source"], "referrer": row["collector__code"]},
            "person": {
                "given_name": given,
                "family_name": family,
                "email_addresses": [{"primary": True, "address": row["email"]}],
                "postal_addresses": [postal],
            },
            "_links": {
                "osdi:petition": {
                    "href": site + reverse("osdi:petition", args=[row["campaign_id"]])
                },
                "browser_url": {"href": site + f"/c/{campaign_slug}/"},
            },
        },
    }


def signature_deliveries_create(*, campaign_id: int, signature_ids: list[int]) -> int:
    """Owe each new signature to the organisation's endpoints that listen for signatures.

    Called by the tally, in its transaction, for the rows it counts for the first time: each
    signature is announced once, and only if someone listens, so signing itself pays nothing.
    """
    from campaigns.models import Campaign
    from signatures.models import Signature

    campaign = Campaign.objects.only("organisation_id", "slug").get(id=campaign_id)
    endpoints = [
        e
        for e in WebhookEndpoint.objects.filter(
            organisation_id=campaign.organisation_id, active=True
        )
        if WebhookEndpoint.Event.SIGNATURE in e.events
    ]
    if not endpoints or not signature_ids:
        return 0
    rows = Signature.objects.filter(id__in=signature_ids, email_normalised__isnull=False).values(
        "id",
        "name",
        "email",
        "comment",
        "source",
        "status",
        "country",
        "postal_code",
        "created",
        "campaign_id",
        "collector__code",
    )
    now = timezone.now()
    deliveries = [
        WebhookDelivery(
            endpoint=endpoint,
            event=WebhookEndpoint.Event.SIGNATURE,
            idempotency_key=f"signature:{row['id']}:{endpoint.id}",
            payload=signature_payload(row, campaign.slug),
            next_attempt_at=now,
        )
        for row in rows
        for endpoint in endpoints
    ]
    WebhookDelivery.objects.bulk_create(deliveries, ignore_conflicts=True, batch_size=1000)
    from campaigns.tasks import webhooks_deliver_due

    transaction.on_commit(lambda: enqueue(webhooks_deliver_due))
    return len(deliveries)

"""Celery tasks of campaigns: tallies, milestones and webhooks. Each loads by id and calls
one service; each is idempotent, so a retry or a duplicate message does no harm."""

from celery import shared_task
from django.db import OperationalError

from campaigns import services, tallies, webhooks
from campaigns.models import Campaign
from campaigns.queue import enqueue

RETRY = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "max_retries": 10,
}


@shared_task(acks_late=True, time_limit=600, soft_time_limit=570, **RETRY)
def campaign_tally(campaign_id: int) -> int:
    """Count one campaign's signatures that changed since its last tally."""
    tallies.tally_nudge_clear(campaign_id=campaign_id)
    return tallies.campaign_tally(campaign_id=campaign_id)


@shared_task(acks_late=True, time_limit=600, **RETRY)
def campaign_tally_records(campaign_id: int) -> None:
    """Recompute one campaign's reach, decision-makers and country stages."""
    tallies.campaign_tally_records(campaign_id=campaign_id)


@shared_task(acks_late=True, time_limit=600, **RETRY)
def tallies_sweep() -> int:
    """Beat fallback: tally every campaign that has uncounted signatures."""
    campaign_ids = tallies.campaigns_with_uncounted_signatures()
    for campaign_id in campaign_ids:
        tallies.campaign_tally(campaign_id=campaign_id)
    return len(campaign_ids)


@shared_task(acks_late=True, time_limit=3600)
def tallies_reconcile() -> int:
    """Hourly: recount every campaign from scratch and correct (and log) any drift."""
    drifted = 0
    for campaign_id in Campaign.objects.values_list("id", flat=True):
        if tallies.campaign_reconcile(campaign_id=campaign_id):
            drifted += 1
    return drifted


@shared_task(acks_late=True, time_limit=300, **RETRY)
def milestone_announce(milestone_id: int) -> bool:
    """Email a milestone to its organisation's owners and organisers (once)."""
    return services.milestone_announce(milestone_id=milestone_id)


@shared_task(acks_late=True, time_limit=300)
def milestones_announce_owed() -> int:
    ids = services.milestones_unannounced()
    for milestone_id in ids:
        enqueue(milestone_announce, milestone_id)
    return len(ids)


@shared_task(acks_late=True, time_limit=120)
def webhook_deliver(delivery_id: int) -> str:
    """Try one webhook delivery; a failure is rescheduled with backoff on the row itself."""
    return webhooks.webhook_deliver(delivery_id=delivery_id)


@shared_task(acks_late=True, time_limit=300)
def webhooks_deliver_due() -> int:
    ids = webhooks.webhook_deliveries_due()
    for delivery_id in ids:
        enqueue(webhook_deliver, delivery_id)
    return len(ids)

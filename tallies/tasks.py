"""Celery tasks of the tallies and milestones. Each loads by id and calls one service; each is
idempotent, so a retry or a duplicate message does no harm.

Other layers start these by name (`core.queue.publish`): the names they publish are the
constants imported below, so a renamed task cannot silently stop being found.
"""

from celery import shared_task
from django.db import OperationalError

from campaigns.models import Campaign
from campaigns.partners import MILESTONES_TASK
from campaigns.records import TALLY_RECORDS_TASK
from core.nudge import nudge_clear
from core.queue import publish
from signatures.nudges import TALLY_TASK
from tallies import milestones, services

RETRY = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "max_retries": 10,
}


@shared_task(name=TALLY_TASK, acks_late=True, time_limit=600, soft_time_limit=570, **RETRY)
def campaign_tally(campaign_id: int) -> int:
    """Count one campaign's signatures that changed since its last tally."""
    nudge_clear(TALLY_TASK, campaign_id)  # before reading: see core.nudge
    return services.campaign_tally(campaign_id=campaign_id)


@shared_task(name=MILESTONES_TASK, acks_late=True, time_limit=120, **RETRY)
def campaign_milestones_record(campaign_id: int) -> None:
    """Record the milestones one campaign's count has crossed as it stands (a coalition
    partner's goal was set: its share may be past a part of it already)."""
    nudge_clear(MILESTONES_TASK, campaign_id)  # before reading: see core.nudge
    services.campaign_milestones_record(campaign_id=campaign_id)


@shared_task(name=TALLY_RECORDS_TASK, acks_late=True, time_limit=600, **RETRY)
def campaign_tally_records(campaign_id: int) -> None:
    """Recompute one campaign's reach, decision-makers and country stages."""
    services.campaign_tally_records(campaign_id=campaign_id)


@shared_task(acks_late=True, time_limit=600, **RETRY)
def tallies_sweep() -> int:
    """Beat fallback: tally every campaign that has signatures left to count."""
    return services.tallies_sweep()


@shared_task(acks_late=True, time_limit=3600)
def tallies_reconcile() -> int:
    """Hourly: recount every campaign from scratch and correct (and log) any drift."""
    drifted = 0
    for campaign_id in Campaign.objects.values_list("id", flat=True):
        if services.campaign_reconcile(campaign_id=campaign_id):
            drifted += 1
    return drifted


@shared_task(name=milestones.ANNOUNCE_TASK, acks_late=True, time_limit=300, **RETRY)
def milestone_announce(milestone_id: int) -> bool:
    """Email a milestone to its organisation's owners and organisers (once)."""
    return milestones.milestone_announce(milestone_id=milestone_id)


@shared_task(acks_late=True, time_limit=300)
def milestones_announce_owed() -> int:
    ids = milestones.milestones_unannounced()
    for milestone_id in ids:
        publish(milestones.ANNOUNCE_TASK, milestone_id)
    return len(ids)


# The names these tasks had before the apps were cut into layers. Messages queued by an older
# release (and its beat's schedule) still find them, so an upgrade loses no queued work.
for _old_name, _task in {
    "campaigns.tasks.campaign_tally": campaign_tally,
    "campaigns.tasks.campaign_tally_records": campaign_tally_records,
    "campaigns.tasks.tallies_sweep": tallies_sweep,
    "campaigns.tasks.tallies_reconcile": tallies_reconcile,
    "campaigns.tasks.milestone_announce": milestone_announce,
    "campaigns.tasks.milestones_announce_owed": milestones_announce_owed,
}.items():
    shared_task(name=_old_name, acks_late=True, time_limit=_task.time_limit)(_task.run)

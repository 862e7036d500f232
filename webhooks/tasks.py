"""Celery tasks of the webhooks: send one delivery, and the sweep of what is due."""

from celery import shared_task

from core.queue import publish
from webhooks import services


@shared_task(name=services.DELIVER_TASK, acks_late=True, time_limit=120)
def webhook_deliver(delivery_id: int) -> str:
    """Try one webhook delivery; a failure is rescheduled with backoff on the row itself."""
    return services.webhook_deliver(delivery_id=delivery_id)


@shared_task(name=services.DELIVER_DUE_TASK, acks_late=True, time_limit=300)
def webhooks_deliver_due() -> int:
    ids = services.webhook_deliveries_due()
    for delivery_id in ids:
        publish(services.DELIVER_TASK, delivery_id)
    return len(ids)


# The names these tasks had before the apps were cut into layers (see tallies.tasks).
for _old_name, _task in {
    "campaigns.tasks.webhook_deliver": webhook_deliver,
    "campaigns.tasks.webhooks_deliver_due": webhooks_deliver_due,
}.items():
    shared_task(name=_old_name, acks_late=True, time_limit=_task.time_limit)(_task.run)

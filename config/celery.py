"""The Celery application. Periodic schedules are declared here, in code."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("voces")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Beat's schedule. Every periodic task is a sweep that makes up for a message that never
# arrived (broker down, worker killed), so none of them is the only path to any result.
app.conf.beat_schedule = {
    "tallies-sweep": {"task": "tallies.tasks.tallies_sweep", "schedule": 5.0},
    "tallies-reconcile": {"task": "tallies.tasks.tallies_reconcile", "schedule": 3600.0},
    "signatures-send-owed": {"task": "signatures.tasks.signatures_send_owed", "schedule": 30.0},
    "milestones-announce-owed": {
        "task": "tallies.tasks.milestones_announce_owed",
        "schedule": 60.0,
    },
    "webhooks-deliver-due": {"task": "webhooks.tasks.webhooks_deliver_due", "schedule": 30.0},
    "imports-resume": {"task": "signatures.tasks.imports_resume", "schedule": 60.0},
    "people-sync": {"task": "signatures.tasks.people_sync_all", "schedule": 60.0},
    "signatures-apply-retention": {
        "task": "signatures.tasks.signatures_apply_retention",
        "schedule": 24 * 3600.0,
    },
}
# A sweep that is still queued when the next one is due is not worth running twice.
for entry in app.conf.beat_schedule.values():
    entry.setdefault("options", {"expires": entry["schedule"]})

"""Tasks are started by name across layers: every name published is registered, and the names
of older releases still find their task, so queued messages survive an upgrade."""

from campaigns.partners import MILESTONES_TASK
from campaigns.records import TALLY_RECORDS_TASK
from config.celery import app
from signatures.confirmation import CONFIRM_TASK
from signatures.imports import IMPORT_TASK
from signatures.nudges import TALLY_TASK
from tallies.milestones import ANNOUNCE_TASK
from webhooks.services import DELIVER_DUE_TASK, DELIVER_TASK

PUBLISHED = [
    CONFIRM_TASK, IMPORT_TASK, TALLY_TASK, TALLY_RECORDS_TASK, ANNOUNCE_TASK, DELIVER_TASK,
    DELIVER_DUE_TASK, MILESTONES_TASK,
]  # fmt: skip
BEFORE_THE_LAYERS = [
    "campaigns.tasks.campaign_tally",
    "campaigns.tasks.campaign_tally_records",
    "campaigns.tasks.tallies_sweep",
    "campaigns.tasks.tallies_reconcile",
    "campaigns.tasks.milestone_announce",
    "campaigns.tasks.milestones_announce_owed",
    "campaigns.tasks.webhook_deliver",
    "campaigns.tasks.webhooks_deliver_due",
]


def test_every_task_published_by_name_and_on_beats_schedule_is_registered():
    app.loader.import_default_modules()
    scheduled = [entry["task"] for entry in app.conf.beat_schedule.values()]
    missing = [name for name in PUBLISHED + scheduled if name not in app.tasks]
    assert not missing


def test_the_names_of_the_release_before_the_layers_still_run_their_task():
    app.loader.import_default_modules()
    for name in BEFORE_THE_LAYERS:
        new = name.replace("campaigns.tasks.", "")
        current = next(
            task
            for task in app.tasks.values()
            if task.name.endswith("." + new) and not task.name.startswith("campaigns.")
        )
        assert app.tasks[name].run is current.run, name

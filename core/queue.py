"""Publishing Celery tasks by name, and touching Redis, without letting an outage slow requests.

A task is published by its name (Celery's `send_task`), so the app that starts work never
imports the app that does it: signing (in `signatures`) starts a tally (in `tallies`, a layer
above) without an import running upwards.

Every task published through here has a durable record behind it (a row in an owed state)
that a periodic sweep finds, so a lost message costs a little delay, never data. After a
Redis failure (broker or cache: one server in Voces' deployments), this process stops trying
for a few seconds, so signers get their answer at once and the sweeps catch up later.
"""

import logging
import time

import kombu.exceptions
import redis
from celery import current_app
from django.db import transaction

logger = logging.getLogger(__name__)

BACKOFF_SECONDS = 10.0
REDIS_ERRORS = (kombu.exceptions.OperationalError, redis.RedisError, OSError)
_suspended_until = 0.0


def redis_suspended() -> bool:
    """True for a few seconds after Redis failed in this process: skip optional Redis work."""
    return time.monotonic() < _suspended_until


def redis_failed(what: str, error: BaseException) -> None:
    global _suspended_until
    _suspended_until = time.monotonic() + BACKOFF_SECONDS
    logger.warning(
        "Redis unavailable (%s: %s); skipping it for %ss",
        what,
        error.__class__.__name__,
        int(BACKOFF_SECONDS),
    )


def reset_backoff() -> None:
    global _suspended_until
    _suspended_until = 0.0


_modules_imported = False


def _run_in_process(name: str, args: tuple) -> None:
    """The embedded default runs tasks in-process (`task_always_eager`), which `send_task`
    ignores: find the task in the registry and run it here, as `apply_async` would."""
    global _modules_imported
    if not _modules_imported:
        current_app.loader.import_default_modules()  # registers every app's tasks
        _modules_imported = True
    current_app.tasks[name].apply(args=args)


def publish(name: str, *args, countdown: float | None = None) -> bool:
    """Publish the task called `name` with `args`. Returns False (and logs) when the broker is
    unavailable: the caller's durable record and its sweep make up for it."""
    if redis_suspended():
        return False
    try:
        if current_app.conf.task_always_eager:
            _run_in_process(name, args)
        else:
            current_app.send_task(name, args=args, countdown=countdown)
    except REDIS_ERRORS as error:
        redis_failed(f"publishing {name}; the periodic sweep will do it", error)
        return False
    return True


def publish_on_commit(name: str, *args, countdown: float | None = None) -> None:
    """Publish once the current transaction commits (at once outside of one), so the task
    finds what the transaction wrote."""
    transaction.on_commit(lambda: publish(name, *args, countdown=countdown))

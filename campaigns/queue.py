"""Publishing Celery tasks, and touching Redis, without letting an outage slow requests.

Every task published through here has a durable record behind it (a row in an owed state)
that a periodic sweep finds, so a lost message costs a little delay, never data. After a
Redis failure (broker or cache: one server in Voces' deployments), this process stops trying
for a few seconds, so signers get their answer at once and the sweeps catch up later.
"""

import logging
import time

import kombu.exceptions
import redis

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


def enqueue(task, *args, countdown: float | None = None) -> bool:
    """Publish `task(*args)`. Returns False (and logs) when the broker is unavailable."""
    if redis_suspended():
        return False
    try:
        task.apply_async(args=args, countdown=countdown)
    except REDIS_ERRORS as error:
        redis_failed(f"publishing {task.name}; the periodic sweep will do it", error)
        return False
    return True


def reset_backoff() -> None:
    global _suspended_until
    _suspended_until = 0.0

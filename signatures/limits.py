"""The public signing limit per client address (`SIGN_RATE`), the field app's per account
(`BATCH_RATE`) and OSDI writes' per API token (`OSDI_RATE`), counted in the cache.

Fixed windows in Redis: one atomic increment per attempt. If Redis does not answer, the
limit fails open: signing must go on when Redis is down (the honeypot and fill-time checks
still apply, and organisers can reject a burst later by its address hash).
"""

import logging
import re
import time

from django.conf import settings
from django.core.cache import cache

from core.queue import REDIS_ERRORS, redis_failed, redis_suspended
from signatures.client import client_key

logger = logging.getLogger(__name__)

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(s|sec|second|m|min|minute|h|hour|d|day)\s*$")
_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int] | None:
    """ "60/min" -> (60, 60); "5/10s" -> (5, 10); "off" -> None."""
    if not rate or rate.strip().lower() in {"off", "none", "0"}:
        return None
    match = _RATE.match(rate.lower())
    if not match:
        raise ValueError(f"SIGN_RATE {rate!r} is not like 60/min, 5/s, 1000/h or off")
    count, multiplier, unit = match.groups()
    return int(count), _PERIODS[unit[0]] * int(multiplier or 1)


def _window_wait(key: str, parsed: tuple[int, int], what: str) -> int | None:
    if redis_suspended():
        return None  # fail open while Redis is down (see the module's docstring)
    limit, period = parsed
    now = time.time()
    window = int(now // period)
    key = f"{key}:{period}:{window}"
    try:
        cache.add(key, 0, timeout=period + 5)
        count = cache.incr(key)
    except ValueError:
        count = 1  # the key expired between add and incr: a new window
    except REDIS_ERRORS as error:
        redis_failed(f"{what} not counted: failing open", error)
        return None
    if count <= limit:
        return None
    return max(1, int((window + 1) * period - now) + 1)


def sign_rate_wait(*, client_address: str, rate: str | None = None) -> int | None:
    """Count one signing attempt. Returns the seconds to wait when over the limit, else None."""
    parsed = parse_rate(settings.SIGN_RATE if rate is None else rate)
    if parsed is None or not client_address:
        return None
    key = f"sign-rate:{client_key(client_address)}"
    return _window_wait(key, parsed, "signing limit")


def batch_rate_wait(*, user_id: int, rate: str | None = None) -> int | None:
    """Count one batch from a field app, by the account that sends it (a whole market may
    share one carrier address). Returns the seconds to wait when over the limit, else None."""
    parsed = parse_rate(settings.BATCH_RATE if rate is None else rate)
    if parsed is None:
        return None
    return _window_wait(f"batch-rate:{user_id}", parsed, "batch limit")


def osdi_rate_wait(*, token_id: str, rate: str | None = None) -> int | None:
    """Count one write through the OSDI API by a partner's token (`token_id`: a stable id of
    the token that is not the token itself, such as its digest). Returns the seconds to wait
    when over OSDI_RATE, else None."""
    parsed = parse_rate(settings.OSDI_RATE if rate is None else rate)
    if parsed is None or not token_id:
        return None
    return _window_wait(f"osdi-rate:{token_id}", parsed, "OSDI write limit")

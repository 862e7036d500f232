"""The public sign-up form's token: the bot check that a cookie cannot do inside a partner's
iframe (third-party cookies are blocked there).

A token is signed with SECRET_KEY and names the campaign and the page (the campaign page or
its embed) it was shown on, when the form was first shown, and a nonce. It is good for one
submission (the nonce is spent in the cache), for a few hours. A form shown again — with its
errors, or for a second press — carries the time of its first display, so the minimum fill
time counts from when the person first saw the form, not from the last re-display.

What a token can say about a submission (`read`): it is fine; it came back faster than a
person fills a form; or it is missing, forged, expired, for another page or spent. None of
these is a reason to throw a signature away: the page asks the person to press once more.
Only the honeypot, a field no person sees, rejects quietly.
"""

import enum
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache

from core.queue import REDIS_ERRORS, redis_failed, redis_suspended

SALT = "voces.signatures.form"
MAX_AGE_SECONDS = 6 * 3600


class Verdict(enum.Enum):
    FINE = "fine"
    TOO_FAST = "too_fast"
    NOT_VALID = "not_valid"


@dataclass(frozen=True, slots=True)
class Reading:
    verdict: Verdict
    # When the form was first shown (now, for a token that said nothing we can trust).
    started: int
    # The person already pressed "once more": the fill time is not held against them again.
    second_press: bool = False


def make(*, campaign_id: int, embed: bool, started: int | None = None, second: bool = False) -> str:
    return signing.dumps(
        {
            "c": campaign_id,
            "e": int(embed),
            "t": int(time.time()) if started is None else started,
            "n": secrets.token_urlsafe(9),
            "s": int(second),
        },
        salt=SALT,
    )


def _spend(nonce: str) -> bool:
    """True the first time a nonce is seen. Without Redis this check fails open (the others
    still hold), as the signing limit does: a petition must not stop because a cache did."""
    if redis_suspended():
        return True
    try:
        return cache.add(f"form-nonce:{nonce}", 1, timeout=MAX_AGE_SECONDS + 60)
    except REDIS_ERRORS as error:
        redis_failed("form token not spent: failing open", error)
        return True


def read(token: str, *, campaign_id: int, embed: bool) -> Reading:
    now = int(time.time())
    try:
        data = signing.loads(token or "", salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        return Reading(Verdict.NOT_VALID, now)
    if not isinstance(data, dict) or not isinstance(data.get("t"), int):
        return Reading(Verdict.NOT_VALID, now)
    started, second = data["t"], bool(data.get("s"))
    if (data.get("c"), data.get("e")) != (campaign_id, int(embed)):
        return Reading(Verdict.NOT_VALID, now)
    if not isinstance(data.get("n"), str) or not _spend(data["n"]):
        return Reading(Verdict.NOT_VALID, started)
    if not second and now - started < settings.SIGN_MIN_FILL_SECONDS:
        return Reading(Verdict.TOO_FAST, started, second)
    return Reading(Verdict.FINE, started, second)

"""The debounced nudge: "run task T for object N soon", cheap enough for every signature.

Signing nudges a tally instead of counting (the UK petitions site fell over in 2019 on a `+1`
per signature on one hot row). A nudge costs the caller one in-memory queue put. A thread of
the process sends them: for each (task, object) nudged since its last round, one `SET NX` in
Redis, and if that set the key, one delayed task. The task clears the key (`nudge_clear`)
*before* it reads, so work committed after that read sets the key again and gets a run of its
own; work committed before is seen by the read. A lost nudge costs only delay: the beat sweeps
find whatever a nudge did not announce.
"""

import contextlib
import logging
import os
import queue
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from core.queue import REDIS_ERRORS, publish, redis_failed, redis_suspended

logger = logging.getLogger(__name__)

DEBOUNCE_SECONDS = 0.3
NUDGE_TTL_SECONDS = 5
# The sending thread's pace: one round at most this often, with everything nudged meanwhile.
# Under load a round per signature cost a Redis round trip per signature (10.5% of the web
# processes' Python under signing load, README, Performance); a tally starts at most this
# much later.
ROUND_SECONDS = 0.1


def _key(task_name: str, object_id: int) -> str:
    return f"due:{task_name}:{object_id}"


def nudge(task_name: str, object_id: int) -> None:
    """Ask for `task_name(object_id)` soon, at most once per debounce window."""
    _nudger.put((task_name, object_id))


def nudge_on_commit(task_name: str, object_id: int) -> None:
    """Nudge once the current transaction commits (at once outside of one): what the task
    must see is committed by then."""
    transaction.on_commit(lambda: nudge(task_name, object_id))


def nudge_clear(task_name: str, object_id: int) -> None:
    """Called by the nudged task before it reads (see the module's docstring)."""
    with contextlib.suppress(*REDIS_ERRORS):  # Redis down: the key's TTL clears it anyway
        cache.delete(_key(task_name, object_id))


def _nudge_now(task_name: str, object_id: int) -> None:
    if redis_suspended():
        return  # the beat sweep will do it
    try:
        due = cache.add(_key(task_name, object_id), 1, timeout=NUDGE_TTL_SECONDS)
    except REDIS_ERRORS as error:
        redis_failed(f"nudge of {task_name}; the beat sweep will do it", error)
        return
    if due:
        publish(task_name, object_id, countdown=DEBOUNCE_SECONDS)


class _Nudger:
    """Sends nudges from a daemon thread, many signatures' worth in one Redis round trip.

    Started lazily in each process (gunicorn forks workers); with tasks run in-process (the
    embedded default) it nudges at once instead, so the tally stays synchronous there.
    """

    def __init__(self):
        self.queue: queue.SimpleQueue[tuple[str, int]] = queue.SimpleQueue()
        self.pid = None
        self.lock = threading.Lock()

    def put(self, item: tuple[str, int]) -> None:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            _nudge_now(*item)
            return
        if self.pid != os.getpid():
            with self.lock:
                if self.pid != os.getpid():
                    self.queue = queue.SimpleQueue()
                    threading.Thread(target=self.run, name="nudger", daemon=True).start()
                    self.pid = os.getpid()
        self.queue.put(item)

    def run(self) -> None:
        waiting = self.queue
        while True:
            items = {waiting.get()}
            while True:  # everything queued meanwhile rides on this round
                try:
                    items.add(waiting.get_nowait())
                except queue.Empty:
                    break
            for item in items:
                try:
                    _nudge_now(*item)
                except Exception:
                    logger.exception("nudge failed: %s %s", *item)
            time.sleep(ROUND_SECONDS)


_nudger = _Nudger()

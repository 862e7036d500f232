"""Group commit: the signatures a web process receives within a moment, stored by one INSERT.

Signing answers only once its row is committed. Committed one by one, most of a signature's
cost was PostgreSQL's work per statement and per commit, not the row (README, Performance:
930-990 µs of PostgreSQL's CPU for a durable single-row upsert; 65-70 µs a row for the same
rows sixteen to a statement). So a web process serving requests in threads (gunicorn's
`gthread`, the default) runs one writer thread, with a database connection of its own: a
signing request hands its row over and waits; the writer takes every row handed over since
its last statement, stores them with one multi-row upsert (`signatures.bulk.
signatures_upsert_many`, the same semantics as the single one), commits, and answers each
request from its own row. Nothing waits for company that is not coming: a signing request
says so when it starts (`signature_coming`, around the signing service), and the writer
waits a moment (at most GATHER_SECONDS) only for rows of requests that are on their way. A
row that arrives while no other request is signing is stored at once, alone; while a
statement runs the next rows gather.

Each request still hears only of its own row: a row the batch could not store (a broken
constraint, a deadlock with another process) is stored again alone, so only its own request
gets the error; a database that is down fails the batch's requests with the error itself,
which the API and the pages answer with a 503. Rows are stored only outside a transaction of
the caller's (the writer cannot see what such a transaction wrote): inside one, and where
`SIGN_GROUP_COMMIT` is off or the database is not PostgreSQL, a row is stored in the request.
"""

import contextlib
import logging
import os
import queue
import threading
from collections.abc import Iterator, Mapping

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, OperationalError, connection, connections

from signatures.bulk import signature_upsert_one, signatures_upsert_many

logger = logging.getLogger(__name__)

# The most rows one statement stores (its one JSON parameter grows with it; 64 rows are a
# few dozen kB). Under load the writer is rarely behind by more.
MAX_ROWS = 64
# The longest the writer waits for the rows of requests on their way (signing, not yet
# handed over) before its statement. A statement's fixed cost is most of a small batch's
# (README, Performance, item 6: PostgreSQL's CPU 500 µs for one row, 800 µs for six).
GATHER_SECONDS = 0.002
# A request waits this long for its row, then answers 503 (gunicorn's timeout is 30 s).
WAIT_SECONDS = 20.0


def signature_store(values: Mapping) -> tuple[int, bool]:
    """Store one signature as `signature_upsert_one` does, `(id, stored)`, committed before
    it returns: through this process's writer, with the rows of other requests, when group
    commit applies; otherwise in this thread."""
    if not _grouped():
        return signature_upsert_one(values)
    return _writer.store(values)


@contextlib.contextmanager
def signature_coming() -> Iterator[None]:
    """Around the work of one signing request (also a decorator): while it validates, the
    writer may wait for its row rather than store the rows it has without it. The row is
    handed over by `signature_store`; a request that ends without one (an invalid body)
    stops being waited for."""
    if not _grouped():
        yield
        return
    _writer.expect()
    try:
        yield
    finally:
        _writer.arrived()  # nothing, if signature_store handed the row over


def _grouped() -> bool:
    own = connections[DEFAULT_DB_ALIAS]  # this thread's connection, looked up once
    return settings.SIGN_GROUP_COMMIT and own.vendor == "postgresql" and not own.in_atomic_block


def writer_stop() -> None:
    """Close the writer's database connection and end its thread (tests, before the test
    database is dropped). A later signature starts a new one."""
    _writer.stop()


class _Row:
    """A row handed to the writer, and its answer. `done` is held until the answer is in."""

    __slots__ = ("done", "error", "result", "values")

    def __init__(self, values: Mapping):
        self.values = values
        self.result: tuple[int, bool] | None = None
        self.error: BaseException | None = None
        self.done = threading.Lock()
        self.done.acquire()

    def answer(self, result=None, error=None) -> None:
        self.result, self.error = result, error
        self.done.release()


_STOP = object()


class _Writer:
    """One per process: started by the first signature (gunicorn forks its workers after
    loading the application, so a thread started before the fork would not be there)."""

    def __init__(self):
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self.pid: int | None = None
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()
        # Signing requests under way whose rows are not handed over yet, and whether this
        # thread's request is one of them.
        self.coming = 0
        self.counting = threading.Lock()
        self.settled = threading.Event()
        self.local = threading.local()

    def expect(self) -> None:
        if getattr(self.local, "expected", False):
            return  # signing within signing: one row still
        with self.counting:
            self.coming += 1
        self.local.expected = True

    def arrived(self) -> None:
        if getattr(self.local, "expected", False):
            self.local.expected = False
            with self.counting:
                self.coming -= 1
                settled = self.coming == 0
            if settled:
                self.settled.set()  # the writer, if it waits, need wait no longer

    def store(self, values: Mapping) -> tuple[int, bool]:
        if self.pid != os.getpid() or self.thread is None:
            self._start()
        row = _Row(values)
        self.queue.put(row)
        self.arrived()  # after the put: the writer never waits for a row already queued
        if not row.done.acquire(timeout=WAIT_SECONDS):
            # The row may still be stored: the signer was not told it was, and signing again
            # meets it as a repeat, with the same answer as a new signature.
            raise OperationalError("the signature writer did not answer in time")
        if row.error is not None:
            raise row.error
        return row.result

    def _start(self) -> None:
        with self.lock:
            if self.pid == os.getpid() and self.thread is not None:
                return
            self.queue = queue.SimpleQueue()
            self.thread = threading.Thread(target=self._run, name="signature-writer", daemon=True)
            self.thread.start()
            self.pid = os.getpid()

    def stop(self) -> None:
        with self.lock:
            thread, self.thread = self.thread, None
            if thread is not None and self.pid == os.getpid():
                self.queue.put(_STOP)
                thread.join(timeout=WAIT_SECONDS)

    def _run(self) -> None:
        idle = settings.DATABASES["default"].get("CONN_MAX_AGE") or 0
        waiting = self.queue
        while True:
            try:
                first = waiting.get(timeout=idle or None)
            except queue.Empty:
                connection.close()  # an idle writer holds no connection (CONN_MAX_AGE)
                continue
            rows = [first]
            self._gather(rows, waiting)
            self._wait_for_coming(rows, waiting)
            stop = any(row is _STOP for row in rows)
            rows = [row for row in rows if row is not _STOP]
            if rows:
                self._write(rows)
            if stop:
                connection.close()
                return

    def _wait_for_coming(self, rows: list, waiting: queue.SimpleQueue) -> None:
        """While requests are on their way with their rows, a moment more gathers them: until
        the last of them has handed its row over (woken once, not by every row)."""
        if self.coming <= 0 or len(rows) >= MAX_ROWS:
            return
        self.settled.clear()
        if self.coming > 0:  # not settled between the look and the clear
            self.settled.wait(GATHER_SECONDS)
        self._gather(rows, waiting)

    @staticmethod
    def _gather(rows: list, waiting: queue.SimpleQueue) -> None:
        while len(rows) < MAX_ROWS:
            try:
                rows.append(waiting.get_nowait())
            except queue.Empty:
                return

    def _write(self, rows: list[_Row]) -> None:
        try:
            results = signatures_upsert_many([row.values for row in rows])
        except DatabaseError as error:
            if not _connection_usable():
                connection.close()  # the next statement connects afresh
                logger.warning("signature writer: database unavailable (%s)", error)
                for row in rows:
                    row.answer(error=error)
                return
            self._write_alone(rows, error)
            return
        except BaseException as error:  # never leave a request waiting for its answer
            logger.exception("signature writer failed")
            for row in rows:
                row.answer(error=error)
            return
        for row, result in zip(rows, results, strict=True):
            row.answer(result)

    def _write_alone(self, rows: list[_Row], error: BaseException) -> None:
        """The batch was refused: each row alone, so only a row that fails hears of it."""
        if len(rows) > 1:
            logger.info("signature writer: a batch of %d refused (%s); alone", len(rows), error)
        for row in rows:
            try:
                row.answer(signature_upsert_one(row.values))
            except BaseException as alone:
                if isinstance(alone, DatabaseError) and not _connection_usable():
                    connection.close()
                row.answer(error=alone)


def _connection_usable() -> bool:
    raw = connection.connection
    return raw is not None and not raw.closed and not getattr(raw, "broken", False)


_writer = _Writer()

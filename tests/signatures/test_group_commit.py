"""Group commit (signatures.writer): the signatures of concurrent requests stored by one
statement and one commit, each request answered from its own row, as if it had been alone."""

import itertools
import threading
import time

import psycopg
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signatures import writer
from signatures.bulk import COLUMNS, DEFAULTS, signature_upsert_one, signatures_upsert_many
from signatures.models import Signature
from tests.factories import CampaignFactory, sign

PEOPLE = [("e", f"persona{n}@example.org") for n in range(4)] + [
    ("p", f"+5917123456{n}") for n in range(3)
]


def _values(campaign, person, *, rejected: bool, n: int) -> dict:
    """A row as signing stores it: confirmed, or rejected by the form (a honeypot)."""
    kind, key = person
    now = timezone.now()
    values = {
        "campaign_id": campaign.id,
        "name": f"Persona {n}",
        "email": key if kind == "e" else "",
        "email_normalised": key if kind == "e" else None,
        "phone": key if kind == "p" else None,
        "country": "BO",
        "created": now,
    }
    if rejected:
        values.update(status="rejected", rejected_reason="honeypot", counted="rejected")
    else:
        values.update(status="confirmed", confirmed_at=now, counted="confirmed")
    return values


def _rows(campaign) -> list[tuple]:
    return sorted(
        Signature.objects.filter(campaign=campaign).values_list(
            "email_normalised", "phone", "name", "status", "rejected_reason", "counted"
        ),
        key=str,
    )


@pytest.mark.django_db
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    events=st.lists(
        st.tuples(st.sampled_from(range(len(PEOPLE))), st.booleans()), min_size=1, max_size=14
    ),
    cuts=st.lists(st.integers(min_value=1, max_value=14), max_size=4),
)
def test_rows_stored_together_are_answered_as_each_would_be_alone(events, cuts):
    """The same people signing (repeats, double clicks within one batch, a form's automatic
    rejection then a clean signature) get the same answers and leave the same rows whether
    each was stored alone or many were stored at once, however the batches fall."""
    alone, together = CampaignFactory(), CampaignFactory()
    answers_alone = [
        signature_upsert_one(_values(alone, PEOPLE[person], rejected=rejected, n=n))
        for n, (person, rejected) in enumerate(events)
    ]
    rows = [
        _values(together, PEOPLE[person], rejected=rejected, n=n)
        for n, (person, rejected) in enumerate(events)
    ]
    answers_together = []
    bounds = sorted({0, len(rows), *(cut for cut in cuts if cut < len(rows))})
    for start, end in itertools.pairwise(bounds):
        answers_together += signatures_upsert_many(rows[start:end])

    assert [stored for _, stored in answers_together] == [stored for _, stored in answers_alone]
    # The same rows, and each answer points at its person's one row in both.
    assert _rows(together) == _rows(alone)
    first_id = {}
    for (person, _), (id_alone, _), (id_together, _) in zip(
        events, answers_alone, answers_together, strict=True
    ):
        first_id.setdefault(person, (id_alone, id_together))
        assert first_id[person] == (id_alone, id_together)


def _hold_person(campaign, email: str):
    """Another connection inserts this person's row and keeps its transaction open: a
    statement storing the same person waits for it, holding the writer busy meanwhile."""
    settings_dict = connection.settings_dict
    blocker = psycopg.connect(
        dbname=settings_dict["NAME"],
        user=settings_dict["USER"] or "postgres",
        host=settings_dict["HOST"] or "127.0.0.1",
        port=settings_dict["PORT"] or 5432,
    )
    row = {**DEFAULTS, **_values(campaign, ("e", email), rejected=False, n=0)}
    blocker.execute(
        f"INSERT INTO signatures_signature ({', '.join(COLUMNS)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(COLUMNS))})",
        [row[name] for name in COLUMNS],  # each field's attname is its column
    )
    return blocker, blocker.execute("SELECT lastval()").fetchone()[0]


def _wait_for_queue(size: int) -> None:
    deadline = time.monotonic() + 10
    while writer._writer.queue.qsize() < size:
        assert time.monotonic() < deadline, "the requests never reached the writer"
        time.sleep(0.01)


def _wait_for_the_held_statement() -> None:
    """Until the writer's statement waits for the held person's transaction."""
    deadline = time.monotonic() + 10
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            assert time.monotonic() < deadline, "the first row never reached the writer"
            time.sleep(0.01)


def _in_threads(calls):
    results, threads = {}, []
    for key, call in calls:

        def run(key=key, call=call):
            try:
                results[key] = call()
            except Exception as error:  # the thread's answer, to be checked
                results[key] = error
            finally:
                connection.close()  # this thread's own

        threads.append(threading.Thread(target=run))
        threads[-1].start()
        if len(threads) == 1:
            _wait_for_the_held_statement()  # the first one before the others
    return threads, results


@pytest.mark.django_db(transaction=True)
def test_concurrent_signatures_share_one_commit_each_answered_from_its_own_row(settings):
    settings.SIGN_GROUP_COMMIT = True
    campaign = CampaignFactory(require_confirmation=False)
    blocker, held_id = _hold_person(campaign, "held@example.org")
    others = [f"persona{n}@example.org" for n in range(10)]
    threads, results = _in_threads(
        [("held", lambda: sign(campaign, email="held@example.org"))]
        + [(email, lambda email=email: sign(campaign, email=email)) for email in others]
    )
    _wait_for_queue(len(others))
    blocker.commit()  # the held person's row is in: the waiting statement meets it
    blocker.close()
    for thread in threads:
        thread.join(timeout=20)

    assert results["held"].created is False
    assert results["held"].signature_id == held_id
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT email_normalised, id, xmin::text FROM signatures_signature "
            "WHERE campaign_id = %s AND email_normalised <> 'held@example.org'",
            [campaign.id],
        )
        stored = {email: (id_, version) for email, id_, version in cursor.fetchall()}
    assert {email: results[email].signature_id for email in others} == {
        email: stored[email][0] for email in others
    }
    assert all(results[email].created for email in others)
    assert len({version for _, version in stored.values()}) == 1, "one transaction"


@pytest.mark.django_db(transaction=True)
def test_a_row_its_batch_cannot_store_fails_only_its_own_request(settings):
    settings.SIGN_GROUP_COMMIT = True
    campaign = CampaignFactory(require_confirmation=False)
    blocker, _held = _hold_person(campaign, "held@example.org")
    broken = {**_values(campaign, ("e", "broken@example.org"), rejected=False, n=1)}
    broken["collector_id"] = 10**9  # no such collector: the foreign key refuses the row
    good = [_values(campaign, ("e", f"p{n}@example.org"), rejected=False, n=n) for n in range(5)]
    held = _values(campaign, ("e", "held@example.org"), rejected=False, n=9)
    threads, results = _in_threads(
        [("held", lambda: writer.signature_store(held))]
        + [("broken", lambda: writer.signature_store(broken))]
        + [(n, lambda row=row: writer.signature_store(row)) for n, row in enumerate(good)]
    )
    _wait_for_queue(len(good) + 1)
    blocker.commit()
    blocker.close()
    for thread in threads:
        thread.join(timeout=20)

    assert isinstance(results["broken"], IntegrityError)
    assert all(results[n][1] is True for n in range(len(good)))
    assert set(
        Signature.objects.filter(campaign=campaign).values_list("email_normalised", flat=True)
    ) == {"held@example.org", *(row["email_normalised"] for row in good)}


@pytest.mark.django_db
def test_inside_a_transaction_the_row_is_stored_by_the_request_itself(settings):
    """The writer's connection could not see what an open transaction wrote (the campaign
    itself, here): inside one, the row is written in it, and goes if it rolls back."""
    settings.SIGN_GROUP_COMMIT = True
    with transaction.atomic():
        campaign = CampaignFactory(require_confirmation=False)
        result = sign(campaign, email="inside@example.org")
        assert result.created
        assert Signature.objects.filter(id=result.signature_id).exists()
        transaction.set_rollback(True)
    assert not Signature.objects.filter(id=result.signature_id).exists()


def _xmin(ids) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT xmin::text FROM signatures_signature WHERE id = ANY(%s)", [ids])
        return {version for (version,) in cursor.fetchall()}


@pytest.mark.django_db(transaction=True)
def test_the_writer_waits_for_a_request_on_its_way_and_stores_both_in_one_commit(
    settings, monkeypatch
):
    """A request that has begun signing (`signature_coming`) but not handed its row over is
    waited for: the row that arrived first goes in the same statement as its row."""
    settings.SIGN_GROUP_COMMIT = True
    monkeypatch.setattr(writer, "GATHER_SECONDS", 30.0)  # long enough for any machine
    campaign = CampaignFactory(require_confirmation=False)
    validating, results = threading.Event(), {}

    def on_its_way():
        with writer.signature_coming():
            validating.set()
            # Time for the first row to reach the writer, which would store it alone by now.
            time.sleep(0.5)
            results["second"] = writer.signature_store(
                _values(campaign, ("e", "second@example.org"), rejected=False, n=2)
            )
        connection.close()

    second = threading.Thread(target=on_its_way)
    second.start()
    validating.wait(10)
    results["first"] = writer.signature_store(
        _values(campaign, ("e", "first@example.org"), rejected=False, n=1)
    )
    second.join(20)

    assert results["first"][1] is True
    assert results["second"][1] is True
    assert len(_xmin([results["first"][0], results["second"][0]])) == 1, "one transaction"


@pytest.mark.django_db(transaction=True)
def test_a_request_that_ends_without_a_row_is_not_waited_for(settings, monkeypatch):
    """An invalid body hands nothing over: the writer stops counting on it, and a row that
    comes alone afterwards is stored at once, in a commit of its own."""
    settings.SIGN_GROUP_COMMIT = True
    monkeypatch.setattr(writer, "GATHER_SECONDS", 30.0)
    campaign = CampaignFactory(require_confirmation=False)
    with pytest.raises(ValidationError):
        sign(campaign, email="not an email")
    assert writer._writer.coming == 0

    first = writer.signature_store(_values(campaign, ("e", "a@example.org"), rejected=False, n=1))
    later = writer.signature_store(_values(campaign, ("e", "b@example.org"), rejected=False, n=2))
    assert len(_xmin([first[0], later[0]])) == 2, "each stored when it came"

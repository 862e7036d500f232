"""Faults against the real stack: Redis stopped, workers killed, PostgreSQL unreachable,
the same link clicked twice at once, imports beside public signing."""

import csv
import io
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.db import connection
from knox.models import AuthToken

from campaigns.models import Campaign, Membership
from signatures.confirmation import confirmation_token
from signatures.imports import signatures_import
from signatures.models import ImportJob, Signature
from tallies.models import CampaignTally
from tallies.services import campaign_tally
from tests.factories import CampaignFactory, UserFactory
from tests.stack import Stack, TcpProxy, wait_for
from tests.tallies.test_tallies import recount, stored

pytestmark = pytest.mark.worker

SIGNER = {"name": "Ana Condori", "country": "BO", "consent": True}


def sign_url(campaign) -> str:
    return f"/api/v1/campaigns/{campaign.slug}/signatures/"


def settle(campaign, timeout=30):
    """Wait until the stack's tallies equal a recount from the records."""

    def exact():
        tally = CampaignTally.objects.filter(campaign=campaign).first()
        return tally is not None and stored(campaign.id) == recount(campaign.id)

    wait_for(exact, timeout, message=f"the tally of {campaign.slug} never caught up")


def test_with_redis_stopped_signing_answers_and_catches_up_exactly(stack):
    stack.env["SIGN_RATE"] = "2/min"  # the limit fails open while Redis is down
    confirm = CampaignFactory(require_confirmation=True, status=Campaign.Status.OPEN)
    direct = CampaignFactory(require_confirmation=False, status=Campaign.Status.OPEN)
    stack.start_web()
    stack.redis.stop()
    codes = []
    for n in range(12):
        for campaign in (confirm, direct):
            started = time.monotonic()
            response = stack.post(
                sign_url(campaign), json={**SIGNER, "email": f"p{n % 8}@example.org"}
            )
            assert time.monotonic() - started < 3, "a signer waited on a dead Redis"
            codes.append(response.status_code)
    assert set(codes) == {201}  # new or repeat, the public is answered alike
    assert (
        Signature.objects.filter(campaign__in=(confirm, direct)).count() == 16
    )  # 8 people, two campaigns
    assert Signature.objects.filter(campaign=confirm, email_state="owed").count() == 8

    stack.redis.start()
    stack.start_worker()
    stack.start_beat()  # its sweeps tally what no nudge reached
    stack.send_task("signatures.tasks.signatures_send_owed")
    wait_for(lambda: len(stack.emails()) == 8, 40, message=stack.log("worker"))
    for campaign in (confirm, direct):
        settle(campaign)
    assert CampaignTally.objects.get(campaign=direct).confirmed == 8
    assert CampaignTally.objects.get(campaign=confirm).pending == 8
    stack.send_task("signatures.tasks.signatures_send_owed")
    time.sleep(2)
    # Each owed email once, to each person.
    assert sorted(m["To"] for m in stack.emails()) == sorted(f"p{n}@example.org" for n in range(8))
    assert set(
        Signature.objects.filter(campaign=confirm).values_list("email_state", flat=True)
    ) == {"sent"}


def big_csv(rows: int) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["name", "email", "country", "postal_code", "collector", "signed_on"])
    for n in range(rows):
        writer.writerow([f"Persona {n}", f"sheet{n}@example.org", "PE", "", "", "2026-11-01"])
    return buffer.getvalue().encode()


def test_a_worker_killed_during_an_import_leaves_it_whole_or_absent(stack, organiser_a):
    stack.env["IMPORT_STALE_SECONDS"] = "3"
    campaign = CampaignFactory(
        organisation=organiser_a.memberships.get().organisation, status=Campaign.Status.OPEN
    )
    rows = 120_000
    _instance, token = AuthToken.objects.create(user=organiser_a, expiry=None)
    stack.start_web()
    stack.start_worker()
    response = stack.post(
        f"/api/v1/campaigns/{campaign.slug}/signatures/import/",
        files={"file": ("sheets.csv", big_csv(rows), "text/csv")},
        headers={"Authorization": f"Token {token}"},
        timeout=60,
    )
    assert response.status_code == 202
    job = ImportJob.objects.get()
    wait_for(
        lambda: ImportJob.objects.get(id=job.id).processed_rows > 0, 60, message=stack.log("worker")
    )
    stack.kill("worker")
    assert Signature.objects.filter(campaign=campaign).count() in (0, rows)
    assert ImportJob.objects.get(id=job.id).state != "done"

    stack.start_worker("worker2")
    time.sleep(3.5)  # the job's claim goes stale
    stack.send_task("signatures.tasks.imports_resume")
    wait_for(
        lambda: ImportJob.objects.get(id=job.id).state == "done", 90, message=stack.log("worker2")
    )
    job.refresh_from_db()
    assert (job.created_count, job.duplicates, job.rejected_count) == (rows, 0, 0)
    assert job.attempts == 2
    assert Signature.objects.filter(campaign=campaign).count() == rows


@pytest.fixture
def proxied_stack(transactional_db, tmp_path, private_redis):
    """The stack reaching PostgreSQL through a relay the test can cut."""
    db = connection.settings_dict
    proxy = TcpProxy(int(db["PORT"] or 5432))
    proxy.start()
    url = f"postgres://{db['USER'] or 'postgres'}@127.0.0.1:{proxy.port}/{db['NAME']}"
    running = Stack(database_url=url, tmp_path=tmp_path, redis_server=private_redis)
    yield running, proxy
    running.close()
    proxy.cut()


def test_with_postgresql_unreachable_signing_answers_503_and_resumes(proxied_stack):
    stack, proxy = proxied_stack
    campaign = CampaignFactory(status=Campaign.Status.OPEN)
    stack.start_web(workers=2)
    assert (
        stack.post(sign_url(campaign), json={**SIGNER, "email": "a@example.org"}).status_code == 201
    )

    proxy.cut()
    for n in range(4):
        started = time.monotonic()
        response = stack.post(sign_url(campaign), json={**SIGNER, "email": f"x{n}@example.org"})
        assert time.monotonic() - started < 5
        assert response.status_code == 503
        assert response.headers["Content-Type"] == "application/json"
        assert "unavailable" in response.json()["detail"]
    ready = stack.get("/readyz/")
    assert (ready.status_code, ready.json()["database"]) == (503, "unavailable")
    assert stack.get("/healthz/").status_code == 200  # liveness does not touch the database
    page = stack.get(f"/c/{campaign.slug}/")
    assert page.status_code == 503
    assert "Traceback" not in page.text

    proxy.start()

    def signs():
        return (
            stack.post(
                sign_url(campaign), json={**SIGNER, "email": f"back{time.monotonic()}@example.org"}
            ).status_code
            == 201
        )

    wait_for(signs, 20, interval=0.2, message="service did not resume by itself")
    assert stack.get("/readyz/").status_code == 200
    assert not Signature.objects.filter(email__startswith="x").exists()  # 503 stored nothing


def test_the_same_confirmation_link_clicked_twice_at_once(stack):
    campaign = CampaignFactory(require_confirmation=True, status=Campaign.Status.OPEN)
    stack.start_web(workers=4)
    tokens = []
    for n in range(10):
        assert (
            stack.post(
                sign_url(campaign), json={**SIGNER, "email": f"c{n}@example.org"}
            ).status_code
            == 201
        )
        signature = Signature.objects.get(email=f"c{n}@example.org")
        tokens.append(confirmation_token(signature_id=signature.id))

    def click(token):
        return requests.post(
            f"{stack.url}/api/v1/signatures/confirm/", json={"token": token}, timeout=10
        ).json()

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(click, [t for t in tokens for _ in range(2)]))
    assert all(a["status"] == "confirmed" for a in answers)
    assert sum(not a["already_confirmed"] for a in answers) == 10  # one "newly" per link
    assert Signature.objects.filter(campaign=campaign, status="confirmed").count() == 10

    campaign_tally(campaign_id=campaign.id)
    assert stored(campaign.id) == recount(campaign.id)


def test_imports_beside_public_signing_store_each_person_once(stack):
    campaign = CampaignFactory(status=Campaign.Status.OPEN)
    organiser = UserFactory(username="importer")
    Membership.objects.create(user=organiser, organisation=campaign.organisation, role="organiser")
    stack.start_web(workers=4)
    people = 1500

    def public(n):
        return stack.post(
            sign_url(campaign), json={**SIGNER, "email": f"SHEET{n}@Example.org"}
        ).status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        signing = pool.map(public, range(0, people, 2))  # half of the same people, online
        job = signatures_import(by=organiser, campaign=campaign, content=big_csv(people))
        codes = list(signing)
    assert set(codes) == {201}
    assert job.state == "done"
    rows = Signature.objects.filter(campaign=campaign)
    assert rows.count() == people
    assert rows.values("email_normalised").distinct().count() == people
    assert job.created_count + job.duplicates == people
    online = rows.exclude(source="import").count()
    assert job.created_count + online == people  # each person once, whichever came first

import os
from types import SimpleNamespace

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.testcases import LiveServerThread
from django.test.utils import modify_settings
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

from api.v1.campaigns import stats_answers_clear
from campaigns.models import Role
from config.celery import app
from core.queue import reset_backoff
from signatures.selectors import consent_clear_cache, signing_cache_clear
from signatures.writer import writer_stop
from tests.factories import CampaignFactory, MembershipFactory, OrganisationFactory, UserFactory
from tests.stack import RedisServer, Stack
from webhooks.services import webhook_endpoint_create

# CI draws the same Hypothesis examples on every run, so a landing is not decided by luck;
# `make test` elsewhere keeps exploring new ones (and replays saved failures).
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(scope="session", autouse=True)
def _static_manifest():
    # Pages use hashed static names (ManifestStaticFilesStorage), as in production.
    call_command("collectstatic", interactive=False, verbosity=0)


@pytest.fixture(scope="session", autouse=True)
def _fresh_redis():
    if settings.REDIS_URL:
        redis.Redis.from_url(settings.REDIS_URL).flushdb()


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def org_a(db):
    return OrganisationFactory(slug="org-a", name="Organisation A")


@pytest.fixture
def org_b(db):
    return OrganisationFactory(slug="org-b", name="Organisation B")


def _member(org, role, username):
    user = UserFactory(username=username)
    MembershipFactory(user=user, organisation=org, role=role)
    return user


@pytest.fixture
def owner_a(org_a):
    return _member(org_a, Role.OWNER, "owner-a")


@pytest.fixture
def organiser_a(org_a):
    return _member(org_a, Role.ORGANISER, "organiser-a")


@pytest.fixture
def collector_a(org_a):
    return _member(org_a, Role.COLLECTOR, "collector-a")


@pytest.fixture
def viewer_a(org_a):
    return _member(org_a, Role.VIEWER, "viewer-a")


@pytest.fixture
def organiser_b(org_b):
    return _member(org_b, Role.ORGANISER, "organiser-b")


@pytest.fixture
def superuser(db):
    return UserFactory(username="root-user", is_superuser=True, is_staff=True)


@pytest.fixture
def campaign_a(org_a):
    return CampaignFactory(organisation=org_a, slug="campaign-a")


@pytest.fixture
def draft_a(org_a):
    return CampaignFactory(organisation=org_a, slug="draft-a", status="draft")


@pytest.fixture(autouse=True)
def _fresh_process_state(settings):
    """Process-wide caches must not carry rows or outages from one test to the next; the
    public stats ask on every request whether the figures moved (tests read them right
    after changing them; test_advocacy.py checks the recheck window itself)."""
    settings.STATS_RECHECK_SECONDS = 0
    for clear in (consent_clear_cache, signing_cache_clear, reset_backoff):
        clear()
    yield
    for clear in (
        consent_clear_cache,
        signing_cache_clear,
        reset_backoff,
        writer_stop,
        stats_answers_clear,
    ):
        clear()


@pytest.fixture
def celery_worker_thread(transactional_db):
    """A real Celery worker on Redis, in a thread of this process (Celery's test worker), so
    tasks see the test database and emails land in `mail.outbox`."""

    app.control.purge()  # messages left by earlier tests point at rows that are gone
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker


@pytest.fixture
def private_redis():
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def stack(transactional_db, tmp_path, private_redis):
    """gunicorn + Celery worker (started by the test) on the test database and a private Redis."""

    db = connection.settings_dict
    user, host, port = db["USER"] or "postgres", db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    database_url = f"postgres://{user}@{host}:{port}/{db['NAME']}"
    running = Stack(database_url=database_url, tmp_path=tmp_path, redis_server=private_redis)
    yield running
    running.close()


@pytest.fixture(scope="session")
def live_server(django_db_setup, django_db_blocker):
    """Django's live server thread, serving static files the production way (WhiteNoise, from
    the collected, hashed files) instead of pytest-django's finder-based handler."""

    with django_db_blocker.unblock():
        thread = LiveServerThread("localhost", static_handler=lambda app: app, port=0)
        thread.daemon = True
        thread.start()
        thread.is_ready.wait()
        if thread.error:
            raise thread.error
        yield SimpleNamespace(
            url=f"http://localhost:{thread.port}",
            # pytest-django's helper turns this on for each test that uses the server.
            _live_server_modified_settings=modify_settings(ALLOWED_HOSTS={"append": "localhost"}),
        )
        thread.terminate()


@pytest.fixture
def crm_webhook(org_a, organiser_a, settings):
    """Organisation A's CRM listening for signatures (on a local port nothing answers)."""
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    return webhook_endpoint_create(
        by=organiser_a,
        organisation=org_a,
        url="http://127.0.0.1:9/crm",
        secret="s" * 20,
        events=["signature"],
    )

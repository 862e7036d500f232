"""Run by tests/test_sqlite.py in a process of its own: Voces on the embedded default's SQLite,
sent the inputs that once answered 500 there. Prints {case: status} as JSON."""

import json
import os
import sys
import tempfile
from pathlib import Path

folder = Path(tempfile.mkdtemp(prefix="voces-sqlite-"))
os.environ.update(
    DJANGO_SETTINGS_MODULE="config.settings",
    DATABASE_URL=f"sqlite:///{folder}/db.sqlite3",
    REDIS_URL="",
    DEBUG="false",
    SECRET_KEY="sqlite-probe-key-sqlite-probe-key-sqlite-probe-key",
    SECURE_SSL_REDIRECT="false",
    ALLOWED_HOSTS="testserver",
    SIGN_RATE="off",
    STATIC_ROOT=str(folder / "static"),
)

import django  # noqa: E402 - configured by the lines above

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from knox.models import AuthToken  # noqa: E402

from tests.factories import CampaignFactory, MembershipFactory, UserFactory, sign  # noqa: E402

call_command("migrate", verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)
organiser = UserFactory(username="probe")
campaign = CampaignFactory(slug="probe")
MembershipFactory(user=organiser, organisation=campaign.organisation, role="owner")
sign(campaign, email="probe@example.org")
token = AuthToken.objects.create(user=organiser, expiry=None)[1]

osdi = Client(HTTP_OSDI_API_TOKEN=token)
api = Client(HTTP_AUTHORIZATION=f"Token {token}")
huge = "9" * 20
cases = {
    "osdi page 10**20": osdi.get("/api/osdi/v1/petitions/", {"page": str(10**20)}),
    "osdi 20-digit id": osdi.get(f"/api/osdi/v1/petitions/{huge}/"),
    "osdi 20-digit id in a filter": osdi.get(
        "/api/osdi/v1/people/", {"filter": f"identifier eq 'voces:{huge}'"}
    ),
    "osdi month 13": osdi.get(
        "/api/osdi/v1/petitions/", {"filter": "created_date gt '2024-13-01'"}
    ),
    "osdi hour 25": osdi.get(
        "/api/osdi/v1/petitions/", {"filter": "created_date gt '2024-01-01T25:00:00'"}
    ),
    "api created_after +23:00": api.get(
        f"/api/v1/campaigns/{campaign.slug}/signatures/",
        {"created_after": "0001-01-01T00:00:00+23:00"},
    ),
    "api 20-digit signature id": api.get(f"/api/v1/campaigns/{campaign.slug}/signatures/{huge}/"),
    "api 20-digit decision-maker id": api.get(f"/api/v1/decision-makers/{huge}/"),
    "api 20-digit import id": api.get(f"/api/v1/imports/{huge}/"),
    "api deep json": api.generic(
        "POST", "/api/v1/signatures/confirm/", "[" * 60_000, content_type="application/json"
    ),
    "osdi lone surrogate": osdi.generic(
        "POST",
        "/api/osdi/v1/people/person_signup_helper/",
        '{"person": {"given_name": "a\\ud800b", "email_addresses": [{"address": "x@e.org"}]}}',
        content_type="application/json",
    ),
}
json.dump({name: response.status_code for name, response in cases.items()}, sys.stdout)

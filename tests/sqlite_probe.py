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

# The field app's batches and phone-only signers, on SQLite: the same answers as PostgreSQL's.
from signatures.models import BatchItem, Collector, Signature  # noqa: E402

phones = CampaignFactory(slug="probe-phones", contact="email_or_phone")
collector_user = UserFactory(username="probe-collector")
MembershipFactory(user=collector_user, organisation=phones.organisation, role="collector")
Collector.objects.create(
    organisation=phones.organisation, name="Probe", code="probe", user=collector_user
)
device = Client(
    HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=collector_user)[1]}",
    HTTP_ACCEPT_LANGUAGE="en",
)
items = [
    {
        "client_id": f"00000000-0000-4000-8000-00000000000{n}",
        "name": f"P{n}",
        "country": "BO",
        "consent": True,
        "collected_at": "2026-03-30T10:00:00Z",
        **contact,
    }
    for n, contact in enumerate(
        [
            {"phone": "71234567"},
            {"email": "a@example.org"},
            {"email": "A@example.org"},
            {"phone": "+591 71234567"},
            {"email": "bad"},
        ]
    )
]
batch_url = f"/api/v1/campaigns/{phones.slug}/signatures/batch/"
first = device.post(batch_url, {"signatures": items}, content_type="application/json")
again = device.post(batch_url, {"signatures": items}, content_type="application/json")
public = Client().post(
    f"/api/v1/campaigns/{phones.slug}/signatures/",
    {"name": "Q", "phone": "+59171234599", "country": "BO", "consent": True},
    content_type="application/json",
)
field = {
    "batch": first.status_code,
    "results": [item["result"] for item in first.json()["results"]],
    "again_same": first.json() == again.json(),
    "rows": Signature.objects.filter(campaign=phones).count(),
    "batch_items": BatchItem.objects.count(),
    "public_phone_only": public.status_code,
}
json.dump(
    {
        "statuses": {name: response.status_code for name, response in cases.items()},
        "field": field,
    },
    sys.stdout,
)

"""Action Network's client libraries, from PyPI, pointed at a real Voces (gunicorn on the test
database), changing nothing but their base URL.

Two clients that take a base URL (others hard-code actionnetwork.org):

- `osdi` 0.3.1 (`ActionNetworkService(uri, key)`): list, get, find by email, create a person,
  set a custom field, tag and untag a person (its own `ANPerson.update()`), record a
  signature. It retries every
  failure ten times with growing sleeps (about 17 minutes): each call runs under a timeout.
- `parsons` 6.1.0 (`ActionNetwork`, whose base URL is the module's `API_URL`): the same
  calls through its own methods; where a method cannot work against anything but Action
  Network itself, the session says why (`add_tag` reads an `action_network:` identifier,
  `create_signature` sends its body as query parameters).

They are installed in a virtual environment of their own, made once by this module's setup and
kept in `.test-venvs/` (ignored by git); it needs the package index and nothing else. The
session is tests/api/osdi_client_session.py, run in that environment: one JSON line per call.
"""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from knox.models import AuthToken

from campaigns.models import Role
from signatures.models import Person, Signature, Tagging
from tallies import services as tallies
from tallies.models import CampaignTally
from tests.factories import (
    CampaignFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
    sign,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = ("osdi==0.3.1", "parsons==6.1.0")
VENVS = ROOT / ".test-venvs"
CALL_SECONDS = 30  # per call: the osdi client would retry a failure for minutes
SESSION_SECONDS = 240

SESSION = Path(__file__).with_name("osdi_client_session.py")


def _venv() -> Path:
    """A virtual environment with the pinned clients, made once and kept (a fresh clone
    makes it on its first run, from the package index)."""
    tag = "-".join(spec.replace("==", "-") for spec in CLIENTS)
    venv = VENVS / f"osdi-clients-{sys.version_info.major}.{sys.version_info.minor}-{tag}"
    python = venv / "bin" / "python"
    if (venv / ".complete").exists():
        return python
    VENVS.mkdir(exist_ok=True)
    building = venv.with_name(venv.name + f".building-{os.getpid()}")
    subprocess.run([sys.executable, "-m", "venv", str(building)], check=True, timeout=120)
    subprocess.run(
        [str(building / "bin" / "python"), "-m", "pip", "install", "--quiet", *CLIENTS],
        check=True,
        timeout=600,
    )
    (building / ".complete").write_text("\n".join(CLIENTS) + "\n")
    try:
        building.rename(venv)  # whole or absent, should two runs build at once
    except OSError:  # another run finished first: use its environment
        shutil.rmtree(building, ignore_errors=True)
    return venv / "bin" / "python"


@pytest.fixture(scope="session")
def clients_python() -> Path:
    return _venv()


@pytest.fixture
def partner(transactional_db):
    """An organisation with a campaign, two signers, an organiser's token and a tally."""
    organisation = OrganisationFactory(slug="atrh", name="ATRH")
    user = UserFactory(username="crm-sync")
    MembershipFactory(user=user, organisation=organisation, role=Role.ORGANISER)
    campaign = CampaignFactory(organisation=organisation, slug="c189-ecuador", countries=["EC"])
    sign(campaign, email="Juana@Example.org", name="Juana Mamani", country="EC")
    sign(campaign, email="lenny@example.org", name="Lenny Zambrano", country="EC")
    tallies.campaign_tally(campaign_id=campaign.id)
    _instance, token = AuthToken.objects.create(user=user, expiry=None)
    return {"token": token, "campaign": campaign, "organisation": organisation}


def run_session(python: Path, base: str, token: str, petition: int) -> list[dict]:
    started = time.monotonic()
    done = subprocess.run(
        [str(python), str(SESSION)],
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "VOCES_OSDI": base,
            "VOCES_TOKEN": token,
            "VOCES_PETITION": str(petition),
            "VOCES_CALL_SECONDS": str(CALL_SECONDS),
            "PYTHONWARNINGS": "ignore",
        },
        capture_output=True,
        text=True,
        timeout=SESSION_SECONDS,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines, done.stderr[-3000:]
    assert time.monotonic() - started < SESSION_SECONDS
    return lines


def test_action_network_clients_sync_with_voces(stack, partner, clients_python):
    stack.start_web()
    lines = run_session(
        clients_python, f"{stack.url}/api/osdi/v1", partner["token"], partner["campaign"].id
    )
    calls = {(line["client"], line["call"]): line for line in lines}
    answers = {key: line.get("answer") for key, line in calls.items()}
    failed = {key: line["error"] for key, line in calls.items() if not line["ok"]}
    # Every call works but two of parsons' methods, which nothing but Action Network can
    # answer: add_tag() reads the new tag's `action_network:` identifier (Voces' are its
    # own), create_signature() sends its body as query parameters.
    assert set(failed) == {("parsons", "add_tag(name)"), ("parsons", "create_signature(id, data)")}
    assert failed[("parsons", "add_tag(name)")].startswith("IndexError")
    assert "400" in failed[("parsons", "create_signature(id, data)")]
    juana = str(Person.objects.get(email_normalised="juana@example.org").id)
    killa = Person.objects.get(email_normalised="killa@example.org")
    expected = {
        ("osdi", "ActionNetworkService(uri, key)"): [],
        ("osdi", "get_model_raw(people, filter=modified_date gt)"): [
            "juana@example.org",
            "lenny@example.org",
        ],
        ("osdi", "find_person(email=)"): {"id": juana, "email": "Juana@Example.org", "tags": []},
        ("osdi", "find_person(email=) of nobody"): None,
        ("osdi", "person_by_id(id)"): {"id": juana, "email": "Juana@Example.org", "tags": []},
        ("osdi", "create_person()"): {
            "id": str(killa.id),
            "email": "killa@example.org",
            "tags": [],
            "created_is_modified": True,
            "custom_fields": {},
        },
        ("osdi", "_post_request(tags)"): "feria-cusco",
        ("osdi", "ActionNetworkService(uri, key) again"): ["feria-cusco"],
        ("osdi", "update_field(name, value); update()"): {"member_id": "A-17"},
        ("osdi", "update_tag(tag, True); update()"): ["feria-cusco"],
        ("osdi", "update_tag(tag, True); update() again"): ["feria-cusco"],
        ("osdi", "update_tag(tag, False); update()"): [],
        ("osdi", "_post_request(petitions/{id}/signatures)"): ["confirmed", "Voces"],
        ("parsons", "get_people(filter=modified_date gt)"): [
            "juana@example.org",
            "killa@example.org",
            "lenny@example.org",
            "wayra@example.org",
        ],
        ("parsons", "get_people(filter=email_address eq)"): ["Juana"],
        ("parsons", "get_person(id)"): "Juana",
        ("parsons", "upsert_person()"): ["Sisa", {}, True],
        ("parsons", "upsert_person() again"): ["Sisa", "Mamani Quispe"],
        ("parsons", "get_tags()"): ["feria-cusco"],
        ("parsons", "create_tagging(tag_id, payload)"): juana,
        ("parsons", "get_taggings(tag_id)"): 2,  # Sisa's (from upsert_person) and Juana's
        ("parsons", "delete_tagging(tag_id, tagging_id)"): {
            "notice": "The tagging was deleted.",
            "deleted": True,
        },
        # As last tallied (no worker runs here: the two of the fixture's tally).
        ("parsons", "get_petitions()"): [CampaignTally.objects.get().confirmed],
        ("parsons", "get_petition_signatures(id, filter=modified_date gt)"): 3,
        ("parsons", "api.post_request(petitions/{id}/signatures)"): "confirmed",
    }
    assert {key: answers[key] for key in expected} == expected
    assert not Tagging.objects.filter(person__email_normalised="juana@example.org").exists()
    assert not Tagging.objects.filter(person=killa).exists()
    assert Signature.objects.filter(email_normalised="inti@example.org").count() == 1
    assert "Traceback" not in stack.log("web")

"""Schemathesis against the OpenAPI schema, and Hypothesis on the signing service: whatever
arrives, no 5xx, and every answer matches what the schema promises."""

from pathlib import Path

import pytest
import schemathesis
from django.core.exceptions import ValidationError
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from knox.models import AuthToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from campaigns import access
from campaigns.models import DecisionMaker
from config.wsgi import application
from signatures import channels
from signatures.imports import signatures_import
from signatures.models import Signature
from signatures.services import signature_sign
from tests.factories import CampaignFactory, CollectorFactory, MembershipFactory, UserFactory, sign

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture
def api_schema():
    """The schema, served by the real WSGI application. Like Django's own test client, keep
    the end of each request from closing the test's database connection."""

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_token(transactional_db):
    organiser = UserFactory(username="fuzzer")
    campaign = CampaignFactory(slug="campaign-a")
    MembershipFactory(user=organiser, organisation=campaign.organisation, role="owner")
    CollectorFactory(organisation=campaign.organisation, code="rosa")
    _instance, token = AuthToken.objects.create(user=organiser, expiry=None)
    return token


EXAMPLES_PER_OPERATION = 60


# Transactional, as production runs: each request commits on its own (autocommit), so one
# refused value cannot poison the requests after it.
@pytest.mark.django_db(transaction=True)
def test_the_api_never_answers_5xx_and_keeps_to_its_schema(api_schema, fuzz_token):
    """Every operation of /api/v1/schema/, public and organiser, with an owner's token."""
    campaign = CampaignFactory._meta.model.objects.get(slug="campaign-a")
    sign(campaign, email="signer@example.org")
    maker = DecisionMaker.objects.create(organisation=campaign.organisation, name="M", country="BO")
    job = signatures_import(
        by=access.SYSTEM,
        campaign=campaign,
        content=b"name,email,country,postal_code,collector,signed_on\n",
    )
    known_ids = {
        "/api/v1/campaigns/{slug}/signatures/{id}/": Signature.objects.get().id,
        "/api/v1/decision-makers/{id}/": maker.id,
        "/api/v1/imports/{id}/": job.id,
    }
    cases = 0
    statuses: dict[int, int] = {}
    operations = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def call(case):
            nonlocal cases
            if cases % 2 and case.path_parameters:
                # Every other case aims at records that exist, past the 404s.
                real = dict(case.path_parameters)
                if "slug" in real:
                    org = case.operation.path.startswith("/api/v1/organisations/")
                    real["slug"] = "org-a" if org else "campaign-a"
                for key in ("pk", "id"):
                    if key in real:
                        real[key] = known_ids.get(case.operation.path, 1)
                case.path_parameters = real
            response = case.call_and_validate(
                # The WSGI transport does not inflate gzip as a browser would.
                headers={"Authorization": f"Token {fuzz_token}", "Accept-Encoding": "identity"},
                checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
            )
            cases += 1
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        call()
    assert operations >= 30
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "fuzz-cases.txt").write_text(
        f"{cases} schemathesis cases over {operations} operations, none a 5xx; "
        f"statuses {sorted(statuses.items())}\n"
    )


anything = st.one_of(
    st.text(max_size=300),
    st.none(),
    st.integers(),
    st.booleans(),
    st.floats(),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.text()),
)


@pytest.mark.django_db
@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    body=st.fixed_dictionaries(
        {},
        optional={
            field: anything
            for field in (
                "name",
                "email",
                "country",
                "consent",
                "postal_code",
                "region",
                "comment",
                "language",
                "collector",
                "source",
            )
        },
    )
    | anything
)
def test_the_signing_service_accepts_or_names_the_field_for_any_input(body):
    campaign = CampaignFactory()
    refused = None
    try:
        result = signature_sign(campaign=campaign, signer=body, channel=channels.API, language="es")
    except ValidationError as error:
        refused = error.message_dict
    if refused is not None:
        assert refused  # every refusal names its field
        assert not Signature.objects.filter(campaign=campaign).exists()
        return
    assert result.created
    stored = Signature.objects.get(campaign=campaign)
    assert stored.email_normalised == stored.email.strip().lower()

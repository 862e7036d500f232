"""Schemathesis on the results operations alone, with an owner's token: whatever arrives,
no 5xx, and every answer matches the schema (tests/test_fuzz.py covers the whole API; this
aims more examples at these operations, with records behind them)."""

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from campaigns.models import Campaign, DecisionMaker, Engagement, OutreachActivity
from results.models import Indicator, IndicatorValue
from tests.test_fuzz import api_schema, fuzz_token  # noqa: F401 - the fixtures

EXAMPLES = 25


@pytest.mark.django_db(transaction=True)
def test_the_results_operations_never_answer_5xx(api_schema, fuzz_token):  # noqa: F811
    campaign = Campaign.objects.get(slug="campaign-a")
    members = Indicator.objects.create(campaign=campaign, key="members", label="Members")
    IndicatorValue.objects.create(
        indicator=members, date=date(2024, 1, 1), value=10, breakdown={"women": 4, "men": 6}
    )
    OutreachActivity.objects.create(
        campaign=campaign, channel="radio", country="BO", date=date(2024, 1, 1), reach=10
    )
    maker = DecisionMaker.objects.create(organisation=campaign.organisation, name="M", country="BO")
    Engagement.objects.create(
        decision_maker=maker,
        campaign=campaign,
        kind="call",
        date=date(2024, 1, 1),
        stance="opposed",
    )
    organisation = campaign.organisation.slug
    operations = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        if "/results/" not in operation.path and "/indicators/" not in operation.path:
            continue
        operations += 1

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def call(case):
            real = dict(case.path_parameters or {})
            if "slug" in real and hash(str(case.query)) % 3:
                org = case.operation.path.startswith("/api/v1/organisations/")
                real["slug"] = organisation if org else "campaign-a"
            if "key" in real and hash(str(case.body)) % 2:
                real["key"] = "members"
            case.path_parameters = real
            case.call_and_validate(
                headers={"Authorization": f"Token {fuzz_token}", "Accept-Encoding": "identity"},
                checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
            )

        call()
    assert operations == 4 + 2  # two results, indicators and values (GET and POST)

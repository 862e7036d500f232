"""No input is a 500: what the security review sent, each answered with a clear 4xx."""

import pytest

from tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db

DEEP = "[" * 60_000


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/signatures/confirm/",
        "/api/osdi/v1/petitions/{id}/signatures/record_signature_helper/",
        "/api/v1/campaigns/{slug}/signatures/",
        "/api/osdi/v1/people/person_signup_helper/",
    ],
)
@pytest.mark.parametrize("body", [DEEP, '{"token": "a\\ud800b", "name": "a\\udc00"}'])
def test_bodies_nested_too_deeply_or_with_a_lone_surrogate_are_400(api, organiser_a, path, body):
    """Was: 60 KB of "[" answered 500 (RecursionError) on every DRF JSON endpoint."""
    campaign = CampaignFactory(organisation=organiser_a.memberships.get().organisation)
    api.force_authenticate(organiser_a)
    url = path.format(id=campaign.id, slug=campaign.slug)
    response = api.generic("POST", url, body[:60_000], content_type="application/json")
    assert response.status_code == 400, (url, response.status_code, response.content[:300])


def test_a_lone_surrogate_in_a_person_is_a_400_not_a_database_error(api, organiser_a):
    """Was: "given_name": "a\\ud800b" to the person signup helper answered 500."""
    api.force_authenticate(organiser_a)
    body = (
        '{"organisation": "org-a", "person": {"given_name": "a\\ud800b", '
        '"email_addresses": [{"address": "x@example.org"}]}}'
    )
    response = api.generic(
        "POST", "/api/osdi/v1/people/person_signup_helper/", body, content_type="application/json"
    )
    assert response.status_code == 400

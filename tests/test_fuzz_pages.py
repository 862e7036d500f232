"""Hypothesis where the OpenAPI schema does not reach: OSDI (filters, paging, bodies) and the
pages people use (the sign-up form, the dashboard's filters). Whatever arrives: no 5xx."""

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from knox.models import AuthToken

from tests.factories import CampaignFactory, MembershipFactory, UserFactory, sign

pytestmark = pytest.mark.django_db(transaction=True)
FUZZ = settings(
    max_examples=80,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
text = st.text(max_size=120)
words = st.sampled_from(
    ["created_date", "modified_date", "email_address", "eq", "ne", "gt", "lt", "ge", "le",
     "and", "or", "(", ")", "'2024-13-01'", "'2024-02-29T25:61:00+25:00'", "'0001-01-01'",
     "'9999-12-31T23:59:59-23:59'", "'a@b.org'", "''", "'", "not"]
)  # fmt: skip
filters = st.one_of(text, st.lists(words, max_size=12).map(" ".join))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=20,
)


@pytest.fixture
def world(transactional_db):
    organiser = UserFactory(username="fuzz-organiser")
    campaign = CampaignFactory(slug="fuzz")
    MembershipFactory(user=organiser, organisation=campaign.organisation, role="owner")
    sign(campaign, email="someone@example.org")
    token = AuthToken.objects.create(user=organiser, expiry=None)[1]
    dashboard = Client()
    dashboard.force_login(organiser)
    return {"campaign": campaign, "osdi": Client(HTTP_OSDI_API_TOKEN=token), "dash": dashboard}


def test_osdi_collections_never_answer_5xx_for_any_filter_or_page(world):
    osdi = world["osdi"]

    @FUZZ
    @given(
        path=st.sampled_from(["petitions", "people", "tags", "advocacy_campaigns"]),
        filter_=filters,
        page=st.one_of(text, st.integers(min_value=-(10**30), max_value=10**30).map(str)),
        per_page=st.one_of(text, st.integers().map(str)),
    )
    def call(path, filter_, page, per_page):
        response = osdi.get(
            f"/api/osdi/v1/{path}", {"filter": filter_, "page": page, "per_page": per_page}
        )
        assert response.status_code < 500, (path, filter_, page, response.content[:300])

    call()


def test_osdi_helpers_never_answer_5xx_for_any_body(world):
    osdi, campaign = world["osdi"], world["campaign"]

    @FUZZ
    @given(
        path=st.sampled_from(
            [
                "people/person_signup_helper",
                f"petitions/{campaign.id}/signatures/record_signature_helper",
            ]
        ),
        body=st.one_of(
            json_values,
            st.fixed_dictionaries(
                {"person": st.fixed_dictionaries(
                    {"given_name": text, "email_addresses": st.lists(
                        st.fixed_dictionaries({"address": text}), max_size=2)},
                )},
                optional={"add_tags": json_values, "referrer_data": json_values,
                          "triggers": json_values, "organisation": text, "comments": text},
            ),
        ),
    )  # fmt: skip
    def call(path, body):
        response = osdi.post(
            f"/api/osdi/v1/{path}/", json.dumps(body), content_type="application/json"
        )
        assert response.status_code < 500, (path, body, response.content[:300])

    call()


def test_the_sign_up_form_never_answers_5xx_for_any_fields(world):
    campaign = world["campaign"]
    public = Client()

    @FUZZ
    @given(
        fields=st.dictionaries(
            st.sampled_from(
                ["name", "email", "country", "postal_code", "comment", "consent", "ref",
                 "started", "website", "language", "source"]
            ),
            text,
        ),
        query=st.dictionaries(st.sampled_from(["lang", "ref", "partner"]), text, max_size=3),
        embed=st.booleans(),
    )  # fmt: skip
    def call(fields, query, embed):
        path = f"/c/{campaign.slug}/{'embed/' if embed else ''}"
        assert public.get(path, query).status_code < 500
        response = public.post(path + "?" + "&".join(f"{k}={v}" for k, v in query.items()), fields)
        assert response.status_code < 500, (fields, query, response.content[:300])

    call()


def test_the_dashboards_filters_never_answer_5xx(world):
    dash, campaign = world["dash"], world["campaign"]

    @FUZZ
    @given(
        query=st.dictionaries(
            st.sampled_from(
                ["client_hash", "email_domain", "status", "source", "collector", "country",
                 "created_after", "created_before", "q", "page", "review", "stance"]
            ),
            text,
        )
    )  # fmt: skip
    def call(query):
        for path in (f"/dashboard/c/{campaign.slug}/signatures/", f"/dashboard/c/{campaign.slug}/"):
            response = dash.get(path, query)
            assert response.status_code < 500, (path, query, response.content[:300])

    call()

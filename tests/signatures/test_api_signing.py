import json

import pytest
from django.test import override_settings

from signatures.client import address_hash
from signatures.models import Signature
from tallies.services import campaign_tally
from tests.factories import CampaignFactory, CollectorFactory

pytestmark = pytest.mark.django_db

SIGNER = {
    "name": "Rosa Quispe",
    "email": "Rosa.Quispe@Example.org",
    "country": "BO",
    "consent": True,
    "postal_code": "0201",
    "comment": "Por mi madre, trabajadora del hogar",
}


def url(campaign):
    return f"/api/v1/campaigns/{campaign.slug}/signatures/"


def test_signing_a_campaign_without_confirmation_is_confirmed(api, campaign_a):
    response = api.post(url(campaign_a), SIGNER, format="json")
    assert response.status_code == 201
    assert response.json() == {"duplicate": False, "status": "confirmed", "campaign": "campaign-a"}
    signature = Signature.objects.get()
    assert signature.email == "Rosa.Quispe@Example.org"
    assert signature.email_normalised == "rosa.quispe@example.org"
    assert signature.source == "api"
    assert signature.consent_text.version == 1
    assert signature.consented_at is not None
    assert signature.confirmed_at is not None


def test_signing_a_campaign_with_confirmation_is_pending_and_owes_an_email(api, org_a):
    campaign = CampaignFactory(organisation=org_a, require_confirmation=True)
    response = api.post(url(campaign), SIGNER, format="json")
    assert response.status_code == 201
    assert response.json()["status"] == "pending"
    assert Signature.objects.get().email_state == "owed"


@pytest.mark.parametrize(
    "email", ["rosa.quispe@example.org", "  ROSA.QUISPE@EXAMPLE.ORG ", "Rosa.Quispe@example.ORG"]
)
def test_the_same_email_in_any_case_is_a_duplicate_that_reveals_nothing(api, campaign_a, email):
    api.post(url(campaign_a), SIGNER, format="json")
    response = api.post(
        url(campaign_a), {**SIGNER, "email": email, "name": "Someone Else"}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == {"duplicate": True, "campaign": "campaign-a"}
    assert Signature.objects.count() == 1
    assert Signature.objects.get().name == "Rosa Quispe"


def test_the_same_person_may_sign_two_campaigns(api, campaign_a, org_a):
    other = CampaignFactory(organisation=org_a)
    assert api.post(url(campaign_a), SIGNER, format="json").status_code == 201
    assert api.post(url(other), SIGNER, format="json").status_code == 201


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"name": ""}, {"name"}),
        ({"email": "not-an-email"}, {"email"}),
        ({"country": "XX"}, {"country"}),
        ({"country": "Bolivia"}, {"country"}),
        ({"consent": False}, {"consent"}),
        ({"consent": "no"}, {"consent"}),
        ({"comment": "x" * 2001}, {"comment"}),
        ({"postal_code": "<script>"}, {"postal_code"}),
        ({"language": "de"}, {"language"}),
        ({"source": "import"}, {"source"}),
        ({"name": 42, "email": ["a"]}, {"name", "email"}),
        ({"name": "Ana\x00"}, {"name"}),
    ],
)
def test_invalid_fields_are_400_keyed_by_field(api, campaign_a, change, fields):
    response = api.post(url(campaign_a), {**SIGNER, **change}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == fields
    assert not Signature.objects.exists()


def test_missing_fields_are_all_named(api, campaign_a):
    response = api.post(url(campaign_a), {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"name", "email", "country", "consent"}


@pytest.mark.parametrize("body", ["[1, 2]", '"text"', "{not json", "null"])
def test_bodies_that_are_not_objects_are_400(api, campaign_a, body):
    response = api.generic("POST", url(campaign_a), body, content_type="application/json")
    assert response.status_code == 400


def test_unknown_and_unpublished_campaigns_are_404(api, draft_a):
    assert api.post("/api/v1/campaigns/nope/signatures/", SIGNER, format="json").status_code == 404
    assert api.post(url(draft_a), SIGNER, format="json").status_code == 404


def test_a_closed_campaign_is_409(api, org_a):
    closed = CampaignFactory(organisation=org_a, status="closed", outcome="won")
    response = api.post(url(closed), SIGNER, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "campaign_not_open"


@override_settings(SIGN_RATE="3/min")
def test_too_many_attempts_from_one_address_are_429_with_retry_after(api, campaign_a):
    for n in range(3):
        response = api.post(
            url(campaign_a),
            {**SIGNER, "email": f"p{n}@example.org"},
            format="json",
            REMOTE_ADDR="198.51.100.7",
        )
        assert response.status_code == 201
    response = api.post(
        url(campaign_a),
        {**SIGNER, "email": "p9@example.org"},
        format="json",
        REMOTE_ADDR="198.51.100.7",
    )
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 61
    # Another household is not affected.
    response = api.post(
        url(campaign_a),
        {**SIGNER, "email": "p9@example.org"},
        format="json",
        REMOTE_ADDR="198.51.100.8",
    )
    assert response.status_code == 201


@override_settings(SIGN_RATE="2/min", TRUSTED_PROXY_COUNT=0)
def test_a_forged_forwarded_for_does_not_escape_the_limit(api, campaign_a):
    codes = [
        api.post(
            url(campaign_a),
            {**SIGNER, "email": f"f{n}@example.org"},
            format="json",
            REMOTE_ADDR="203.0.113.5",
            HTTP_X_FORWARDED_FOR=f"10.0.0.{n}",
        ).status_code
        for n in range(3)
    ]
    assert codes == [201, 201, 429]


@override_settings(SIGN_RATE="2/min", TRUSTED_PROXY_COUNT=1)
def test_behind_a_trusted_proxy_the_forwarded_address_counts(api, campaign_a):
    codes = [
        api.post(
            url(campaign_a),
            {**SIGNER, "email": f"t{n}@example.org"},
            format="json",
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"6.6.6.6, 192.0.2.{n}",
        ).status_code
        for n in range(3)
    ]
    assert codes == [201, 201, 201]
    assert Signature.objects.get(email="t0@example.org").client_hash == address_hash("192.0.2.0")


def test_the_client_address_is_stored_only_as_a_keyed_hash(api, campaign_a):
    api.post(url(campaign_a), SIGNER, format="json", REMOTE_ADDR="192.0.2.44")
    signature = Signature.objects.get()
    assert signature.client_hash == address_hash("192.0.2.44")
    row = json.dumps(next(iter(Signature.objects.values())), default=str)
    assert "192.0.2.44" not in row


def test_oversized_bodies_are_413(api, campaign_a):
    body = {**SIGNER, "comment": "x" * (65 * 1024)}
    response = api.post(url(campaign_a), body, format="json")
    assert response.status_code == 413
    assert not Signature.objects.exists()


def test_partner_sites_may_call_it_across_origins(client, campaign_a):
    response = client.options(
        url(campaign_a),
        HTTP_ORIGIN="https://partner.example.net",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "access-control-allow-credentials" not in response


def test_a_collector_code_credits_the_collector(api, campaign_a, org_a):
    collector = CollectorFactory(organisation=org_a, code="rosa-el-alto")
    response = api.post(url(campaign_a), {**SIGNER, "collector": "rosa-el-alto"}, format="json")
    assert response.status_code == 201
    assert Signature.objects.get().collector == collector


def test_an_unknown_collector_code_is_a_field_error(api, campaign_a):
    response = api.post(url(campaign_a), {**SIGNER, "collector": "nobody"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"collector"}


def test_another_organisations_collector_is_unknown(api, campaign_a, org_b):
    CollectorFactory(organisation=org_b, code="other-org")
    response = api.post(url(campaign_a), {**SIGNER, "collector": "other-org"}, format="json")
    assert response.status_code == 400


NAMES = [
    "Juana Mamani Quispe",
    "Sumaq T'ika Ch'uqi",  # Quechua
    "Nguyễn Thị Thu Hương",  # Vietnamese
    "রহিমা খাতুন",  # Bengali
    "فاطمة الزهراء",  # Arabic
    "Mariama Issoufou Daouda",
    "Ана-Мария О'Нил",
    "王秀英",
]


@pytest.mark.parametrize("name", NAMES)
def test_names_in_any_script_survive_the_round_trip(api, campaign_a, organiser_a, name):
    response = api.post(url(campaign_a), {**SIGNER, "name": name}, format="json")
    assert response.status_code == 201
    api.force_authenticate(organiser_a)
    listed = api.get(url(campaign_a)).json()["results"][0]
    assert listed["name"] == name


def test_no_signer_detail_appears_in_any_public_answer(api, campaign_a):
    api.post(url(campaign_a), SIGNER, format="json")
    campaign_tally(campaign_id=campaign_a.id)
    public = [
        api.get("/api/v1/campaigns/").content,
        api.get(f"/api/v1/campaigns/{campaign_a.slug}/").content,
        api.get(f"/api/v1/campaigns/{campaign_a.slug}/stats/").content,
        api.get(f"/api/v1/campaigns/{campaign_a.slug}/count/").content,
        api.get(f"/c/{campaign_a.slug}/").content,
        api.get("/").content,
        api.post(url(campaign_a), SIGNER, format="json").content,
    ]
    secrets = [b"Rosa.Quispe", b"rosa.quispe", b"0201", b"trabajadora del hogar"]
    for body in public:
        for secret in secrets:
            assert secret not in body
    assert b'"confirmed":1' in public[2].replace(b" ", b"")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        # Valid as typed, but longer than the column once lower-cased ("İ" is two letters).
        (
            '{"name": "A", "email": "' + "İ" * 200 + '@example.org", "country": "BO", '
            '"consent": true}',
            "email",
        ),
        # A lone surrogate: JSON can carry it, UTF-8 cannot store it.
        ('{"name": "\\ud800", "email": "a@example.org", "country": "BO", "consent": true}', "name"),
    ],
)
def test_text_the_database_cannot_store_is_a_field_error(api, campaign_a, body, field):
    response = api.generic("POST", url(campaign_a), body.encode(), content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()) == {field}


def test_json_nested_too_deeply_is_a_400(api, campaign_a):
    response = api.generic("POST", url(campaign_a), "[" * 5000, content_type="application/json")
    assert response.status_code == 400

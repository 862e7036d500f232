import json

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from knox.models import AuthToken

from config.middleware import SIGNING_PATH
from signatures.client import address_hash
from signatures.models import Signature
from tallies.services import campaign_tally
from tests.factories import CampaignFactory, CollectorFactory, MembershipFactory, UserFactory, sign
from tests.signatures.test_identity import base_addresses, spellings

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
    assert response.json() == {"status": "confirmed", "campaign": "campaign-a"}
    signature = Signature.objects.get()
    assert signature.email == "Rosa.Quispe@Example.org"
    assert signature.email_normalised == "rosa.quispe@example.org"
    assert signature.source == "api"
    assert signature.consent_text.version == 2  # the one that says what a phone is for
    assert signature.consented_at is not None
    assert signature.confirmed_at is not None


def test_signing_a_campaign_with_confirmation_is_pending_and_owes_an_email(api, org_a):
    campaign = CampaignFactory(organisation=org_a, require_confirmation=True)
    response = api.post(url(campaign), SIGNER, format="json")
    assert response.status_code == 201
    assert response.json()["status"] == "pending"
    assert Signature.objects.get().email_state == "owed"


@pytest.mark.parametrize(
    "email",
    [
        "rosa.quispe@example.org",
        "  ROSA.QUISPE@EXAMPLE.ORG ",
        "Rosa.Quispe@example.ORG",
        "rosa.quispe@ex\u00adample.org",  # a soft hyphen: was a second signature
        "rosa.quispe@exam\u200dple.org",  # a zero-width joiner: was a second signature
        "rosa.quispe@\uff25XAMPLE.ORG",  # fullwidth letters: was a second signature
        "ro\u200bsa.quispe@example.org",
    ],
)
def test_look_alike_spellings_of_one_mailbox_are_one_person(api, campaign_a, email):
    api.post(url(campaign_a), SIGNER, format="json")
    response = api.post(
        url(campaign_a), {**SIGNER, "email": email, "name": "Someone Else"}, format="json"
    )
    assert response.status_code == 201  # to the public, a repeat looks like a new signature
    assert Signature.objects.count() == 1
    assert Signature.objects.get().name == "Rosa Quispe"


@pytest.mark.parametrize(
    ("first", "second"),
    [("rosa+1@example.org", "rosa@example.org"), ("r.osa@example.org", "rosa@example.org")],
)
def test_plus_and_dotted_addresses_stay_distinct_people(api, campaign_a, first, second):
    api.post(url(campaign_a), {**SIGNER, "email": first}, format="json")
    api.post(url(campaign_a), {**SIGNER, "email": second}, format="json")
    assert Signature.objects.count() == 2


def test_an_anonymous_repeat_is_answered_with_the_very_bytes_of_a_new_signature(api, org_a):
    """Was: 201 for a new email, 200 {"duplicate": true} for one that had signed, so anyone
    could test whether a given person signed."""
    for campaign in (
        CampaignFactory(organisation=org_a),
        CampaignFactory(organisation=org_a, require_confirmation=True),
    ):
        new = api.post(url(campaign), SIGNER, format="json")
        repeat = api.post(url(campaign), {**SIGNER, "name": "Other"}, format="json")
        assert (new.status_code, repeat.status_code) == (201, 201)
        assert new.content == repeat.content
        assert sorted(new.headers.items()) == sorted(repeat.headers.items())


def test_a_new_signature_and_a_repeat_do_the_same_work_in_the_request(
    api, org_a, django_capture_on_commit_callbacks
):
    campaign = CampaignFactory(organisation=org_a, require_confirmation=True)
    api.post(url(campaign), {**SIGNER, "email": "warm@example.org"}, format="json")  # caches
    work = []
    for email in ("juana@example.org", "juana@example.org"):
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks() as callbacks,
        ):
            api.post(url(campaign), {**SIGNER, "email": email}, format="json")
        work.append((len(queries), len(callbacks)))
    assert work[0] == work[1], work  # the same queries and the same tasks queued


@pytest.mark.parametrize(
    ("role", "status"),
    [("owner", 200), ("organiser", 200), ("collector", 201), ("viewer", 201), ("other", 201)],
)
def test_only_an_owners_or_organisers_token_learns_that_someone_signed(
    api, campaign_a, org_a, org_b, role, status
):
    user = UserFactory()
    MembershipFactory(
        user=user,
        organisation=org_b if role == "other" else org_a,
        role=role if role != "other" else "organiser",
    )
    token = AuthToken.objects.create(user=user, expiry=None)[1]
    api.post(url(campaign_a), SIGNER, format="json")
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = api.post(url(campaign_a), SIGNER, format="json")
    assert response.status_code == status
    if status == 200:
        assert response.json() == {"duplicate": True, "campaign": campaign_a.slug}


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


@override_settings(SIGN_RATE="2/min", TRUSTED_PROXIES=[])
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


@override_settings(SIGN_RATE="2/min", TRUSTED_PROXIES=["10.0.0.0/24"])
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


@override_settings(SIGN_RATE="2/min", TRUSTED_PROXIES=["10.0.0.0/24"])
def test_a_client_that_reaches_the_server_directly_cannot_spoof_the_forwarded_headers(
    api, campaign_a
):
    """Was: with TRUSTED_PROXY_COUNT=1, a client reaching gunicorn directly picked its own
    address (and claimed HTTPS) with X-Forwarded-For / X-Forwarded-Proto."""
    codes = [
        api.post(
            url(campaign_a),
            {**SIGNER, "email": f"d{n}@example.org"},
            format="json",
            REMOTE_ADDR="203.0.113.9",  # not one of the proxies
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
            HTTP_X_FORWARDED_PROTO="https",
        ).status_code
        for n in range(3)
    ]
    assert codes == [201, 201, 429]
    assert Signature.objects.get(email="d0@example.org").client_hash == address_hash("203.0.113.9")


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


# The headers every answer of the site carries, whichever middleware writes them.
SITE_HEADERS = [
    "X-Frame-Options",
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
    "Content-Language",
]


@pytest.mark.parametrize("body", [SIGNER, {"name": ""}], ids=["signed", "refused"])
def test_the_signing_lane_answers_with_the_headers_of_the_whole_chain(client, campaign_a, body):
    """A POST takes the lane (config.middleware.SigningLaneMiddleware); a GET on the same URL
    goes down the whole chain, to the organisers' list (401 here): the same site headers."""
    signed = client.post(
        url(campaign_a), body, content_type="application/json", HTTP_ORIGIN="https://p.example"
    )
    listed = client.get(url(campaign_a), HTTP_ORIGIN="https://p.example")
    assert (signed.status_code, listed.status_code) == (201 if body is SIGNER else 400, 401)
    # The POST took the lane: its URL was never resolved.
    assert signed.wsgi_request.resolver_match is None
    assert listed.wsgi_request.resolver_match.url_name == "campaign-signatures"
    for header in SITE_HEADERS:
        assert signed[header] == listed[header], header
    assert signed["Access-Control-Allow-Origin"] == "*"
    assert int(signed["Content-Length"]) == len(signed.content)
    assert "Set-Cookie" not in signed  # no session, CSRF or language cookie is written


def test_the_signing_lane_keeps_the_language_override(client, campaign_a):
    response = client.post(
        url(campaign_a) + "?lang=fr", {"name": ""}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response["Content-Language"] == "fr"
    assert response.cookies["django_language"].value == "fr"


@given(
    slug=st.text(alphabet=st.sampled_from("aZ09-_.~ é%/\n"), min_size=0, max_size=6),
    tail=st.sampled_from(["signatures/", "signatures", "signatures/batch/", "signatures//"]),
)
@settings(max_examples=200, deadline=None)
def test_the_signing_lane_takes_exactly_the_urls_the_url_conf_routes_to_signing(slug, tail):
    """The lane's own pattern and the URL conf's route for signing agree on every path."""
    path = f"/api/v1/campaigns/{slug}/{tail}"
    try:
        routed = resolve(path).url_name == "campaign-signatures"
    except Resolver404:
        routed = False
    assert (SIGNING_PATH.match(path) is not None) == routed, path


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
        # A lone surrogate: JSON can carry it, UTF-8 cannot store it (refused by the parser).
        ('{"name": "\\ud800", "email": "a@example.org", "country": "BO", "consent": true}', None),
    ],
)
def test_text_the_database_cannot_store_is_a_field_error(api, campaign_a, body, field):
    response = api.generic("POST", url(campaign_a), body.encode(), content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()) == ({field} if field else {"detail"})


def test_json_nested_too_deeply_is_a_400(api, campaign_a):
    response = api.generic("POST", url(campaign_a), "[" * 5000, content_type="application/json")
    assert response.status_code == 400


@pytest.mark.django_db
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), base=base_addresses())
def test_any_spelling_of_one_mailbox_signs_once_through_the_service(data, base):
    campaign = CampaignFactory()
    for _ in range(4):
        spelling = data.draw(spellings(base))
        sign(campaign, email=spelling)
    assert Signature.objects.filter(campaign=campaign).count() == 1


def test_a_region_given_as_an_iso_code_is_kept_as_one_and_any_other_as_typed(campaign_a):
    sign(campaign_a, email="a@example.org", region="bo-l")
    sign(campaign_a, email="b@example.org", region="El Alto")
    sign(campaign_a, email="c@example.org", region="xx-zz")
    regions = dict(Signature.objects.values_list("email", "region"))
    assert regions == {
        "a@example.org": "BO-L",
        "b@example.org": "El Alto",
        "c@example.org": "xx-zz",
    }

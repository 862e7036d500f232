"""OSDI conformance: a client that knows only the entry point and a token. Every request
below follows a link from an earlier answer; no test builds a URL of its own."""

from datetime import date

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from campaigns.models import DecisionMaker, Engagement
from signatures.models import Person, Signature
from signatures.people import _people_sync_python, _people_sync_sql
from tallies import services as tallies
from tallies.models import CampaignTally
from tests.factories import CampaignFactory, CollectorFactory, sign
from webhooks.models import WebhookDelivery
from webhooks.payloads import signature_payload

pytestmark = pytest.mark.django_db

ENTRY = "/api/osdi/v1/"


@pytest.fixture
def osdi(organiser_a, campaign_a, org_a):
    """(anonymous client, client with the organiser's token, the campaign)."""
    CollectorFactory(organisation=org_a, code="rosa")
    sign(
        campaign_a,
        email="Juana@Example.org",
        name="Juana Mamani Quispe",
        postal_code="0201",
        collector="rosa",
        comment="Por mi madre",
    )
    sign(campaign_a, email="lenny@example.org", name="Lenny Zambrano", country="EC")
    tallies.campaign_tally(campaign_id=campaign_a.id)
    _instance, token = AuthToken.objects.create(user=organiser_a, expiry=None)
    authed = APIClient(HTTP_OSDI_API_TOKEN=token)
    return APIClient(), authed, campaign_a


def follow(client, href, **params):
    response = client.get(href, params)
    assert response["Content-Type"].startswith("application/hal+json"), response.content
    return response


def entry(client):
    return follow(client, ENTRY).json()


def first_petition(client, campaign):
    petitions = follow(client, entry(client)["_links"]["osdi:petitions"]["href"]).json()
    return next(p for p in petitions["_embedded"]["osdi:petitions"] if p["name"] == campaign.slug)


def test_the_entry_point_names_everything(osdi):
    _anonymous, authed, _campaign = osdi
    body = entry(authed)
    assert body["osdi_version"] == "1.2"
    assert body["namespace"] == "voces"
    assert body["max_pagesize"] == 100
    for key in ("motd", "vendor_name", "product_name"):
        assert body[key]
    links = body["_links"]
    assert links["curies"][0]["templated"] is True
    assert links["curies"][0]["name"] == "osdi"
    for rel in (
        "self",
        "osdi:people",
        "osdi:petitions",
        "osdi:advocacy_campaigns",
        "osdi:tags",
        "osdi:person_signup_helper",
    ):
        assert links[rel]["href"].startswith("http"), rel


def test_petitions_page_through_and_each_resolves(osdi, org_a):
    anonymous, _authed, campaign = osdi
    CampaignFactory(organisation=org_a)
    CampaignFactory(organisation=org_a)
    first_page = follow(
        anonymous, entry(anonymous)["_links"]["osdi:petitions"]["href"], per_page=1
    ).json()
    assert first_page["total_records"] == 3
    assert first_page["total_pages"] == 3
    assert first_page["per_page"] == 1
    assert "previous" not in first_page["_links"]
    second_page = follow(anonymous, first_page["_links"]["next"]["href"]).json()
    assert second_page["page"] == 2
    assert follow(anonymous, second_page["_links"]["previous"]["href"]).json()["page"] == 1
    too_many = follow(
        anonymous, entry(anonymous)["_links"]["osdi:petitions"]["href"], per_page=5000
    ).json()
    assert too_many["per_page"] == 100  # capped at max_pagesize
    petition = first_petition(anonymous, campaign)
    assert petition["identifiers"] == [f"voces:petition-{campaign.id}"]
    for key in (
        "created_date",
        "modified_date",
        "title",
        "description",
        "petition_text",
        "browser_url",
        "total_signatures",
        "target",
    ):
        assert key in petition
    one = follow(anonymous, petition["_links"]["self"]["href"]).json()
    assert one["title"] == campaign.title


def test_a_petition_that_is_gone_is_404(osdi):
    anonymous, _authed, campaign = osdi
    href = first_petition(anonymous, campaign)["_links"]["self"]["href"]
    campaign.status = "draft"
    campaign.save()
    assert anonymous.get(href).status_code == 404


def test_total_signatures_equals_the_tally(osdi):
    anonymous, _authed, campaign = osdi
    petition = first_petition(anonymous, campaign)
    assert petition["total_signatures"] == CampaignTally.objects.get(campaign=campaign).confirmed
    assert petition["total_signatures"] == 2


def test_signatures_link_to_people_who_resolve(osdi):
    _anonymous, authed, campaign = osdi
    petition = first_petition(authed, campaign)
    signatures = follow(authed, petition["_links"]["osdi:signatures"]["href"]).json()
    assert signatures["total_records"] == 2
    for item in signatures["_embedded"]["osdi:signatures"]:
        assert item["_links"]["osdi:petition"]["href"] == petition["_links"]["self"]["href"]
        person = follow(authed, item["_links"]["osdi:person"]["href"]).json()
        assert person["email_addresses"][0]["address"].lower() in (
            "juana@example.org",
            "lenny@example.org",
        )
        assert item["_embedded"]["osdi:person"]["identifiers"] == person["identifiers"]
    juana = next(
        s for s in signatures["_embedded"]["osdi:signatures"] if s["comments"] == "Por mi madre"
    )
    assert juana["referrer_data"] == {"source": "api", "referrer": "rosa"}
    person = juana["_embedded"]["osdi:person"]
    assert (person["given_name"], person["family_name"]) == ("Juana", "Mamani Quispe")
    assert person["postal_addresses"][0]["postal_code"] == "0201"
    own = follow(authed, person["_links"]["osdi:signatures"]["href"]).json()
    assert own["total_records"] == 1


def test_protected_collections_want_a_token(osdi, organiser_b):
    anonymous, _authed, campaign = osdi
    links = entry(anonymous)["_links"]
    for rel in ("osdi:people", "osdi:tags"):
        response = anonymous.get(links[rel]["href"])
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "OSDI-API-Token"
    signatures = first_petition(anonymous, campaign)["_links"]["osdi:signatures"]["href"]
    assert anonymous.get(signatures).status_code == 401
    bad = APIClient(HTTP_OSDI_API_TOKEN="not-a-token")
    assert bad.get(links["osdi:people"]["href"]).status_code == 401
    # Another organisation's token sees none of these people or signatures.
    _instance, other = AuthToken.objects.create(user=organiser_b, expiry=None)
    stranger = APIClient(HTTP_OSDI_API_TOKEN=other)
    assert follow(stranger, links["osdi:people"]["href"]).json()["total_records"] == 0
    assert stranger.get(signatures).status_code == 404


def test_the_filter(osdi):
    _anonymous, authed, _campaign = osdi
    people = entry(authed)["_links"]["osdi:people"]["href"]
    assert (
        follow(authed, people, filter="modified_date gt '2000-01-01'").json()["total_records"] == 2
    )
    assert (
        follow(authed, people, filter="created_date lt '2000-01-01'").json()["total_records"] == 0
    )
    both = "modified_date ge '2000-01-01' and created_date le '2999-01-01'"
    assert follow(authed, people, filter=both).json()["total_records"] == 2
    unknown = authed.get(people, {"filter": "email eq 'x@example.org'"})
    assert unknown.status_code == 400
    error = unknown.json()["resource_status"][0]["errors"][0]
    assert "email" in error["description"]
    assert authed.get(people, {"filter": "modified_date soon '2000-01-01'"}).status_code == 400
    assert authed.get(people, {"filter": "modified_date gt 'yesterday'"}).status_code == 400


def helper(client, campaign, body):
    href = first_petition(client, campaign)["_links"]["osdi:record_signature_helper"]["href"]
    return client.post(href, body, format="json")


PERSON = {
    "given_name": "Mariama",
    "family_name": "Issoufou",
    "email_addresses": [{"address": "mariama@example.org"}],
    "postal_addresses": [{"postal_code": "8001", "country": "BO"}],
}


def test_the_signature_helper_authenticated_then_repeated(osdi):
    _anonymous, authed, campaign = osdi
    response = helper(
        authed, campaign, {"person": PERSON, "comments": "Sí", "add_tags": ["volunteer"]}
    )
    assert response.status_code == 201, response.json()
    first = response.json()
    assert first["comments"] == "Sí"
    person_href = first["_links"]["osdi:person"]["href"]
    again = helper(
        authed,
        campaign,
        {
            "person": {
                **PERSON,
                "email_addresses": [{"address": "MARIAMA@example.org"}],
                "given_name": "",
                "family_name": "Issoufou Daouda",
            }
        },
    )
    assert again.status_code == 200
    assert again.json()["_links"]["osdi:person"]["href"] == person_href
    person = follow(authed, person_href).json()
    # Merged, not replaced: the given name stays, the family name is updated.
    assert (person["given_name"], person["family_name"]) == ("Mariama", "Issoufou Daouda")
    taggings = follow(authed, person["_links"]["osdi:taggings"]["href"]).json()
    tag = follow(authed, taggings["_embedded"]["osdi:taggings"][0]["_links"]["osdi:tag"]["href"])
    assert tag.json()["name"] == "volunteer"
    assert Signature.objects.filter(email_normalised="mariama@example.org").count() == 1


def test_the_signature_helper_blind_reveals_nothing(osdi):
    anonymous, _authed, campaign = osdi
    first = helper(anonymous, campaign, {"person": PERSON})
    assert (first.status_code, first.json()) == (200, {})
    repeat = helper(anonymous, campaign, {"person": PERSON})
    assert (repeat.status_code, repeat.json()) == (200, {})
    assert Signature.objects.filter(email_normalised="mariama@example.org").count() == 1


def test_the_signature_helper_refuses_a_person_without_email(osdi):
    anonymous, authed, campaign = osdi
    for client in (anonymous, authed):
        response = helper(client, campaign, {"person": {"given_name": "Sin Correo"}})
        assert response.status_code == 400
        errors = response.json()["resource_status"][0]["errors"]
        assert errors[0]["properties"] == ["person.email_addresses"]
        assert errors[0]["description"]


def test_the_signature_helper_keeps_the_campaigns_double_opt_in(osdi, org_a, mailoutbox):
    anonymous, authed, _campaign = osdi
    confirming = CampaignFactory(organisation=org_a, require_confirmation=True)
    helper(authed, confirming, {"person": PERSON})
    assert Signature.objects.get(campaign=confirming).status == "pending"
    assert Signature.objects.get(campaign=confirming).email_state == "owed"
    helper(
        authed,
        confirming,
        {
            "person": {**PERSON, "email_addresses": [{"address": "quiet@example.org"}]},
            "triggers": {"autoresponse": {"enabled": False}},
        },
    )
    assert Signature.objects.get(email="quiet@example.org").email_state == "none"
    helper(
        anonymous,
        confirming,
        {
            "person": {**PERSON, "email_addresses": [{"address": "blind@example.org"}]},
            "triggers": {"autoresponse": {"enabled": False}},
        },
    )
    assert Signature.objects.get(email="blind@example.org").email_state == "owed"


def test_the_person_signup_helper_matches_by_email_and_merges(osdi):
    _anonymous, authed, _campaign = osdi
    href = entry(authed)["_links"]["osdi:person_signup_helper"]["href"]
    created = authed.post(href, {"person": PERSON, "add_tags": ["rally-2026"]}, format="json")
    assert created.status_code == 201
    again = authed.post(
        href,
        {
            "person": {
                "email_addresses": [{"address": "Mariama@Example.org"}],
                "postal_addresses": [{"postal_code": "9999"}],
            }
        },
        format="json",
    )
    assert again.status_code == 200
    assert again.json()["identifiers"] == created.json()["identifiers"]
    assert again.json()["given_name"] == "Mariama"
    assert again.json()["postal_addresses"][0]["postal_code"] == "9999"
    tags = follow(authed, entry(authed)["_links"]["osdi:tags"]["href"]).json()
    assert [t["name"] for t in tags["_embedded"]["osdi:tags"]] == ["rally-2026"]
    no_email = authed.post(href, {"person": {"given_name": "X"}}, format="json")
    assert no_email.status_code == 400
    assert APIClient().post(href, {"person": PERSON}, format="json").status_code == 401


def test_advocacy_campaigns_and_their_outreaches(osdi, org_a, organiser_a):
    anonymous, authed, campaign = osdi
    maker = DecisionMaker.objects.create(
        organisation=org_a,
        name="Carmen Rojas",
        country="BO",
        role="Diputada",
        institution="Comisión de Trabajo",
    )
    Engagement.objects.create(
        decision_maker=maker,
        campaign=campaign,
        kind="meeting",
        date=date(2013, 3, 1),
        stance="champion",
    )
    listing = follow(anonymous, entry(anonymous)["_links"]["osdi:advocacy_campaigns"]["href"])
    item = next(
        c
        for c in listing.json()["_embedded"]["osdi:advocacy_campaigns"]
        if c["name"] == campaign.slug
    )
    assert item["targets"] == "Carmen Rojas"
    assert item["target_list"][0]["organization"] == "Comisión de Trabajo"
    assert item["total_outreaches"] == 1
    assert anonymous.get(item["_links"]["osdi:outreaches"]["href"]).status_code == 401
    outreaches = follow(authed, item["_links"]["osdi:outreaches"]["href"]).json()
    assert outreaches["_embedded"]["osdi:outreaches"][0]["stance"] == "champion"
    assert first_petition(anonymous, campaign)["target"] == [{"name": "Carmen Rojas"}]


def test_new_signatures_go_to_listening_crms_in_osdi_shape_once(osdi, crm_webhook):
    _anonymous, _authed, campaign = osdi
    sign(campaign, email="new@example.org", name="Nueva Firmante")
    tallies.campaign_tally(campaign_id=campaign.id)
    tallies.campaign_tally(campaign_id=campaign.id)
    delivery = WebhookDelivery.objects.get(event="signature")
    payload = signature_payload(delivery.signature_id)  # rendered when it is sent
    assert payload["idempotency_key"].startswith("voces-signature-")
    assert payload["osdi:signature"]["person"]["email_addresses"][0]["address"] == (
        "new@example.org"
    )
    assert payload["osdi:signature"]["_links"]["osdi:petition"]["href"].endswith(
        f"/api/osdi/v1/petitions/{campaign.id}/"
    )


def test_people_are_made_the_same_way_by_the_database_and_by_python(org_a, org_b):
    names = ["Juana Mamani Quispe", "Lenny", "María  del Carmen Ñuñez", "王秀英"]
    for org in (org_a, org_b):
        campaign = CampaignFactory(organisation=org)
        for n, name in enumerate(names):
            sign(campaign, email=f"P{n}@Example.org", name=name, postal_code=f"0{n}", country="PE")
        sign(campaign, email="dup@example.org", name="First Name")
        sign(CampaignFactory(organisation=org), email="DUP@example.org", name="Second Name")
    assert _people_sync_python(org_a.id) == _people_sync_sql(org_b.id) == 5

    def people(org):
        return sorted(
            Person.objects.filter(organisation=org).values_list(
                "email_normalised", "email", "given_name", "family_name", "country", "postal_code"
            )
        )

    assert people(org_a) == people(org_b)
    assert ("dup@example.org", "dup@example.org", "First", "Name", "BO", "") in people(org_a)

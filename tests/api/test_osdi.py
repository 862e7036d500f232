"""OSDI conformance: a client that knows only the entry point and a token. Every request
below follows a link from an earlier answer (with and without its trailing slash); no test
builds a URL of its own, except to show that an unknown one is OSDI's 404.

The cases of issue 16 are here as they were found with Action Network's client libraries
(tests/api/test_osdi_clients.py drives two of them against a real server)."""

import json
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from campaigns.models import DecisionMaker, Engagement
from config.middleware import service_unavailable
from config.views import server_error
from signatures.confirmation import confirmation_token, signature_confirm
from signatures.models import Person, PersonIdentifier, Signature, Tagging
from signatures.people import _people_sync_python, _people_sync_sql
from signatures.review import signature_review
from signatures.rights import signer_erase, signer_people_export
from tallies import services as tallies
from tallies.models import CampaignTally
from tests.factories import CampaignFactory, CollectorFactory, MembershipFactory, UserFactory, sign
from webhooks.models import WebhookDelivery
from webhooks.payloads import signature_payload

pytestmark = pytest.mark.django_db

ENTRY = "/api/osdi/v1/"
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def token_client(user) -> APIClient:
    _instance, token = AuthToken.objects.create(user=user, expiry=None)
    return APIClient(HTTP_OSDI_API_TOKEN=token)


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
    return APIClient(), token_client(organiser_a), campaign_a


def follow(client, href, **params):
    response = client.get(href, params)
    assert response["Content-Type"].startswith("application/hal+json"), response.content
    return response


def got(client, href, **params) -> dict:
    """GET `href` as given and with the other trailing slash: the same 200 answer."""
    response = follow(client, href, **params)
    assert response.status_code == 200, (href, response.content)
    path, _mark, query = href.partition("?")
    other = (path[:-1] if path.endswith("/") else path + "/") + (f"?{query}" if query else "")
    again = follow(client, other, **params)
    assert again.status_code == 200, (other, again.content)
    assert again.json() == response.json(), other
    return response.json()


def entry(client):
    return got(client, ENTRY)


def href(body, rel) -> str:
    return body["_links"][rel]["href"]


def send(client, method, url, body=None, **extra):
    response = getattr(client, method)(url, body, format="json", **extra)
    assert response["Content-Type"].startswith("application/hal+json"), response.content
    return response


def osdi_error(response, status: int) -> dict:
    """The answer is OSDI's error shape, with this status, in English."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/hal+json"), response.content
    assert response["Content-Language"] == "en"
    body = response.json()
    assert body["response_code"] == status
    (resource,) = body["resource_status"]
    assert resource["response_code"] == status
    (error,) = resource["errors"]
    assert error["code"]
    assert error["description"]
    assert body["error"] == error["description"]  # Action Network's key, beside OSDI's
    return error


def first_petition(client, campaign):
    petitions = got(client, href(entry(client), "osdi:petitions"))
    return next(p for p in petitions["_embedded"]["osdi:petitions"] if p["name"] == campaign.slug)


def the_id(resource: dict) -> str:
    """The id a client takes from the last segment of a resource's self link."""
    return href(resource, "self").rsplit("/", 1)[1]


PERSON = {
    "given_name": "Mariama",
    "family_name": "Issoufou",
    "email_addresses": [{"address": "mariama@example.org"}],
    "postal_addresses": [{"postal_code": "8001", "country": "BO"}],
}


# --- The entry point and walking the API ---------------------------------------------------


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


def _hrefs(body):
    """Every link in an answer, embedded resources' too."""
    if isinstance(body, dict):
        for key, value in body.items():
            if key == "href" and isinstance(value, str):
                yield value
            elif key != "curies":
                yield from _hrefs(value)
    elif isinstance(body, list):
        for item in body:
            yield from _hrefs(item)


def test_every_link_resolves_with_and_without_its_slash_and_none_ends_with_one(osdi, org_a):
    """Was: `people/` only; `people` answered a 301 that clients follow as a GET, and a
    client that takes ids from the last segment of `self` got ""."""
    _anonymous, authed, campaign = osdi
    maker = DecisionMaker.objects.create(organisation=org_a, name="Carmen Rojas", country="BO")
    Engagement.objects.create(
        decision_maker=maker, campaign=campaign, kind="call", date="2026-01-05", stance="champion"
    )
    send(authed, "post", href(entry(authed), "osdi:people"), {"person": PERSON, "add_tags": ["t"]})
    seen, queue = set(), [ENTRY]
    while queue:
        url = queue.pop()
        if url in seen or "page=" in url:
            continue
        seen.add(url)
        body = got(authed, url)
        for found in _hrefs(body):
            assert found.startswith("http://testserver/api/osdi/v1"), found
            assert not found.endswith("/"), found
            if "helper" not in found and "{" not in found:
                queue.append(found)
    kinds = {re.sub(r"/\d+", "/N", url.split("/api/osdi/v1")[1].lstrip("/")) for url in seen}
    assert {
        "",  # the entry point, also without its slash (the base URL clients are given)
        "people",
        "people/N",
        "people/N/taggings",
        "people/N/signatures",
        "petitions/N",
        "petitions/N/signatures",
        "petitions/N/signatures/N",
        "advocacy_campaigns/N/outreaches/N",
        "tags/N",
        "tags/N/taggings",
        "tags/N/taggings/N",
    } <= kinds


def test_the_old_slashed_addresses_still_answer(osdi):
    _anonymous, authed, campaign = osdi
    petition = first_petition(authed, campaign)
    assert got(authed, href(petition, "self") + "/")["title"] == campaign.title
    old_helper = href(petition, "osdi:signatures") + "/record_signature_helper/"
    response = send(authed, "post", old_helper, {"person": PERSON})
    assert response.status_code == 201, response.content


def test_petitions_page_through_and_each_resolves(osdi, org_a):
    anonymous, _authed, campaign = osdi
    CampaignFactory(organisation=org_a)
    CampaignFactory(organisation=org_a)
    first_page = got(anonymous, href(entry(anonymous), "osdi:petitions"), per_page=1)
    assert first_page["total_records"] == 3
    assert first_page["total_pages"] == 3
    assert first_page["per_page"] == 1
    assert "previous" not in first_page["_links"]
    second_page = got(anonymous, href(first_page, "next"))
    assert second_page["page"] == 2
    assert got(anonymous, href(second_page, "previous"))["page"] == 1
    too_many = got(anonymous, href(entry(anonymous), "osdi:petitions"), per_page=5000)
    assert too_many["per_page"] == 100  # capped at max_pagesize
    past_the_end = got(anonymous, href(entry(anonymous), "osdi:petitions"), page=7)
    assert past_the_end["_embedded"]["osdi:petitions"] == []
    petition = first_petition(anonymous, campaign)
    for key in (
        "created_date",
        "modified_date",
        "title",
        "summary",
        "description",
        "petition_text",
        "browser_url",
        "total_signatures",
        "target",
        "origin_system",
    ):
        assert key in petition
    one = got(anonymous, href(petition, "self"))
    assert one["title"] == campaign.title


def test_a_petition_that_is_gone_is_404(osdi):
    anonymous, _authed, campaign = osdi
    url = href(first_petition(anonymous, campaign), "self")
    campaign.status = "draft"
    campaign.save()
    osdi_error(anonymous.get(url), 404)


# --- Identifiers ---------------------------------------------------------------------------


def test_identifiers_are_the_url_ids_and_the_old_form_still_finds_them(osdi):
    """Was: only `voces:person-1` while the URL said 1: a script taking the id from the
    identifiers (as from `action_network:<id>`) got 404."""
    _anonymous, authed, campaign = osdi
    people = got(authed, href(entry(authed), "osdi:people"))["_embedded"]["osdi:people"]
    petition = first_petition(authed, campaign)
    signatures = got(authed, href(petition, "osdi:signatures"))["_embedded"]["osdi:signatures"]
    for kind, resource in (
        ("person", people[0]),
        ("petition", petition),
        ("signature", signatures[0]),
    ):
        number = the_id(resource)
        assert resource["identifiers"][:2] == [f"voces:{number}", f"voces:{kind}-{number}"]
    person = people[0]
    listing = href(entry(authed), "osdi:people")
    for identifier in person["identifiers"][:2]:
        found = got(authed, listing, filter=f"identifier eq '{identifier}'")
        assert [p["identifiers"] for p in found["_embedded"]["osdi:people"]] == [
            person["identifiers"]
        ]
    nobody = got(authed, listing, filter=f"identifier eq 'voces:tag-{the_id(person)}'")
    assert nobody["total_records"] == 0
    assert got(authed, listing, filter="identifier eq 'action_network:12'")["total_records"] == 0
    malformed = authed.get(listing, {"filter": f"identifier eq 'voces:{'9' * 20}'"})
    assert osdi_error(malformed, 400)["code"] == "INVALID_FILTER"
    others = got(authed, listing, filter=f"identifier ne 'voces:{the_id(person)}'")
    assert others["total_records"] == len(people) - 1


def test_a_client_s_identifiers_are_kept_returned_and_found(osdi):
    """Was: `foreign_system:1` was dropped."""
    _anonymous, authed, _campaign = osdi
    listing = href(entry(authed), "osdi:people")
    body = {"person": {**PERSON, "identifiers": ["foreign_system:1", "voces:999"]}}
    created = send(authed, "post", listing, body)
    assert created.status_code == 201, created.content
    person = created.json()
    number = the_id(person)
    # Ours first, then theirs; a `voces:` one they send is ours to make, not stored.
    assert person["identifiers"] == [
        f"voces:{number}",
        f"voces:person-{number}",
        "foreign_system:1",
    ]
    found = got(authed, listing, filter="identifier eq 'foreign_system:1'")
    assert [the_id(p) for p in found["_embedded"]["osdi:people"]] == [number]
    # Another person cannot take it.
    other = {"person": {**PERSON, "email_addresses": [{"address": "b@example.org"}]}}
    taken = send(
        authed,
        "post",
        listing,
        {**other, "person": {**other["person"], "identifiers": ["foreign_system:1"]}},
    )
    assert osdi_error(taken, 409)["code"] == "IDENTIFIER_TAKEN"
    assert not Person.objects.filter(email_normalised="b@example.org").exists()
    bad = send(authed, "post", listing, {"person": {**PERSON, "identifiers": ["no-colon"]}})
    assert osdi_error(bad, 400)["properties"] == ["person.identifiers"]


# --- People: create, update, find ----------------------------------------------------------


def test_post_people_creates_then_merges_by_email_without_blanking(osdi):
    _anonymous, authed, _campaign = osdi
    listing = href(entry(authed), "osdi:people")
    created = send(authed, "post", listing, {"person": PERSON, "add_tags": ["rally-2026"]})
    assert created.status_code == 201, created.content
    first = created.json()
    # Clients tell created from updated by comparing these.
    assert first["created_date"] == first["modified_date"]
    assert STAMP.match(first["created_date"])
    assert first["custom_fields"] == {}
    assert first["origin_system"] == "Voces"
    assert first["email_addresses"] == [
        {
            "primary": True,
            "address": "mariama@example.org",
            "address_type": "personal",
            "status": "unsubscribed",
        }
    ]
    Person.objects.update(modified=timezone.now() - timedelta(days=1))
    yesterday = got(authed, href(first, "self"))["modified_date"]
    # The same again changes nothing, so it is no modification.
    assert send(authed, "post", listing, {"person": PERSON}).json()["modified_date"] == yesterday
    again = send(
        authed,
        "post",
        listing + "/",  # the slashed spelling too: no redirect, the same write
        {
            "person": {
                "given_name": "",
                "email_addresses": [{"address": "MARIAMA@Example.org"}],
                "postal_addresses": [{"postal_code": "9999"}],
                "custom_fields": {},
            }
        },
    )
    assert again.status_code == 200, again.content
    person = again.json()
    assert person["identifiers"] == first["identifiers"]
    assert person["given_name"] == "Mariama"  # a blank replaces nothing
    assert person["postal_addresses"][0]["postal_code"] == "9999"
    assert person["modified_date"] > yesterday
    assert person["created_date"] == first["created_date"]
    tags = got(authed, href(entry(authed), "osdi:tags"))
    assert [t["name"] for t in tags["_embedded"]["osdi:tags"]] == ["rally-2026"]
    assert Person.objects.filter(email_normalised="mariama@example.org").count() == 1


def test_the_person_signup_helper_is_the_same_write(osdi):
    anonymous, authed, _campaign = osdi
    helper = href(entry(authed), "osdi:person_signup_helper")
    assert send(authed, "post", helper, {"person": PERSON}).status_code == 201
    assert send(authed, "post", helper, {"person": PERSON}).status_code == 200
    osdi_error(send(anonymous, "post", helper, {"person": PERSON}), 401)
    no_contact = send(authed, "post", helper, {"person": {"given_name": "X"}})
    assert osdi_error(no_contact, 400)["properties"] == ["person.email_addresses"]


def test_people_are_matched_by_phone_when_no_email_is_given(osdi):
    _anonymous, authed, _campaign = osdi
    listing = href(entry(authed), "osdi:people")
    # Parsons sends the digits alone, without the +.
    phone_only = {"given_name": "Killa", "phone_numbers": [{"number": "59171234567"}]}
    first = send(authed, "post", listing, {"person": phone_only})
    assert first.status_code == 201, first.content
    assert first.json()["phone_numbers"][0]["number"] == "+59171234567"
    assert "email_addresses" not in first.json()
    again = send(
        authed,
        "post",
        listing,
        {"person": {"family_name": "Huamán", "phone_numbers": [{"number": "+591 7123-4567"}]}},
    )
    assert again.status_code == 200
    assert (again.json()["given_name"], again.json()["family_name"]) == ("Killa", "Huamán")
    # With an email, the email is the person: a new one, with the phone as a detail.
    with_email = send(
        authed,
        "post",
        listing,
        {"person": {**phone_only, "email_addresses": [{"address": "killa@example.org"}]}},
    )
    assert with_email.status_code == 201
    found = got(authed, listing, filter="phone_number eq '+59171234567'")
    assert found["total_records"] == 2
    bad = send(authed, "post", listing, {"person": {"phone_numbers": [{"number": "12"}]}})
    assert osdi_error(bad, 400)["properties"] == ["person.phone_numbers"]


def test_put_changes_a_person_without_blanking_and_keeps_who_they_are(osdi):
    _anonymous, authed, _campaign = osdi
    person = send(authed, "post", href(entry(authed), "osdi:people"), {"person": PERSON}).json()
    url = href(person, "self")
    changed = send(authed, "put", url, {"family_name": "Daouda", "given_name": ""})
    assert changed.status_code == 200, changed.content
    assert (changed.json()["given_name"], changed.json()["family_name"]) == ("Mariama", "Daouda")
    assert got(authed, url)["family_name"] == "Daouda"
    # The osdi client's ANPerson.update() sends the custom fields it changed, at the top.
    assert send(authed, "put", url, {"custom_fields": {}}).status_code == 200
    custom = send(authed, "put", url, {"custom_fields": {"member_id": "7"}})
    assert custom.json()["custom_fields"] == {"member_id": "7"}
    moved = send(authed, "put", url, {"email_addresses": [{"address": "new@example.org"}]})
    assert osdi_error(moved, 400)["properties"] == ["email_addresses"]
    same = send(authed, "put", url, {"email_addresses": [{"address": "Mariama@EXAMPLE.org"}]})
    assert same.status_code == 200


def test_custom_fields_are_kept_filled_in_and_never_blanked(osdi):
    """Was: no `custom_fields` at all (clients index it); then a write sending some was
    refused, so a script setting one (the osdi client's update_field) failed whole."""
    _anonymous, authed, _campaign = osdi
    listing = href(entry(authed), "osdi:people")
    body = {"person": {**PERSON, "custom_fields": {"member_id": "A-17", "volunteer": True}}}
    created = send(authed, "post", listing, body)
    assert created.status_code == 201, created.content
    assert created.json()["custom_fields"] == {"member_id": "A-17", "volunteer": True}
    url = href(created.json(), "self")
    # A blank value says nothing; a new one is added, a changed one replaces the old.
    merged = send(
        authed,
        "post",
        listing,
        {"person": {**PERSON, "custom_fields": {"member_id": "", "shift": "mañana", "x": None}}},
    )
    assert merged.json()["custom_fields"] == {
        "member_id": "A-17",
        "volunteer": True,
        "shift": "mañana",
    }
    put = send(authed, "put", url, {"custom_fields": {"volunteer": False, "notes": "a\nb"}})
    assert put.json()["custom_fields"]["volunteer"] is False
    assert got(authed, url)["custom_fields"]["notes"] == "a\nb"
    # Signing with a token merges them too.
    helper = href(first_petition(authed, _campaign), "osdi:record_signature_helper")
    signed = send(authed, "post", helper, {"person": {**PERSON, "custom_fields": {"k": 3}}})
    assert signed.json()["_embedded"]["osdi:person"]["custom_fields"]["k"] == 3
    for bad in ([1], {"": "x"}, {"k": {"nested": 1}}, {"k": "x" * 1001}, {"k": "\x00"}):
        refused = send(authed, "put", url, {"custom_fields": bad})
        assert osdi_error(refused, 400)["properties"] == ["custom_fields"], bad
    nested = send(authed, "post", listing, {"person": {**PERSON, "custom_fields": [1]}})
    assert osdi_error(nested, 400)["properties"] == ["person.custom_fields"]
    too_many = {f"f{n}": "v" for n in range(101)}
    osdi_error(send(authed, "put", url, {"custom_fields": too_many}), 400)
    # A person made of signatures has none.
    people = got(authed, listing, filter="email_address eq 'lenny@example.org'")
    assert people["_embedded"]["osdi:people"][0]["custom_fields"] == {}


def test_find_a_person_by_email_in_any_spelling(osdi):
    """Was: `email_address eq '…'` was INVALID_FILTER, so "find by email" failed."""
    _anonymous, authed, _campaign = osdi
    listing = href(entry(authed), "osdi:people")
    found = got(authed, listing, filter="email_address eq 'JUANA@example.org'")
    (person,) = found["_embedded"]["osdi:people"]
    assert person["given_name"] == "Juana"
    assert (
        got(authed, listing, filter="email_address eq 'nobody@example.org'")["total_records"] == 0
    )
    assert got(authed, listing, filter="email_address eq 'not an email'")["total_records"] == 0


# --- Signatures ------------------------------------------------------------------------------


def test_signatures_link_to_people_who_resolve(osdi):
    _anonymous, authed, campaign = osdi
    petition = first_petition(authed, campaign)
    signatures = got(authed, href(petition, "osdi:signatures"))
    assert signatures["total_records"] == 2
    for item in signatures["_embedded"]["osdi:signatures"]:
        assert href(item, "osdi:petition") == href(petition, "self")
        person = got(authed, href(item, "osdi:person"))
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
    own = got(authed, href(person, "osdi:signatures"))
    assert own["total_records"] == 1


def test_action_network_s_signature_post_with_an_inline_person(osdi):
    """Was: no POST on a petition's signatures."""
    _anonymous, authed, campaign = osdi
    signatures = href(first_petition(authed, campaign), "osdi:signatures")
    body = {
        "person": {**PERSON, "languages_spoken": ["fr"]},
        "comments": "Sí",
        "add_tags": ["volunteer"],
        "action_date": "2026-11-20T09:30:00-05:00",
        "origin_system": "CiviCRM",
        "referrer_data": {
            "source": "newsletter-nov",
            "referrer": "rosa",
            "website": "https://atrh.example.org/firma",
        },
    }
    response = send(authed, "post", signatures, body)
    assert response.status_code == 201, response.content
    first = response.json()
    assert first["comments"] == "Sí"
    # Was: action_date, referrer_data.source, referrer and website dropped.
    assert first["action_date"] == "2026-11-20T14:30:00Z"
    assert first["origin_system"] == "CiviCRM"
    assert first["referrer_data"] == {
        "source": "newsletter-nov",
        "referrer": "rosa",
        "website": "https://atrh.example.org/firma",
    }
    assert STAMP.match(first["created_date"])
    assert first["created_date"] == first["modified_date"]
    assert got(authed, href(first, "self")) == first
    stored = Signature.objects.get(email_normalised="mariama@example.org")
    assert (stored.language, stored.collector.code, stored.client_hash) == ("fr", "rosa", "")
    person_href = href(first, "osdi:person")
    again = send(
        authed,
        "post",
        signatures,
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
    assert href(again.json(), "self") == href(first, "self")
    assert href(again.json(), "osdi:person") == person_href
    person = got(authed, person_href)
    # Merged, not replaced: the given name stays, the family name is updated.
    assert (person["given_name"], person["family_name"]) == ("Mariama", "Issoufou Daouda")
    taggings = got(authed, href(person, "osdi:taggings"))
    tag = got(authed, href(taggings["_embedded"]["osdi:taggings"][0], "osdi:tag"))
    assert tag["name"] == "volunteer"
    assert Signature.objects.filter(email_normalised="mariama@example.org").count() == 1


def test_the_record_signature_helper_where_osdi_puts_it(osdi):
    _anonymous, authed, campaign = osdi
    helper = href(first_petition(authed, campaign), "osdi:record_signature_helper")
    assert helper.endswith(f"/petitions/{campaign.id}/record_signature_helper")
    assert send(authed, "post", helper, {"person": PERSON}).status_code == 201
    assert send(authed, "post", helper + "/", {"person": PERSON}).status_code == 200


def test_a_signature_for_a_person_named_by_link(osdi):
    """Parsons' create_signature sends `_links.osdi:person`, as Action Network documents."""
    anonymous, authed, campaign = osdi
    person = send(authed, "post", href(entry(authed), "osdi:people"), {"person": PERSON}).json()
    signatures = href(first_petition(authed, campaign), "osdi:signatures")
    body = {"comments": "Firmo", "_links": {"osdi:person": {"href": href(person, "self")}}}
    response = send(authed, "post", signatures, body)
    assert response.status_code == 201, response.content
    assert href(response.json(), "osdi:person") == href(person, "self")
    assert Signature.objects.get(email_normalised="mariama@example.org").name == "Mariama Issoufou"
    osdi_error(send(anonymous, "post", signatures, body), 401)
    elsewhere = {"_links": {"osdi:person": {"href": "https://actionnetwork.org/api/v2/people/1"}}}
    assert osdi_error(send(authed, "post", signatures, elsewhere), 400)["properties"] == [
        "_links.osdi:person"
    ]


def test_the_signature_helper_blind_reveals_nothing(osdi):
    anonymous, _authed, campaign = osdi
    helper = href(first_petition(anonymous, campaign), "osdi:record_signature_helper")
    first = send(anonymous, "post", helper, {"person": PERSON})
    assert (first.status_code, first.json()) == (200, {})
    repeat = send(anonymous, "post", helper, {"person": PERSON})
    assert (repeat.status_code, repeat.json()) == (200, {})
    assert Signature.objects.filter(email_normalised="mariama@example.org").count() == 1
    stored = Signature.objects.get(email_normalised="mariama@example.org")
    assert stored.client_hash  # from the signer's browser: its address counts, as on our forms


def test_another_organisation_s_token_is_refused_not_treated_as_anonymous(osdi, organiser_b, org_a):
    """Was: 200 {} as for an anonymous post, the token ignored."""
    _anonymous, _authed, campaign = osdi
    helper = href(first_petition(APIClient(), campaign), "osdi:record_signature_helper")
    viewer = UserFactory(username="viewer-osdi")
    MembershipFactory(user=viewer, organisation=org_a, role="viewer")
    for client in (token_client(organiser_b), token_client(viewer)):
        error = osdi_error(send(client, "post", helper, {"person": PERSON}), 403)
        assert error["code"] == "FORBIDDEN"
    assert not Signature.objects.filter(email_normalised="mariama@example.org").exists()


def test_the_signature_helper_refuses_a_person_without_email_or_phone(osdi):
    anonymous, authed, campaign = osdi
    helper = href(first_petition(anonymous, campaign), "osdi:record_signature_helper")
    for client in (anonymous, authed):
        response = send(client, "post", helper, {"person": {"given_name": "Sin Correo"}})
        assert osdi_error(response, 400)["properties"] == ["person.email_addresses"]
        nothing = send(client, "post", helper, {})
        assert osdi_error(nothing, 400)["code"] == "MISSING_REQUIRED_FIELD"
    bad = send(
        authed, "post", helper, {"person": {**PERSON, "email_addresses": [{"address": "x@"}]}}
    )
    assert osdi_error(bad, 400)["properties"] == ["person.email_addresses"]


def test_autoresponse_false_means_the_partner_vouches_and_the_signature_counts(
    osdi, org_a, mailoutbox
):
    """Was: pending forever, never counted, on a campaign that asks for confirmation."""
    anonymous, authed, _campaign = osdi
    confirming = CampaignFactory(
        organisation=org_a, require_confirmation=True, contact="email_or_phone"
    )
    helper = href(first_petition(authed, confirming), "osdi:record_signature_helper")
    asked = send(authed, "post", helper, {"person": PERSON})
    assert asked.json()["status"] == "pending"
    assert Signature.objects.get(campaign=confirming).email_state == "owed"
    quiet = {"triggers": {"autoresponse": {"enabled": False}}}
    vouched = send(
        authed,
        "post",
        helper,
        {"person": {**PERSON, "email_addresses": [{"address": "quiet@example.org"}]}, **quiet},
    )
    assert vouched.json()["status"] == "confirmed"
    row = Signature.objects.get(email="quiet@example.org")
    assert (row.status, row.email_state) == ("confirmed", "none")
    # A partner vouches for a phone alone as a collector does.
    by_phone = send(
        authed,
        "post",
        helper,
        {"person": {"given_name": "Killa", "phone_numbers": [{"number": "+59171234567"}]}, **quiet},
    )
    assert by_phone.status_code == 201, by_phone.content
    tallies.campaign_tally(campaign_id=confirming.id)
    assert CampaignTally.objects.get(campaign=confirming).confirmed == 2
    petition = first_petition(authed, confirming)
    listed = got(authed, href(petition, "osdi:signatures"))
    assert petition["total_signatures"] == listed["total_records"] == 2
    # Without a token the switch means nothing: the campaign's confirmation stands.
    send(
        anonymous,
        "post",
        helper,
        {"person": {**PERSON, "email_addresses": [{"address": "blind@example.org"}]}, **quiet},
    )
    assert Signature.objects.get(email="blind@example.org").email_state == "owed"
    assert mailoutbox == []  # sent by a task, after the answer


def test_rejected_signatures_are_hidden_and_counts_agree(osdi, organiser_a):
    """Was: rejected signatures listed; total_signatures disagreeing with the collection."""
    _anonymous, authed, campaign = osdi
    rejected = Signature.objects.get(email_normalised="lenny@example.org")
    signature_review(by=organiser_a, campaign=campaign, signature_id=rejected.id, status="rejected")
    tallies.campaign_tally(campaign_id=campaign.id)
    petition = first_petition(authed, campaign)
    listed = got(authed, href(petition, "osdi:signatures"))
    assert petition["total_signatures"] == listed["total_records"] == 1
    urls = [href(s, "self") for s in listed["_embedded"]["osdi:signatures"]]
    assert not any(url.endswith(f"/{rejected.id}") for url in urls)
    gone = urls[0].rsplit("/", 1)[0] + f"/{rejected.id}"
    osdi_error(authed.get(gone), 404)


# --- Tags and taggings -----------------------------------------------------------------------


def test_tags_are_made_once_and_taggings_are_idempotent(osdi):
    """Was: no POST on tags; a tagging POST to `tags/1/taggings` was redirected, followed as
    a GET, answered the list with 200 and created nothing."""
    _anonymous, authed, _campaign = osdi
    tags = href(entry(authed), "osdi:tags")
    made = send(authed, "post", tags, {"name": "volunteers"})
    assert made.status_code == 201, made.content
    tag = made.json()
    assert tag["identifiers"][0] == f"voces:{the_id(tag)}"
    assert send(authed, "post", tags, {"name": "volunteers"}).json() == tag
    assert send(authed, "post", tags, {"name": "volunteers"}).status_code == 200
    osdi_error(send(authed, "post", tags, {"name": ""}), 400)

    got(authed, href(entry(authed), "osdi:people"))  # people are made of signatures on reading
    Person.objects.update(modified=timezone.now() - timedelta(days=1))
    juana = got(
        authed, href(entry(authed), "osdi:people"), filter="email_address eq 'juana@example.org'"
    )
    person = juana["_embedded"]["osdi:people"][0]
    link = {"_links": {"osdi:person": {"href": href(person, "self")}}}
    tagging = send(authed, "post", href(tag, "osdi:taggings"), link)
    assert tagging.status_code == 201, tagging.content
    assert send(authed, "post", href(tag, "osdi:taggings") + "/", link).status_code == 200
    assert Tagging.objects.count() == 1
    assert href(tagging.json(), "osdi:person") == href(person, "self")
    # A person's taggings are part of what a CRM syncs of them.
    assert got(authed, href(person, "self"))["modified_date"] > person["modified_date"]
    listed = got(authed, href(person, "osdi:taggings"))["_embedded"]["osdi:taggings"]
    assert [href(t, "osdi:tag") for t in listed] == [href(tag, "self")]

    deleted = send(authed, "delete", href(tagging.json(), "self"))
    assert deleted.status_code == 200
    assert deleted.json()["deleted"] is True
    again = send(authed, "delete", href(tagging.json(), "self"))
    assert (again.status_code, again.json()["deleted"]) == (200, False)
    # And by the person, on the collection.
    send(authed, "post", href(tag, "osdi:taggings"), link)
    by_person = send(authed, "delete", href(tag, "osdi:taggings"), link)
    assert (by_person.status_code, by_person.json()["deleted"]) == (200, True)
    assert not Tagging.objects.exists()


def test_a_person_s_two_tags_are_two_tags(osdi):
    """Was: ids from `self` links ending in "/" made a person's two tags read as one."""
    _anonymous, authed, _campaign = osdi
    person = send(
        authed,
        "post",
        href(entry(authed), "osdi:people"),
        {"person": PERSON, "add_tags": ["a", "b"]},
    ).json()
    taggings = got(authed, href(person, "osdi:taggings"))["_embedded"]["osdi:taggings"]
    tag_ids = {href(t, "osdi:tag").rsplit("/", 1)[1] for t in taggings}
    assert len(tag_ids) == 2
    assert "" not in tag_ids


def test_another_organisation_cannot_tag_or_see_these_people(osdi, organiser_b):
    _anonymous, authed, _campaign = osdi
    tag = send(authed, "post", href(entry(authed), "osdi:tags"), {"name": "ours"}).json()
    stranger = token_client(organiser_b)
    osdi_error(stranger.get(href(tag, "self")), 404)
    osdi_error(send(stranger, "post", href(tag, "osdi:taggings"), {}), 404)
    people = got(stranger, href(entry(stranger), "osdi:people"))
    assert people["total_records"] == 0
    # A tag of its own it may make; in another organisation, not.
    assert (
        send(stranger, "post", href(entry(stranger), "osdi:tags"), {"name": "x"}).status_code == 201
    )
    refused = send(
        stranger, "post", href(entry(stranger), "osdi:tags"), {"name": "x", "organisation": "org-a"}
    )
    assert osdi_error(refused, 403)["properties"] == ["organisation"]


# --- Filters ---------------------------------------------------------------------------------


def test_the_filter_per_osdi(osdi):
    """Was: `ne`, `or` and parentheses refused."""
    _anonymous, authed, _campaign = osdi
    people = href(entry(authed), "osdi:people")

    def count(text):
        return got(authed, people, filter=text)["total_records"]

    assert count("modified_date gt '2000-01-01'") == 2
    assert count("created_date lt '2000-01-01'") == 0
    assert count("modified_date ge '2000-01-01' and created_date le '2999-01-01'") == 2
    assert count("email_address ne 'juana@example.org'") == 1
    assert (
        count("email_address eq 'juana@example.org' or email_address eq 'lenny@example.org'") == 2
    )
    assert (
        count(
            "(email_address eq 'juana@example.org' or postal_code eq '0201') "
            "and created_date gt '2000-01-01'"
        )
        == 1
    )
    assert count("postal_code eq '0201'") == 1
    unknown = authed.get(people, {"filter": "email eq 'x@example.org'"})
    error = osdi_error(unknown, 400)
    assert error["code"] == "INVALID_FILTER"
    assert error["properties"] == ["filter"]
    assert "email" in error["description"]
    osdi_error(authed.get(people, {"filter": "modified_date soon '2000-01-01'"}), 400)
    osdi_error(authed.get(people, {"filter": "modified_date gt 'yesterday'"}), 400)


def test_a_signature_s_modified_date_is_when_it_changed(osdi, org_a):
    """Was: the signatures' modified_date filter filtered on creation time."""
    _anonymous, authed, _campaign = osdi
    confirming = CampaignFactory(organisation=org_a, require_confirmation=True)
    sign(confirming, email="late@example.org", name="Late Confirmer")
    row = Signature.objects.get(campaign=confirming)
    Signature.objects.filter(id=row.id).update(created=timezone.now() - timedelta(days=3))
    assert Signature.objects.get(id=row.id).modified is None  # `created` is no modification
    bound = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    signatures = href(first_petition(authed, confirming), "osdi:signatures")
    assert got(authed, signatures)["total_records"] == 0  # pending: not a signature yet
    signature_confirm(token=confirmation_token(signature_id=row.id))
    changed = got(authed, signatures, filter=f"modified_date gt '{bound}'")
    assert changed["total_records"] == 1
    item = changed["_embedded"]["osdi:signatures"][0]
    assert item["modified_date"] > item["created_date"]
    assert got(authed, signatures, filter=f"created_date gt '{bound}'")["total_records"] == 0


def test_the_tally_s_bookkeeping_is_no_modification_but_a_review_is(campaign_a, organiser_a):
    sign(campaign_a, email="a@example.org")
    row = Signature.objects.get()
    tallies.campaign_tally(campaign_id=campaign_a.id)
    Signature.objects.filter(id=row.id).update(email_sends=2, email_state="sent")
    assert Signature.objects.get(id=row.id).modified is None
    signature_review(by=organiser_a, campaign=campaign_a, signature_id=row.id, status="rejected")
    assert Signature.objects.get(id=row.id).modified is not None


def test_the_trigger_watches_the_columns_the_model_names():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgname = 'signature_modified'"
        )
        (definition,) = cursor.fetchone()
    watched = set(re.findall(r"\bold\.(\w+)", definition, flags=re.IGNORECASE))
    named = {Signature._meta.get_field(name).column for name in Signature.MODIFYING_FIELDS}
    assert watched == named


# --- Errors ----------------------------------------------------------------------------------


def test_every_error_is_osdi_s_shape_in_english(osdi, organiser_a):
    """Was: DRF's {"detail"} in Spanish, unknown addresses an HTML page."""
    anonymous, authed, campaign = osdi
    spanish = {"HTTP_ACCEPT_LANGUAGE": "es"}
    people = href(entry(anonymous), "osdi:people")
    unauthenticated = anonymous.get(people, **spanish)
    assert osdi_error(unauthenticated, 401)["description"].startswith("Send your API token")
    assert unauthenticated["WWW-Authenticate"] == "OSDI-API-Token"
    osdi_error(APIClient(HTTP_OSDI_API_TOKEN="not-a-token").get(people, **spanish), 401)
    for unknown in (
        ENTRY + "nothing-here",
        ENTRY + "people/abc",
        ENTRY + "tags/1//taggings",
        ENTRY + "people/123456789012345678901",
        "/api/osdi",
        "/api/osdi/",
        "/api/osdi/v2/people",
        "/api/osdi/v1.2/",
    ):
        osdi_error(authed.get(unknown, **spanish), 404)
        osdi_error(authed.post(unknown, {}, format="json", **spanish), 404)
    not_allowed = authed.delete(href(first_petition(authed, campaign), "self"), **spanish)
    assert osdi_error(not_allowed, 405)["code"] == "METHOD_NOT_ALLOWED"
    closed = CampaignFactory(organisation=campaign.organisation, status="closed")
    helper = href(first_petition(authed, closed), "osdi:record_signature_helper")
    shut = send(authed, "post", helper, {"person": PERSON}, **spanish)
    assert osdi_error(shut, 409)["description"] == "This campaign is not open for signing."
    broken = authed.generic("POST", people, "{", content_type="application/json", **spanish)
    osdi_error(broken, 400)


def test_what_fails_before_a_view_runs_is_osdi_s_shape_too(osdi, rf):
    """Was: a body over the limit answered {"detail"}; so would an outage or a crash."""
    _anonymous, authed, _campaign = osdi
    people = href(entry(authed), "osdi:people")
    big = {"person": {**PERSON, "given_name": "x" * 70_000}}
    error = osdi_error(send(authed, "post", people, big), 413)
    assert error["code"] == "TOO_LARGE"
    unavailable = service_unavailable(rf.get("/api/osdi/v1/people"))
    assert unavailable["Retry-After"] == "30"
    crashed = server_error(rf.get("/api/osdi/v1/people"))
    for response, status in ((unavailable, 503), (crashed, 500)):
        assert response.status_code == status
        assert json.loads(response.content)["response_code"] == status
        assert response["Content-Type"] == "application/hal+json"
    # Elsewhere in the API, the API's own shape.
    assert "detail" in json.loads(server_error(rf.get("/api/v1/campaigns/")).content)


def test_a_token_s_writes_have_their_own_limit_with_retry_after(osdi, settings):
    """Was: token posts held to the public 60/min (429 with an empty body after 63)."""
    _anonymous, authed, campaign = osdi
    settings.SIGN_RATE = "1/min"  # the public's, per address: not a partner's script's
    settings.OSDI_RATE = "4/min"
    helper = href(first_petition(authed, campaign), "osdi:record_signature_helper")
    for n in range(3):
        body = {"person": {**PERSON, "email_addresses": [{"address": f"p{n}@example.org"}]}}
        assert send(authed, "post", helper, body).status_code == 201
    people = href(entry(authed), "osdi:people")
    assert send(authed, "post", people, {"person": PERSON}).status_code == 201  # the 4th write
    limited = send(authed, "post", people, {"person": PERSON})
    assert osdi_error(limited, 429)["code"] == "RATE_LIMITED"
    assert 1 <= int(limited["Retry-After"]) <= 61
    assert got(authed, people)["total_records"] >= 3  # reads are not held to it
    # Another token has a limit of its own.
    other = token_client(UserFactory(is_superuser=True))
    assert (
        send(other, "post", people, {"person": PERSON, "organisation": "org-a"}).status_code == 200
    )


def test_the_public_limit_answers_in_osdi_s_shape_too(osdi, settings):
    _anonymous, _authed, campaign = osdi
    anonymous = APIClient(REMOTE_ADDR="198.51.100.61")  # an address of its own this minute
    settings.SIGN_RATE = "1/min"
    helper = href(first_petition(anonymous, campaign), "osdi:record_signature_helper")
    assert send(anonymous, "post", helper, {"person": PERSON}).status_code == 200
    limited = send(anonymous, "post", helper, {"person": PERSON})
    osdi_error(limited, 429)
    assert int(limited["Retry-After"]) >= 1


# --- The rest of the shapes ------------------------------------------------------------------


def test_times_are_utc_to_the_second_with_a_z(osdi):
    _anonymous, authed, campaign = osdi
    petition = first_petition(authed, campaign)
    signature = got(authed, href(petition, "osdi:signatures"))["_embedded"]["osdi:signatures"][0]
    person = signature["_embedded"]["osdi:person"]
    for resource in (petition, signature, person):
        for key in ("created_date", "modified_date"):
            assert STAMP.match(resource[key]), (key, resource[key])
    assert STAMP.match(signature["action_date"])


def test_summary_and_description_are_not_the_same_text(osdi):
    anonymous, _authed, campaign = osdi
    petition = first_petition(anonymous, campaign)
    assert petition["summary"] == campaign.summary
    assert petition["description"] == f"<p>{campaign.petition_text}</p>"
    assert petition["petition_text"] == campaign.petition_text


def test_total_signatures_equals_the_tally(osdi):
    anonymous, _authed, campaign = osdi
    petition = first_petition(anonymous, campaign)
    assert petition["total_signatures"] == CampaignTally.objects.get(campaign=campaign).confirmed
    assert petition["total_signatures"] == 2


def test_protected_collections_want_a_token(osdi, organiser_b):
    anonymous, _authed, campaign = osdi
    links = entry(anonymous)["_links"]
    for rel in ("osdi:people", "osdi:tags"):
        response = anonymous.get(links[rel]["href"])
        osdi_error(response, 401)
        assert response["WWW-Authenticate"] == "OSDI-API-Token"
    signatures = href(first_petition(anonymous, campaign), "osdi:signatures")
    osdi_error(anonymous.get(signatures), 401)
    # Another organisation's token sees none of these people or signatures.
    stranger = token_client(organiser_b)
    assert got(stranger, links["osdi:people"]["href"])["total_records"] == 0
    osdi_error(stranger.get(signatures), 404)


def test_advocacy_campaigns_and_their_outreaches(osdi, org_a):
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
        date="2013-03-01",
        stance="champion",
    )
    listing = got(anonymous, href(entry(anonymous), "osdi:advocacy_campaigns"))
    item = next(
        c for c in listing["_embedded"]["osdi:advocacy_campaigns"] if c["name"] == campaign.slug
    )
    assert item["targets"] == "Carmen Rojas"
    assert item["target_list"][0]["organization"] == "Comisión de Trabajo"
    assert item["total_outreaches"] == 1
    osdi_error(anonymous.get(href(item, "osdi:outreaches")), 401)
    outreaches = got(authed, href(item, "osdi:outreaches"))
    outreach = outreaches["_embedded"]["osdi:outreaches"][0]
    assert (outreach["stance"], outreach["subject"]) == ("champion", "Meeting")
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
    # The same address the API's own links give, without a trailing slash.
    assert payload["osdi:signature"]["_links"]["osdi:petition"]["href"].endswith(
        f"/api/osdi/v1/petitions/{campaign.id}"
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
    # A person made from signatures: never changed since, so the two dates are one.
    assert not Person.objects.exclude(created=F("modified")).exists()
    assert not PersonIdentifier.objects.exists()


def test_a_page_of_signatures_costs_the_same_queries_whatever_its_size(osdi):
    _anonymous, authed, campaign = osdi
    for n in range(6):
        sign(campaign, email=f"more{n}@example.org", name=f"More {n}")
    signatures = href(first_petition(authed, campaign), "osdi:signatures")
    got(authed, signatures)  # the people are made once, on the first read
    with CaptureQueriesContext(connection) as one:
        assert (
            len(follow(authed, signatures, per_page=1).json()["_embedded"]["osdi:signatures"]) == 1
        )
    with CaptureQueriesContext(connection) as eight:
        assert (
            len(follow(authed, signatures, per_page=8).json()["_embedded"]["osdi:signatures"]) == 8
        )
    assert len(eight) == len(one)


def test_identifiers_and_tags_go_when_the_person_is_erased(osdi, organiser_a, org_a):
    _anonymous, authed, _campaign = osdi
    body = {
        "person": {**PERSON, "identifiers": ["crm:77"], "custom_fields": {"member_id": "A-17"}},
        "add_tags": ["volunteer"],
    }
    person = send(authed, "post", href(entry(authed), "osdi:people"), body).json()
    added = send(authed, "put", href(person, "self"), {"identifiers": ["crm:78"]}).json()
    assert added["identifiers"][2:] == ["crm:77", "crm:78"]
    # What the signer takes away on request holds all of it.
    (record,) = signer_people_export(organisation=org_a, email="mariama@example.org")
    assert record["identifiers"] == ["crm:77", "crm:78"]
    assert (record["custom_fields"], record["tags"]) == ({"member_id": "A-17"}, ["volunteer"])
    signer_erase(by=organiser_a, organisation=org_a, email="mariama@example.org")
    assert not PersonIdentifier.objects.exists()
    assert not Tagging.objects.exists()
    osdi_error(authed.get(href(person, "self")), 404)

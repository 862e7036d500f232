"""OSDI for a coalition: a partner's token reads the signatures that came through the partner,
and their people in the partner's own records; the lead's token reads every one. No partner's
token reaches another partner's signers or the lead's own."""

import time
import uuid

import pytest
from django.db.models import Max
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from campaigns import partners
from campaigns.models import Organisation, Role
from signatures import batches, formtoken, imports
from signatures.models import Person, Signature
from signatures.people import people_sync
from signatures.rights import signer_erase
from tests.factories import (
    CampaignFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
    sign,
)

pytestmark = pytest.mark.django_db


def token_client(user) -> APIClient:
    _instance, token = AuthToken.objects.create(user=user, expiry=None)
    return APIClient(HTTP_OSDI_API_TOKEN=token)


def _organiser(org):
    user = UserFactory(username=f"{org.slug}-organiser")
    MembershipFactory(user=user, organisation=org, role=Role.ORGANISER)
    return user


@pytest.fixture
def coalition(campaign_a, superuser, client):
    """campaign-a with two partner unions; one signer came through each, one through the lead."""
    union = OrganisationFactory(slug="fenatrahob", name="FENATRAHOB")
    other = OrganisationFactory(slug="sintrahogar", name="SINTRAHOGAR")
    partners.partners_set(by=superuser, campaign=campaign_a, slugs=[union.slug, other.slug])
    for email, partner in (
        ("through-union@example.org", "fenatrahob"),
        ("through-other@example.org", "sintrahogar"),
        ("through-lead@example.org", ""),
    ):
        started = formtoken.make(
            campaign_id=campaign_a.id, embed=False, started=int(time.time()) - 10
        )
        body = {"started": started, "name": "Juana Mamani", "email": email, "country": "BO"}
        query = f"?partner={partner}" if partner else ""
        answer = client.post(
            f"/c/{campaign_a.slug}/{query}", {**body, "consent": "true", "partner": partner}
        )
        assert answer.status_code == 302, answer.content
    return campaign_a, union, other


def _emails(page: dict, key: str) -> set[str]:
    return {
        item["email_addresses"][0]["address"]
        if key == "osdi:people"
        else item["_embedded"]["osdi:person"]["email_addresses"][0]["address"]
        for item in page["_embedded"][key]
    }


def _signatures_url(campaign) -> str:
    return f"/api/osdi/v1/petitions/{campaign.id}/signatures"


def test_a_partners_token_reads_only_the_signatures_that_came_through_it(coalition):
    campaign, union, _other = coalition
    theirs = token_client(_organiser(union))
    listed = theirs.get(_signatures_url(campaign))
    assert listed.status_code == 200, listed.content
    page = listed.json()
    assert page["total_records"] == 1
    assert _emails(page, "osdi:signatures") == {"through-union@example.org"}
    # Its signer's person is in the union's own records, and links there.
    person_href = page["_embedded"]["osdi:signatures"][0]["_links"]["osdi:person"]["href"]
    person = Person.objects.get(email="through-union@example.org", organisation=union)
    assert person_href.endswith(f"/people/{person.id}")
    assert theirs.get(person_href).status_code == 200
    people = theirs.get("/api/osdi/v1/people").json()
    assert _emails(people, "osdi:people") == {"through-union@example.org"}
    its_signatures = theirs.get(f"{person_href}/signatures").json()
    assert [s["identifiers"][0] for s in its_signatures["_embedded"]["osdi:signatures"]] == [
        f"voces:{Signature.objects.get(email='through-union@example.org').id}"
    ]
    # One by one: its own, yes; another partner's or the lead's own, nothing there.
    for email, status in (
        ("through-union@example.org", 200),
        ("through-other@example.org", 404),
        ("through-lead@example.org", 404),
    ):
        signature = Signature.objects.get(email=email)
        assert theirs.get(f"{_signatures_url(campaign)}/{signature.id}").status_code == status
    # Nor any person of the lead's records.
    people_sync(organisation_id=campaign.organisation_id)
    lead_person = Person.objects.get(
        email="through-lead@example.org", organisation=campaign.organisation
    )
    assert theirs.get(f"/api/osdi/v1/people/{lead_person.id}").status_code == 404


def test_the_leads_token_reads_every_signature_and_holds_every_signer(coalition, organiser_a):
    campaign, _union, _other = coalition
    lead = token_client(organiser_a)
    page = lead.get(_signatures_url(campaign)).json()
    assert _emails(page, "osdi:signatures") == {
        "through-union@example.org",
        "through-other@example.org",
        "through-lead@example.org",
    }
    people = lead.get("/api/osdi/v1/people").json()
    assert _emails(people, "osdi:people") == _emails(page, "osdi:signatures")
    assert all(
        p["_links"]["self"]["href"].rsplit("/", 1)[1]
        in {
            str(i)
            for i in Person.objects.filter(organisation=campaign.organisation).values_list(
                "id", flat=True
            )
        }
        for p in people["_embedded"]["osdi:people"]
    )
    union_signature = Signature.objects.get(email="through-union@example.org")
    one = lead.get(f"{_signatures_url(campaign)}/{union_signature.id}")
    assert one.status_code == 200
    assert (
        Person.objects.get(
            id=one.json()["_links"]["osdi:person"]["href"].rsplit("/", 1)[1]
        ).organisation_id
        == campaign.organisation_id
    )


def _owner(org):
    user = UserFactory(username=f"{org.slug}-owner")
    MembershipFactory(user=user, organisation=org, role=Role.OWNER)
    return user


def _lead_people(campaign) -> set[tuple[int, str]]:
    people_sync(organisation_id=campaign.organisation_id)
    return set(Person.objects.filter(organisation=campaign.organisation).values_list("id", "email"))


def test_a_partners_viewer_and_a_partner_that_left_read_nothing(coalition):
    """Was: a partner that had left still read, through OSDI, the people of the signers that
    had come through it, and their signatures."""
    campaign, union, _other = coalition
    viewer = UserFactory(username="union-viewer")
    MembershipFactory(user=viewer, organisation=union, role=Role.VIEWER)
    assert token_client(viewer).get(_signatures_url(campaign)).status_code == 404
    organiser = token_client(_organiser(union))
    people = organiser.get("/api/osdi/v1/people").json()
    assert _emails(people, "osdi:people") == {"through-union@example.org"}
    person = Person.objects.get(organisation=union)
    lead_before = _lead_people(campaign)
    assert "through-union@example.org" in {email for _id, email in lead_before}

    partners.partner_leave(by=_owner(union), campaign=campaign, organisation=union)
    assert organiser.get(_signatures_url(campaign)).status_code == 404
    signature = Signature.objects.get(email="through-union@example.org")
    assert organiser.get(f"{_signatures_url(campaign)}/{signature.id}").status_code == 404
    # Nor the people made of them, nor their signatures (the people sync, which rescans the
    # newest ids, makes none of them again).
    people = organiser.get("/api/osdi/v1/people")
    assert (people.status_code, people.json()["total_records"]) == (200, 0)
    assert organiser.get(f"/api/osdi/v1/people/{person.id}").status_code == 404
    assert organiser.get(f"/api/osdi/v1/people/{person.id}/signatures").status_code == 404
    assert not Person.objects.filter(organisation=union).exists()
    # The lead's records are as they were: the signatures stay counted, with the lead.
    assert _lead_people(campaign) == lead_before


def test_a_partner_that_left_keeps_its_own_signers_but_not_the_coalitions_signatures(
    coalition,
):
    """Its person of someone who signed its own campaign too stays, with that signature
    alone; and the partner taken off by the lead loses the coalition's as one that leaves."""
    campaign, union, _other = coalition
    own = CampaignFactory(organisation=union, slug="union-own")
    sign(own, email="through-union@example.org")
    organiser = token_client(_organiser(union))
    people_sync(organisation_id=union.id)
    person = Person.objects.get(organisation=union)
    url = f"/api/osdi/v1/people/{person.id}/signatures"
    assert organiser.get(url).json()["total_records"] == 2

    partners.partners_set(by=_owner(campaign.organisation), campaign=campaign, slugs=[])
    assert organiser.get(f"/api/osdi/v1/people/{person.id}").status_code == 200
    listed = organiser.get(url).json()
    assert [s["identifiers"][0] for s in listed["_embedded"]["osdi:signatures"]] == [
        f"voces:{Signature.objects.get(campaign=own).id}"
    ]


def test_a_partner_that_comes_back_holds_its_signers_again(coalition, superuser):
    campaign, union, other = coalition
    organiser = token_client(_organiser(union))
    assert organiser.get("/api/osdi/v1/people").json()["total_records"] == 1
    partners.partner_leave(by=_owner(union), campaign=campaign, organisation=union)
    assert organiser.get("/api/osdi/v1/people").json()["total_records"] == 0
    # Its sync's watermark has moved on well past those signatures since.
    Organisation.objects.filter(id=union.id).update(
        people_synced_to=Signature.objects.aggregate(top=Max("id"))["top"] + 5000
    )
    partners.partners_set(by=superuser, campaign=campaign, slugs=[union.slug, other.slug])
    people = organiser.get("/api/osdi/v1/people").json()
    assert _emails(people, "osdi:people") == {"through-union@example.org"}


def test_a_partners_script_names_people_among_its_own_never_the_leads(coalition):
    """Was: a person's link was looked up among the lead's people, so a partner's script
    could sign for any of them and then read them back as its own signer."""
    campaign, union, _other = coalition
    people_sync(organisation_id=campaign.organisation_id)
    lead_person = Person.objects.get(
        email="through-lead@example.org", organisation=campaign.organisation
    )
    theirs = token_client(_organiser(union))
    before = Signature.objects.count()
    answer = theirs.post(
        _signatures_url(campaign),
        {"_links": {"osdi:person": {"href": f"/api/osdi/v1/people/{lead_person.id}"}}},
        format="json",
    )
    assert answer.status_code == 400
    assert answer.json()["resource_status"][0]["errors"][0]["properties"] == ["_links.osdi:person"]
    assert Signature.objects.count() == before
    # Its own person it may name.
    people_sync(organisation_id=union.id)
    own = Person.objects.get(organisation=union)
    again = theirs.post(
        _signatures_url(campaign),
        {"_links": {"osdi:person": {"href": f"/api/osdi/v1/people/{own.id}"}}},
        format="json",
    )
    assert (again.status_code, again.json()) == (200, {})


def _watermark_far_ahead(organisation) -> None:
    """The partner's people sync is past every row so far, and past what its rescan margin
    reaches back from: only a path that lowers the watermark makes the next rows people."""
    people_sync(organisation_id=organisation.id)
    top = Signature.objects.aggregate(top=Max("id"))["top"]
    Organisation.objects.filter(id=organisation.id).update(people_synced_to=top + 5000)


def test_a_partners_imported_signers_become_its_people(coalition):
    campaign, union, _other = coalition
    organiser = _organiser(union)
    _watermark_far_ahead(union)
    imports.signatures_import(
        by=organiser,
        campaign=campaign,
        content=b"name,email,country\nAna Choque,ana@example.org,BO\n",
    )
    assert Signature.objects.get(email="ana@example.org").partner_id == union.id
    emails = _emails(token_client(organiser).get("/api/osdi/v1/people").json(), "osdi:people")
    assert emails == {"through-union@example.org", "ana@example.org"}


def test_a_partners_field_batch_signers_become_its_people(coalition):
    campaign, union, _other = coalition
    organiser = _organiser(union)
    _watermark_far_ahead(union)
    answers = batches.signatures_batch(
        by=organiser,
        campaign=campaign,
        items=[
            {
                "client_id": str(uuid.UUID(int=17)),
                "name": "Rosa Apaza",
                "email": "rosa@example.org",
                "country": "BO",
                "consent": True,
                "collected_at": timezone.now().isoformat(),
            }
        ],
    )
    assert [answer["result"] for answer in answers] == ["created"]
    assert Signature.objects.get(email="rosa@example.org").partner_id == union.id
    emails = _emails(token_client(organiser).get("/api/osdi/v1/people").json(), "osdi:people")
    assert emails == {"through-union@example.org", "rosa@example.org"}


def test_erasing_a_signer_at_the_lead_erases_the_partners_copy_of_the_person(
    coalition, organiser_a
):
    campaign, union, _other = coalition
    for organisation_id in (campaign.organisation_id, union.id):
        people_sync(organisation_id=organisation_id)
    assert Person.objects.filter(email="through-union@example.org").count() == 2
    signer_erase(
        by=organiser_a, organisation=campaign.organisation, email="through-union@example.org"
    )
    assert not Person.objects.filter(email="through-union@example.org").exists()
    assert Person.objects.filter(email="through-other@example.org").count() == 1  # the lead's

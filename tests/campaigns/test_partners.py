"""Coalitions: a lead organisation's campaign with partners, each seeing its own signers."""

import re
import time

import pytest
from rest_framework.test import APIClient

from campaigns import partners
from campaigns.models import AuditEntry, CampaignPartner, Role
from signatures import formtoken, imports
from signatures.models import Signature
from tallies.services import campaign_reconcile, campaign_tally
from tests.factories import (
    CampaignFactory,
    CollectorFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)
from webhooks.models import WebhookDelivery
from webhooks.services import webhook_endpoint_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def union(db):
    """FENATRAHOB, a partner union, with an owner, an organiser, a viewer and a collector."""
    org = OrganisationFactory(slug="fenatrahob", name="FENATRAHOB")
    people = {}
    for role in (Role.OWNER, Role.ORGANISER, Role.VIEWER, Role.COLLECTOR):
        people[role] = UserFactory(username=f"fenatrahob-{role}")
        MembershipFactory(user=people[role], organisation=org, role=role)
    return org, people


@pytest.fixture
def coalition(campaign_a, union, superuser):
    org, _people = union
    partners.partners_set(by=superuser, campaign=campaign_a, slugs=[org.slug])
    return campaign_a


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _page_sign(client, campaign, query, **fields):
    token = formtoken.make(campaign_id=campaign.id, embed=False, started=int(time.time()) - 10)
    body = {"started": token, "name": "Juana Mamani", "email": "juana@example.org"}
    body |= {"country": "BO", "consent": "true", **fields}
    return client.post(f"/c/{campaign.slug}/?{query}", body)


# --- Who is a partner ---------------------------------------------------------------------------


def test_the_leads_owner_invites_and_the_partners_owner_accepts(
    owner_a, campaign_a, union, organiser_a
):
    org, people = union
    answer = _client(owner_a).patch(
        f"/api/v1/campaigns/{campaign_a.slug}/", {"partners": [org.slug]}, format="json"
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["partners"] == [
        {"organisation": "fenatrahob", "name": "FENATRAHOB", "status": "invited"}
    ]
    # An invited partner sees nothing yet.
    page = APIClient()
    page.force_login(people[Role.ORGANISER])
    assert page.get(f"/dashboard/c/{campaign_a.slug}/").status_code == 404
    # Only its owners answer for it.
    url = f"/api/v1/campaigns/{campaign_a.slug}/partners/{org.slug}/accept/"
    assert _client(people[Role.ORGANISER]).post(url).status_code == 403
    assert _client(owner_a).post(url).status_code == 403
    accepted = _client(people[Role.OWNER]).post(url)
    assert accepted.json() == {"organisation": "fenatrahob", "status": "active"}
    assert page.get(f"/dashboard/c/{campaign_a.slug}/").status_code == 200
    actions = set(AuditEntry.objects.values_list("organisation_id", "action"))
    assert {(campaign_a.organisation_id, "partner.invite"), (org.id, "partner.accept")} <= actions


def test_only_the_leads_owners_choose_partners(organiser_a, campaign_a, union):
    org, people = union
    for user in (organiser_a, people[Role.OWNER]):
        answer = _client(user).patch(
            f"/api/v1/campaigns/{campaign_a.slug}/", {"partners": [org.slug]}, format="json"
        )
        assert answer.status_code == 403, user
    assert not CampaignPartner.objects.exists()


def test_an_owner_of_both_or_a_superuser_joins_a_partner_at_once(owner_a, campaign_a, union):
    org, _people = union
    MembershipFactory(user=owner_a, organisation=org, role=Role.OWNER)
    answer = _client(owner_a).patch(
        f"/api/v1/campaigns/{campaign_a.slug}/", {"partners": [org.slug]}, format="json"
    )
    assert answer.json()["partners"][0]["status"] == "active"


def test_bad_partner_lists_are_refused_clearly(owner_a, campaign_a, org_a):
    client = _client(owner_a)
    url = f"/api/v1/campaigns/{campaign_a.slug}/"
    unknown = client.patch(url, {"partners": ["nobody-here"]}, format="json")
    assert unknown.status_code == 400
    assert "nobody-here" in unknown.json()["partners"][0]
    assert client.patch(url, {"partners": [org_a.slug]}, format="json").status_code == 400
    assert client.patch(url, {"partners": "fenatrahob"}, format="json").status_code == 400


def test_a_partner_that_leaves_loses_access_and_its_signatures_stay(coalition, union, client):
    org, people = union
    _page_sign(client, coalition, "partner=fenatrahob")
    url = f"/api/v1/campaigns/{coalition.slug}/partners/{org.slug}/leave/"
    assert _client(people[Role.OWNER]).post(url).json()["status"] == "left"
    page = APIClient()
    page.force_login(people[Role.ORGANISER])
    assert page.get(f"/dashboard/c/{coalition.slug}/").status_code == 404
    assert Signature.objects.get().partner_id == org.id  # still counted, still theirs


# --- Attribution ------------------------------------------------------------------------------


def test_a_partners_link_credits_it_and_its_collector_through_the_whole_page(
    client, coalition, union
):
    org, _people = union
    CollectorFactory(organisation=org, code="killa", name="Killa Huaman")
    CollectorFactory(organisation=coalition.organisation, code="killa", name="Another Killa")
    html = client.get(f"/c/{coalition.slug}/?partner=fenatrahob&ref=killa&lang=en").content
    html = html.decode()
    # Language links and the form keep both; the consent names both organisations.
    assert re.search(r'href="\?[^"]*partner=fenatrahob', html)
    assert 'name="partner" value="fenatrahob"' in html
    assert f"{coalition.organisation.name} and FENATRAHOB" in html
    # The form shown again with an error keeps the partner.
    again = _page_sign(client, coalition, "partner=fenatrahob&ref=killa", email="not-an-email")
    assert 'name="partner" value="fenatrahob"' in again.content.decode()
    answer = _page_sign(client, coalition, "partner=fenatrahob", ref="killa", partner="fenatrahob")
    assert answer.status_code == 302
    assert "partner=fenatrahob" in answer["Location"]  # the thank-you page's share links too
    signature = Signature.objects.get()
    assert signature.partner_id == org.id
    assert signature.collector.name == "Killa Huaman"  # the partner's, not the lead's


def test_a_partner_that_is_not_one_credits_nobody(client, campaign_a, union):
    _page_sign(client, campaign_a, "partner=fenatrahob")
    assert Signature.objects.get().partner_id is None


def test_the_public_page_and_the_embed_name_the_coalition(client, coalition):
    for path in ("", "embed/"):
        html = client.get(f"/c/{coalition.slug}/{path}?lang=en").content.decode()
        assert f"{coalition.organisation.name}, with FENATRAHOB" in html


def test_a_partners_sheets_are_its_own(coalition, union):
    org, people = union
    job = imports.signatures_import(
        by=people[Role.ORGANISER],
        campaign=coalition,
        content=b"name,email,country\nAna Choque,ana@example.org,BO\n",
    )
    assert job.created_count == 1
    assert Signature.objects.get().partner_id == org.id


# --- Each partner sees its own signers --------------------------------------------------------


def test_a_partner_sees_and_exports_only_the_signers_who_came_through_it(
    client, coalition, union, organiser_a, organiser_b
):
    _org, people = union
    _page_sign(client, coalition, "partner=fenatrahob", email="through-partner@example.org")
    _page_sign(client, coalition, "", email="through-lead@example.org")
    second = OrganisationFactory(slug="second-union", name="Second union")
    CampaignPartner.objects.create(campaign=coalition, organisation=second, status="active")
    second_organiser = UserFactory(username="second-organiser")
    MembershipFactory(user=second_organiser, organisation=second, role=Role.ORGANISER)

    def seen(user, path):
        page = APIClient()
        page.force_login(user)
        return page.get(path)

    review = f"/dashboard/c/{coalition.slug}/signatures/?status=confirmed"
    export = f"/dashboard/c/{coalition.slug}/export.csv"
    partner_view = seen(people[Role.ORGANISER], review).content.decode()
    assert "through-partner@example.org" in partner_view
    assert "through-lead@example.org" not in partner_view
    exported = b"".join(seen(people[Role.ORGANISER], export).streaming_content).decode()
    assert "through-partner@example.org" in exported
    assert "through-lead@example.org" not in exported
    lead_view = seen(organiser_a, review).content.decode()
    assert "through-partner@example.org" in lead_view
    assert "through-lead@example.org" in lead_view
    lead_export = b"".join(seen(organiser_a, export).streaming_content).decode()
    assert "fenatrahob" in lead_export  # the partner column
    second_view = seen(second_organiser, review).content.decode()
    assert "@example.org" not in second_view
    assert seen(people[Role.VIEWER], review).status_code == 403
    assert seen(organiser_b, review).status_code == 404
    api_export = _client(people[Role.ORGANISER]).get(
        f"/api/v1/campaigns/{coalition.slug}/signatures/export/", HTTP_ACCEPT="text/csv"
    )
    body = b"".join(api_export.streaming_content).decode()
    assert "through-partner@example.org" in body
    assert "through-lead@example.org" not in body


def test_a_partner_reviews_only_its_own_signatures(client, coalition, union):
    _org, people = union
    _page_sign(client, coalition, "partner=fenatrahob", email="p@example.org")
    _page_sign(client, coalition, "", email="l@example.org")
    answer = _client(people[Role.ORGANISER]).post(
        f"/api/v1/campaigns/{coalition.slug}/signatures/review/",
        {"status": "rejected", "where": {"country": "BO"}},
        format="json",
    )
    assert answer.json() == {"matched": 1, "changed": 1}
    statuses = dict(Signature.objects.values_list("email", "status"))
    assert statuses == {"p@example.org": "rejected", "l@example.org": "confirmed"}


# --- The dashboard ----------------------------------------------------------------------------


def test_coalitions_from_the_dashboard_alone(client, owner_a, campaign_a, union):
    """The lead's owner invites on the partners page, the partner's owner accepts from
    their home page, sees the campaign, and leaves after confirming."""
    org, people = union
    client.force_login(owner_a)
    page = f"/dashboard/c/{campaign_a.slug}/partners/"
    assert client.get(page).status_code == 200
    wrong = client.post(page, {"organisation": "nobody"})
    assert wrong.status_code == 400
    assert "nobody" in wrong.content.decode()
    assert client.post(page, {"organisation": org.slug}).status_code == 302
    client.force_login(people[Role.OWNER])
    home = client.get("/dashboard/?lang=en").content.decode()
    assert "invites FENATRAHOB to partner" in home
    answer = f"/dashboard/c/{campaign_a.slug}/partners/{org.slug}/answer/"
    assert client.post(answer, {"answer": "accept"}).status_code == 302
    html = client.get(f"/dashboard/c/{campaign_a.slug}/?lang=en").content.decode()
    assert "You follow this campaign as a partner" in html
    asked = client.post(answer, {"answer": "leave"})
    assert "Should FENATRAHOB leave" in asked.content.decode()
    assert CampaignPartner.objects.get().status == "active"
    client.post(answer, {"answer": "leave", "confirmed": "yes"})
    assert CampaignPartner.objects.get().status == "left"
    assert client.get(f"/dashboard/c/{campaign_a.slug}/").status_code == 404


def test_only_the_partners_owner_answers_on_the_dashboard(client, campaign_a, union, owner_a):
    org, people = union
    partners.partners_set(by=owner_a, campaign=campaign_a, slugs=[org.slug])
    client.force_login(people[Role.ORGANISER])
    answer = f"/dashboard/c/{campaign_a.slug}/partners/{org.slug}/answer/"
    assert client.post(answer, {"answer": "accept"}).status_code == 403
    client.force_login(owner_a)
    assert client.post(answer, {"answer": "accept"}).status_code == 404
    assert CampaignPartner.objects.get().status == "invited"


def test_signers_rights_at_a_partner_find_its_copies_and_at_the_lead_every_copy(
    client, coalition, union, organiser_a
):
    org, people = union
    _page_sign(client, coalition, "partner=fenatrahob", email="maria@example.org")
    find = {"email": "MARIA@example.org"}
    at_partner = _client(people[Role.ORGANISER]).post(
        f"/api/v1/organisations/{org.slug}/signers/find/", find, format="json"
    )
    assert [s["campaign"] for s in at_partner.json()["signatures"]] == [coalition.slug]
    at_lead = _client(organiser_a).post(
        f"/api/v1/organisations/{coalition.organisation.slug}/signers/find/", find, format="json"
    )
    assert len(at_lead.json()["signatures"]) == 1
    erased = _client(people[Role.ORGANISER]).post(
        f"/api/v1/organisations/{org.slug}/signers/erase/", find, format="json"
    )
    assert erased.status_code == 200
    signature = Signature.objects.get()
    assert (signature.email, signature.erased_at is not None) == ("", True)


def test_a_partners_osdi_script_records_for_the_partner_and_learns_nothing_of_others(
    client, coalition, union
):
    org, people = union
    _page_sign(client, coalition, "", email="lead-signer@example.org")
    token = _client(people[Role.ORGANISER])
    url = f"/api/osdi/v1/petitions/{coalition.id}/signatures"
    body = {
        "person": {"email_addresses": [{"address": "lead-signer@example.org"}]},
        "autoresponse": False,
    }
    repeat = token.post(url, body, format="json")
    fresh = token.post(
        url,
        {**body, "person": {"email_addresses": [{"address": "new@example.org"}]}},
        format="json",
    )
    assert (repeat.status_code, repeat.json()) == (fresh.status_code, fresh.json()) == (200, {})
    rows = dict(Signature.objects.values_list("email", "partner_id"))
    assert rows == {"lead-signer@example.org": None, "new@example.org": org.id}


def test_a_partners_webhook_hears_of_its_own_signatures_and_the_leads_of_all(
    client, coalition, union, crm_webhook, settings
):
    org, people = union
    theirs = webhook_endpoint_create(
        by=people[Role.ORGANISER],
        organisation=org,
        url="http://127.0.0.1:9/union-crm",
        secret="u" * 20,
        events=["signature"],
    )
    _page_sign(client, coalition, "partner=fenatrahob", email="p@example.org", partner="fenatrahob")
    _page_sign(client, coalition, "", email="l@example.org")
    campaign_tally(campaign_id=coalition.id)
    owed = {
        (d.endpoint_id, d.signature.email)
        for d in WebhookDelivery.objects.select_related("signature")
    }
    assert owed == {
        (crm_webhook.id, "p@example.org"),
        (crm_webhook.id, "l@example.org"),
        (theirs.id, "p@example.org"),
    }


def test_one_count_with_each_partners_share_in_the_stats_and_on_the_dashboard(
    client, coalition, union, organiser_a
):
    org, people = union
    _page_sign(client, coalition, "partner=fenatrahob", email="p@example.org", partner="fenatrahob")
    _page_sign(client, coalition, "", email="l@example.org")
    campaign_tally(campaign_id=coalition.id)
    stats = APIClient().get(f"/api/v1/campaigns/{coalition.slug}/stats/").json()["signatures"]
    assert stats["confirmed"] == 2
    assert stats["by_partner"] == {coalition.organisation.slug: 1, "fenatrahob": 1}
    assert campaign_reconcile(campaign_id=coalition.id) == {}
    client.force_login(organiser_a)
    html = client.get(f"/dashboard/c/{coalition.slug}/?lang=en").content.decode()
    assert "The coalition&#x27;s shares" in html or "The coalition's shares" in html
    # A partner that leaves: its signatures stay counted, with the lead.
    partners.partner_leave(by=people[Role.OWNER], campaign=coalition, organisation=org)
    stats = APIClient().get(f"/api/v1/campaigns/{coalition.slug}/stats/").json()["signatures"]
    assert stats["by_partner"] == {coalition.organisation.slug: 2}


def test_a_partner_address_that_is_no_address_credits_nobody_and_breaks_nothing(client, coalition):
    """Was: `?partner=` with a NUL byte reached PostgreSQL and answered 500."""
    assert client.get(f"/c/{coalition.slug}/?partner=fena%00trahob").status_code == 200
    assert _page_sign(client, coalition, "partner=fena%00trahob").status_code == 302
    assert Signature.objects.get().partner_id is None


def test_the_leads_review_page_says_which_partner_each_signature_came_through(
    client, coalition, union, organiser_a, campaign_a
):
    _org, people = union
    _page_sign(client, coalition, "partner=fenatrahob", email="p@example.org", partner="fenatrahob")
    _page_sign(client, coalition, "", email="l@example.org")
    review = f"/dashboard/c/{coalition.slug}/signatures/?status=confirmed&lang=en"
    client.force_login(organiser_a)
    html = client.get(review).content.decode()
    assert "<th>Partner</th>" in html
    rows = dict(
        re.findall(
            r"<td>([^<]+@example\.org)</td>.*?<td class=\"partner\">([^<]+)</td>", html, re.S
        )
    )
    assert rows == {"p@example.org": "FENATRAHOB", "l@example.org": "—"}
    # A partner sees only its own signers: no column to tell them apart.
    client.force_login(people[Role.ORGANISER])
    html = client.get(review).content.decode()
    assert "p@example.org" in html
    assert "<th>Partner</th>" not in html
    # A campaign that never had partners needs none either.
    own = CampaignFactory(organisation=coalition.organisation, slug="own-campaign")
    client.force_login(organiser_a)
    html = client.get(f"/dashboard/c/{own.slug}/signatures/?lang=en").content.decode()
    assert "<th>Partner</th>" not in html


def test_a_partner_sees_its_collectors_by_name_and_the_others_only_as_totals(
    client, coalition, union, organiser_a
):
    org, people = union
    second = OrganisationFactory(slug="second-union", name="Second union")
    CampaignPartner.objects.create(campaign=coalition, organisation=second, status="active")
    CollectorFactory(organisation=coalition.organisation, code="rosa", name="Rosa Apaza")
    CollectorFactory(organisation=org, code="killa", name="Killa Huaman")
    CollectorFactory(organisation=second, code="wayra", name="Wayra Condori")
    signed = [("", "rosa")] * 3 + [("second-union", "wayra")] * 2 + [("fenatrahob", "killa")]
    for n, (partner, ref) in enumerate(signed):
        query = f"partner={partner}&ref={ref}" if partner else f"ref={ref}"
        _page_sign(client, coalition, query, email=f"s{n}@example.org", ref=ref, partner=partner)
    campaign_tally(campaign_id=coalition.id)

    def pages(user) -> str:
        client.force_login(user)
        paths = ("", "collectors/", "signatures/", "signatures/?status=confirmed")
        return "".join(
            client.get(f"/dashboard/c/{coalition.slug}/{path}?lang=en").content.decode()
            for path in paths
        )

    theirs = pages(people[Role.ORGANISER])
    assert "Killa Huaman" in theirs
    assert "Rosa Apaza" not in theirs
    assert "Wayra Condori" not in theirs
    assert "wayra" not in theirs  # nor their codes (the filters, the links)
    assert "rosa" not in theirs
    totals = dict(re.findall(r"<tr><td>([^<]+)</td><td class=\"num\">(\d+)</td></tr>", theirs))
    assert totals["Killa Huaman"] == "1"
    assert totals[f"Collectors of {coalition.organisation.name}"] == "3"
    assert totals["Collectors of Second union"] == "2"
    lead = pages(organiser_a)
    for name in ("Killa Huaman", "Rosa Apaza", "Wayra Condori"):
        assert name in lead

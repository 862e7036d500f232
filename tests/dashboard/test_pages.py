import io
from datetime import date

import pytest

from campaigns.models import CountryStatus, DecisionMaker, Membership, OutreachActivity
from dashboard.selectors import campaign_projection
from signatures.models import Collector, Signature
from tallies import services as tallies
from tallies.models import CampaignTally
from tests.factories import CampaignFactory, CollectorFactory, UserFactory, sign

pytestmark = pytest.mark.django_db


def test_the_projection_follows_the_last_14_days_pace(org_a):
    campaign = CampaignFactory(organisation=org_a, goal=1000)
    today = date(2026, 11, 22)
    tally = CampaignTally(
        campaign=campaign, confirmed=300, by_day={f"2026-11-{d:02d}": 10 for d in range(9, 23)}
    )
    projection = campaign_projection(campaign=campaign, tally=tally, today=today)
    assert projection.pace_per_day == 10
    assert projection.on_date == date(2027, 1, 31)  # 700 more at 10 a day
    stalled = CampaignTally(campaign=campaign, confirmed=300, by_day={"2026-01-01": 300})
    assert campaign_projection(campaign=campaign, tally=stalled, today=today).on_date is None
    done = CampaignTally(campaign=campaign, confirmed=1000, by_day={})
    assert campaign_projection(campaign=campaign, tally=done, today=today).reached


def test_the_campaign_page_shows_the_figures_from_the_tally(client, organiser_a, campaign_a):
    for n in range(3):
        sign(campaign_a, email=f"p{n}@example.org", country="EC")
    tallies.campaign_tally(campaign_id=campaign_a.id)
    client.force_login(organiser_a)
    html = client.get(
        f"/dashboard/c/{campaign_a.slug}/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "3 of 1,000 confirmed signatures" in html
    assert "<svg" in html
    assert "<table>" in html
    assert "Ecuador" in html


def test_organisers_record_outreach_stages_and_engagements_from_the_pages(
    client, organiser_a, campaign_a
):
    client.force_login(organiser_a)
    base = f"/dashboard/c/{campaign_a.slug}"
    response = client.post(
        f"{base}/outreach/new/",
        {"channel": "radio", "country": "BO", "date": "2014-03-08", "reach": "250000"},
    )
    assert response.status_code == 302
    assert OutreachActivity.objects.get().recorded_by == organiser_a
    client.post(
        f"{base}/stages/new/",
        {"country": "BO", "stage": "ratified", "date": "2013-04-15", "source_url": ""},
    )
    assert CountryStatus.objects.get().stage == "ratified"
    client.post(
        f"{base}/decision-makers/new/",
        {"name": "Ministra Rojas", "country": "BO", "level": "national"},
    )
    maker = DecisionMaker.objects.get()
    client.post(
        f"{base}/engagements/new/",
        {"decision_maker": maker.id, "kind": "meeting", "date": "2013-03-01", "stance": "champion"},
    )
    assert maker.engagements.get().stance == "champion"


def test_a_bad_form_shows_its_errors(client, organiser_a, campaign_a):
    client.force_login(organiser_a)
    response = client.post(
        f"/dashboard/c/{campaign_a.slug}/outreach/new/",
        {"channel": "pigeon", "country": "BO", "date": "x", "reach": "-1"},
    )
    assert response.status_code == 400
    assert not OutreachActivity.objects.exists()


def test_importing_from_the_dashboard(client, organiser_a, campaign_a):
    client.force_login(organiser_a)
    file = io.BytesIO(
        b"name,email,country,postal_code,collector,signed_on\n"
        b"Ana,ana@example.org,BO,,,\nBad,bad,BO,,,\n"
    )
    file.name = "sheet.csv"
    response = client.post(f"/dashboard/c/{campaign_a.slug}/import/", {"file": file})
    assert response.status_code == 302
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "1 signatures added." in page
    assert "1 rows rejected." in page
    assert Signature.objects.count() == 1


def test_erasing_a_signer_from_the_dashboard(client, organiser_a, campaign_a):
    sign(campaign_a, email="juana@example.org")
    client.force_login(organiser_a)
    url = "/dashboard/o/org-a/signers/"
    found = client.post(url, {"email": "juana@example.org"}).content.decode()
    assert campaign_a.title in found
    asked = client.post(url, {"email": "juana@example.org", "action": "erase"}).content.decode()
    assert 'value="erase-confirmed"' in asked  # erasing asks first
    assert Signature.objects.get().email == "juana@example.org"
    client.post(url, {"email": "juana@example.org", "action": "erase-confirmed"})
    assert Signature.objects.get().email == ""
    export = client.post(f"{url}export.json", {"email": "juana@example.org"})
    assert export.json()["signatures"] == []
    assert client.get(f"{url}export.json?email=juana@example.org").status_code == 405


def test_owners_manage_members_but_keep_an_owner(client, owner_a, org_a):
    newcomer = UserFactory(username="newcomer")
    client.force_login(owner_a)
    client.post("/dashboard/o/org-a/members/", {"username": "newcomer", "role": "viewer"})
    assert Membership.objects.get(user=newcomer).role == "viewer"
    client.post("/dashboard/o/org-a/members/", {"username": owner_a.username, "role": "viewer"})
    assert Membership.objects.get(user=owner_a).role == "owner"  # the last owner stays
    client.post("/dashboard/o/org-a/members/", {"retention": "1", "retention_months": "24"})
    org_a.refresh_from_db()
    assert org_a.retention_months == 24


def test_reviewing_signatures_rejects_and_restores(client, organiser_a, campaign_a):
    sign(campaign_a, email="bot@example.org")
    signature = Signature.objects.get()
    client.force_login(organiser_a)
    client.post(
        f"/dashboard/c/{campaign_a.slug}/signatures/", {"id": signature.id, "status": "rejected"}
    )
    signature.refresh_from_db()
    assert signature.status == "rejected"
    client.post(
        f"/dashboard/c/{campaign_a.slug}/signatures/", {"id": signature.id, "status": "restored"}
    )
    signature.refresh_from_db()
    assert signature.status == "confirmed"


def test_collectors_are_added_with_a_link_and_a_qr_code(client, organiser_a, campaign_a):
    client.force_login(organiser_a)
    client.post(
        f"/dashboard/c/{campaign_a.slug}/collectors/", {"name": "Rosa Apaza", "code": "rosa"}
    )
    page = client.get(f"/dashboard/c/{campaign_a.slug}/collectors/").content.decode()
    assert f"/c/{campaign_a.slug}/?ref=rosa" in page
    qr = client.get(f"/dashboard/c/{campaign_a.slug}/collectors/rosa/qr.svg")
    assert qr["Content-Type"] == "image/svg+xml"
    assert b"<svg" in qr.content


def test_the_paper_sheet_has_the_petition_consent_and_numbered_rows(
    client, collector_a, campaign_a
):
    client.force_login(collector_a)
    html = client.get(
        f"/dashboard/c/{campaign_a.slug}/sheet/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert campaign_a.petition_text in html
    assert "I agree that the organisation running this campaign" in html
    assert html.count('<td class="num">') == 20


def test_a_removed_member_no_longer_holds_their_collector_link(client, owner_a, collector_a, org_a):
    collector = CollectorFactory(organisation=org_a, code="rosa", user=collector_a)
    client.force_login(owner_a)
    client.post("/dashboard/o/org-a/members/", {"remove": collector_a.id, "confirmed": "1"})
    collector.refresh_from_db()
    assert collector.user is None
    assert Collector.objects.filter(code="rosa").exists()  # the credit of past signatures stays

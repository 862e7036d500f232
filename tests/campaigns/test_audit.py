"""Corrections leave a trail: who changed what, and when, for the organisation's owners."""

from datetime import date

import pytest

from campaigns import records, services
from campaigns.models import AuditEntry
from signatures import rights
from tests.factories import sign

pytestmark = pytest.mark.django_db


def test_a_corrected_reach_is_logged_with_what_it_was(organiser_a, campaign_a):
    activity = records.outreach_record(
        by=organiser_a, campaign=campaign_a, channel="radio", country="BO",
        date=date(2014, 1, 1), reach=1_800_000,
    )  # fmt: skip
    records.outreach_update(by=organiser_a, activity=activity, reach=180_000)
    records.outreach_remove(by=organiser_a, activity=activity)
    log = list(AuditEntry.objects.order_by("id").values_list("action", "actor_name", "changes"))
    assert log == [
        ("outreach.create", "organiser-a", {}),
        ("outreach.update", "organiser-a", {"reach": [1_800_000, 180_000]}),
        ("outreach.remove", "organiser-a", log[2][2]),
    ]
    assert log[2][2]["reach"] == 180_000


def test_campaign_changes_and_member_changes_are_logged(owner_a, organiser_a, campaign_a, org_a):
    services.campaign_update(
        by=owner_a, campaign=campaign_a, goal=5000, status="closed", outcome="won"
    )
    entry = AuditEntry.objects.get(action="campaign.update")
    assert entry.changes["goal"] == [1000, 5000]
    assert entry.changes["status"] == ["open", "closed"]
    services.member_set(
        by=owner_a, organisation=org_a, username=organiser_a.username, role="viewer"
    )
    assert AuditEntry.objects.get(action="member.set").changes == {"role": ["organiser", "viewer"]}


def test_an_erasure_is_logged_by_its_counts_never_by_whom(organiser_a, org_a, campaign_a):
    sign(campaign_a, email="juana@example.org", name="Juana Mamani")
    rights.signer_erase(by=organiser_a, organisation=org_a, email="juana@example.org")
    entry = AuditEntry.objects.get(action="signer.erase")
    text = f"{entry.summary} {entry.target_label} {entry.changes}"
    assert "1 signatures" in entry.summary
    assert "juana" not in text.lower()


def test_owners_read_the_log_and_nobody_else(client, owner_a, organiser_a, campaign_a):
    records.country_status_record(
        by=organiser_a, campaign=campaign_a, country="BO", stage="ratified", date=date(2013, 4, 15)
    )
    client.force_login(organiser_a)
    assert client.get("/dashboard/o/org-a/audit/").status_code == 403
    client.force_login(owner_a)
    page = client.get("/dashboard/o/org-a/audit/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "stage.create" in page
    assert "organiser-a" in page


def test_an_organisation_made_and_renamed_is_logged(superuser, owner_a, org_a):
    made = services.organisation_create(by=superuser, slug="aren", name="AREN")
    services.organisation_update(by=owner_a, organisation=org_a, name="Organisation A (Bolivia)")
    services.organisation_update(by=owner_a, organisation=org_a, name="Organisation A (Bolivia)")
    log = list(
        AuditEntry.objects.order_by("id").values_list("organisation_id", "action", "changes")
    )
    assert log == [
        (made.id, "organisation.create", {"slug": [None, "aren"], "name": [None, "AREN"]}),
        (org_a.id, "organisation.update", {"name": ["Organisation A", "Organisation A (Bolivia)"]}),
    ]

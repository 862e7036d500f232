"""The admin writes through the services: what a superuser does there has the same effects as
on the dashboard or through the API (closed_at, tallies, the webhook address check)."""

from html.parser import HTMLParser

import pytest

from campaigns.models import Campaign, CountryStatus, DecisionMaker, Membership, OutreachActivity
from signatures.models import Collector, ConsentText
from tallies import services as tallies
from tallies.models import CampaignTally
from tests.factories import CampaignFactory, CollectorFactory
from tests.stack import wait_for
from webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.django_db


class _Form(HTMLParser):
    """The fields of the admin's change form as a browser would send them."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
            checkable = attrs.get("type") in ("checkbox", "radio")
            if checkable and "checked" not in attrs:
                return
            self.fields.setdefault(name, []).append(attrs.get("value", "on" if checkable else ""))
        elif tag == "select" and name:
            self._select = name
            self.fields.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields[self._select].append(attrs.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = [""]

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea][0] += (
                data.lstrip("\n") if not self.fields[self._textarea][0] else data
            )


def submit(client, path: str, **changes):
    """GET the admin form at `path`, change some fields, POST it back as a browser would."""
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    form = _Form()
    form.feed(page.content.decode())
    data = {name: values for name, values in form.fields.items() if name != "csrfmiddlewaretoken"}
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value if isinstance(value, list) else [str(value)]
    data["_save"] = ["Save"]
    return client.post(path, data)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def test_closing_a_campaign_in_the_admin_sets_closed_at(admin_client, campaign_a):
    response = submit(
        admin_client,
        f"/admin/campaigns/campaign/{campaign_a.id}/change/",
        status="closed",
        outcome="won",
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    campaign_a.refresh_from_db()
    assert (campaign_a.status, campaign_a.outcome) == ("closed", "won")
    assert campaign_a.closed_at is not None  # the retention period counts from here


def test_a_translation_added_in_the_admin_goes_through_the_campaign_service(
    admin_client, campaign_a
):
    response = submit(
        admin_client,
        f"/admin/campaigns/campaign/{campaign_a.id}/change/",
        **{
            "translations-TOTAL_FORMS": 1,
            "translations-0-language": "qu",
            "translations-0-title": "C189 Convenio",
            "translations-0-summary": "",
            "translations-0-petition_text": "Kamachiyta ratificachun.",
            "translations-0-campaign": campaign_a.id,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert campaign_a.translations.get(language="qu").title == "C189 Convenio"


def test_an_organisation_made_in_the_admin_is_valid_and_saved_by_its_service(admin_client):
    response = submit(
        admin_client,
        "/admin/campaigns/organisation/add/",
        slug="aren",
        name="AREN",
        country="NE",
        **{"memberships-TOTAL_FORMS": 0, "memberships-INITIAL_FORMS": 0},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert admin_client.get("/api/v1/organisations/aren/").json()["name"] == "AREN"


def test_members_are_not_edited_in_the_admin_where_the_last_owner_could_go(
    admin_client, owner_a, org_a
):
    membership = Membership.objects.get(user=owner_a)
    assert (
        admin_client.post(
            f"/admin/campaigns/membership/{membership.id}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert Membership.objects.filter(id=membership.id).exists()
    page = admin_client.get(f"/admin/campaigns/organisation/{org_a.id}/change/").content.decode()
    assert 'name="memberships-0-DELETE"' not in page


def test_a_webhook_into_the_private_network_is_refused_on_the_admin_form(admin_client, org_a):
    response = submit(
        admin_client,
        "/admin/webhooks/webhookendpoint/add/",
        organisation=org_a.id,
        url="http://127.0.0.1:6379/",
        secret="s" * 20,
        events='["milestone"]',
    )
    assert response.status_code == 200  # the form again, with the error
    assert "not reachable from the internet" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_a_collector_made_in_the_admin_is_checked_by_its_service(admin_client, org_a):
    CollectorFactory(organisation=org_a, code="killa")
    response = submit(
        admin_client,
        "/admin/signatures/collector/add/",
        organisation=org_a.id,
        name="Killa",
        code="killa",
    )
    assert response.status_code == 200  # the code is taken in this organisation
    assert Collector.objects.filter(code="killa").count() == 1
    response = submit(
        admin_client, "/admin/signatures/collector/add/", organisation=org_a.id, name="K", code="k2"
    )
    assert response.status_code == 302
    assert admin_client.get("/admin/signatures/collector/").status_code == 200


def test_a_new_consent_wording_is_a_new_version(admin_client):
    first = submit(admin_client, "/admin/signatures/consenttext/add/", language="qu", text="Ari.")
    second = submit(admin_client, "/admin/signatures/consenttext/add/", language="qu", text="Arí.")
    assert first.status_code == second.status_code == 302
    assert list(
        ConsentText.objects.filter(language="qu").order_by("version").values_list("version", "text")
    ) == [(1, "Ari."), (2, "Arí.")]


def test_stages_and_outreach_written_in_the_admin_move_the_tally(
    admin_client, org_a, celery_worker_thread
):
    """A real worker: what the admin writes reaches the tally the way the dashboard's does."""
    campaign = CampaignFactory(organisation=org_a)
    tallies.campaign_tally_records(campaign_id=campaign.id)

    def figures():
        return CampaignTally.objects.get(campaign=campaign)

    response = submit(
        admin_client,
        "/admin/campaigns/countrystatus/add/",
        campaign=campaign.id,
        country="BO",
        stage="ratified",
        date="2013-04-15",
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    wait_for(lambda: figures().countries, 20, message="the stage never reached the tally")
    assert figures().countries[0]["stage"] == "ratified"
    assert campaign.milestones.filter(kind="country", key="BO").exists()

    submit(
        admin_client,
        "/admin/campaigns/outreachactivity/add/",
        campaign=campaign.id,
        channel="radio",
        country="BO",
        date="2014-01-01",
        reach=1_800_000,
    )
    wait_for(lambda: figures().reach.get("total") == 1_800_000, 20)
    activity = OutreachActivity.objects.get()
    submit(admin_client, f"/admin/campaigns/outreachactivity/{activity.id}/change/", reach=180_000)
    wait_for(lambda: figures().reach.get("total") == 180_000, 20, message="no correction")

    admin_client.post(
        f"/admin/campaigns/countrystatus/{CountryStatus.objects.get().id}/delete/", {"post": "yes"}
    )
    wait_for(lambda: figures().countries == [], 20, message="the removal never reached it")

    maker = DecisionMaker.objects.create(organisation=org_a, name="Ministra", country="BO")
    submit(
        admin_client,
        "/admin/campaigns/engagement/add/",
        campaign=campaign.id,
        decision_maker=maker.id,
        kind="meeting",
        date="2014-02-01",
        stance="champion",
    )
    wait_for(lambda: figures().decision_makers.get("engaged") == 1, 20)
    admin_client.post(f"/admin/campaigns/decisionmaker/{maker.id}/delete/", {"post": "yes"})
    wait_for(lambda: figures().decision_makers.get("engaged") == 0, 20)
    assert Campaign.objects.filter(id=campaign.id).exists()

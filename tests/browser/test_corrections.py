"""An organiser corrects a mistyped figure from the dashboard and sees it change; the record
form and the webhooks page on a phone."""

import re

import pytest
from playwright.sync_api import expect

from campaigns.models import AuditEntry, OutreachActivity, Role
from tallies import services as tallies
from tests.browser.conftest import ARTIFACTS, screenshot
from tests.factories import CampaignFactory, MembershipFactory, OrganisationFactory, UserFactory
from tests.tallies.test_milestones import Receiver
from webhooks import services as webhooks
from webhooks.models import WebhookDelivery

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's


def screenshot_path(name: str):
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"{name}.png"


@pytest.fixture
def organiser(transactional_db):
    organisation = OrganisationFactory(slug="fenatrahob", name="FENATRAHOB")
    user = UserFactory(username="lucia")
    MembershipFactory(user=user, organisation=organisation, role=Role.ORGANISER)
    campaign = CampaignFactory(
        organisation=organisation,
        slug="c189-bolivia",
        title="Ratifiquen el C189",
        countries=["BO", "EC"],
    )
    return user, campaign


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True  # the receiver listens on 127.0.0.1
    running = Receiver()
    yield running
    running.close()


def log_in(page, base, username):
    page.goto(f"{base}/dashboard/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form.sign button[type=submit]").click()
    page.wait_for_url(re.compile(r"/dashboard/$"))


def fits(page, width=360) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= width


def scrolling_tables(page, selector: str) -> int:
    """How many of these tables are wider than their box (read sideways on a phone)."""
    return page.locator(selector).evaluate_all(
        "boxes => boxes.filter(box => box.scrollWidth > box.clientWidth + 1).length"
    )


def test_an_organiser_corrects_a_mistyped_reach_and_sees_the_figure_change(
    live_server, desktop, organiser
):
    user, campaign = organiser
    base = live_server.url
    log_in(desktop, base, user.username)
    desktop.goto(f"{base}/dashboard/c/{campaign.slug}/")
    desktop.get_by_role("link", name="Record outreach").click()
    desktop.locator("#id_channel").select_option("radio")
    expect(desktop.locator("#id_country")).to_have_value("")  # nothing chosen for them
    desktop.locator("#id_country-search").fill("bolivia")  # the search box the script adds
    expect(desktop.locator("#id_country")).to_have_value("BO")
    desktop.locator("#id_date").fill("2014-03-08")
    desktop.locator("#id_reach").fill("1,800,000")  # the slip: a zero too many
    desktop.get_by_role("button", name="Save").click()
    desktop.wait_for_url(re.compile(rf"/dashboard/c/{campaign.slug}/#records-outreach$"))
    expect(desktop.locator(".messages")).to_contain_text("figures follow")

    tallies.campaign_tally_records(campaign_id=campaign.id)  # what the worker does on commit
    desktop.reload()
    figure = desktop.locator("#h-reach + p.big")
    expect(figure).to_have_text("1,800,000 people reached")

    outreach = desktop.locator("#records-outreach + .table-wrap")
    expect(outreach).to_contain_text("1,800,000")
    outreach.get_by_role("link", name=re.compile(r"^Edit")).click()
    desktop.get_by_role("heading", name="Correct outreach").wait_for()
    expect(desktop.locator("#id_reach")).to_have_value("1800000")
    expect(desktop.locator("#id_country")).to_have_value("BO")
    desktop.locator("#id_reach").fill("180,000")
    desktop.get_by_role("button", name="Save").click()
    desktop.wait_for_url(re.compile(rf"/dashboard/c/{campaign.slug}/#records-outreach$"))

    tallies.campaign_tally_records(campaign_id=campaign.id)
    desktop.reload()
    expect(figure).to_have_text("180,000 people reached")
    desktop.locator("#records").scroll_into_view_if_needed()
    screenshot(desktop, "corrections-records-desktop", full_page=False)
    entry = AuditEntry.objects.get(action="outreach.update")
    assert (entry.actor_name, entry.changes) == ("lucia", {"reach": [1_800_000, 180_000]})

    # Removing asks first, and says what goes.
    outreach.get_by_role("link", name=re.compile(r"^Remove")).click()
    expect(desktop.get_by_role("heading", level=2)).to_have_text(
        "Remove this outreach record (Radio, BO, March 8, 2014, 180,000 people reached)?"
    )
    screenshot(desktop, "corrections-remove-desktop")
    assert OutreachActivity.objects.exists()
    desktop.get_by_role("button", name="Yes, remove it").click()
    expect(desktop.locator(".messages")).to_contain_text("Outreach record removed.")
    assert not OutreachActivity.objects.exists()
    assert desktop.errors == []


def test_the_record_form_on_a_phone_asks_about_a_country_outside_the_campaign(
    live_server, phone, organiser
):
    user, campaign = organiser
    base = live_server.url
    log_in(phone, base, user.username)
    phone.goto(f"{base}/dashboard/c/{campaign.slug}/outreach/new/")
    country = phone.locator("#id_country")
    expect(country).to_have_value("")
    groups = country.locator("optgroup")
    assert groups.first.locator("option").evaluate_all("os => os.map(o => o.value)") == [
        "BO",
        "EC",
    ]
    assert fits(phone)
    screenshot(phone, "record-form-phone")

    phone.locator("#id_channel").select_option("radio")
    phone.locator("#id_country-search").fill("peru")  # finds "Perú"
    expect(country).to_have_value("PE")
    phone.locator("#id_date").fill("2014-03-08")
    phone.locator("#id_reach").fill("1.800.000")  # as it is written in Bolivia
    phone.locator("form.sign button[type=submit]").click()
    warning = phone.locator(".warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("Perú")
    assert not OutreachActivity.objects.exists()
    assert fits(phone)
    screenshot(phone, "record-form-warning-phone")
    phone.locator("#id_confirm").check()
    phone.locator("form.sign button[type=submit]").click()
    phone.wait_for_url(re.compile(rf"/dashboard/c/{campaign.slug}/#records-outreach$"))
    activity = OutreachActivity.objects.get()
    assert (activity.country.code, activity.reach) == ("PE", 1_800_000)
    # The records on the campaign's page, on the phone: edit and remove within reach.
    records = phone.locator("#records")
    expect(records.locator("#records-outreach + .table-wrap")).to_contain_text(
        re.compile(r"1\s?800\s?000")
    )
    assert fits(phone)
    records.screenshot(path=str(screenshot_path("records-phone")))
    assert scrolling_tables(phone, "#records .table-wrap") == 0
    assert phone.errors == []


def test_the_webhooks_page_on_a_phone(live_server, phone, organiser, receiver, settings):
    user, campaign = organiser
    organisation = campaign.organisation
    base = live_server.url
    old = webhooks.webhook_endpoint_create(
        by=user,
        organisation=organisation,
        url="http://127.0.0.1:9/federacion/crm/api/v2/webhooks/entrantes/voces?fuente=dashboard",
        secret="an-older-secret-of-the-crm",
        events=["milestone", "signature"],
    )
    webhooks.webhook_endpoint_update(by=user, endpoint=old, active=False)
    log_in(phone, base, user.username)
    phone.locator(f"a[href='/dashboard/o/{organisation.slug}/webhooks/']").click()
    phone.get_by_role("heading", level=1).wait_for()
    phone.locator(".add-webhook summary").click()  # the add form, folded when endpoints exist
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False  # as in production, for one try
    phone.locator("#id_url").fill("http://10.0.0.7/hook")
    phone.locator("input[name=events][value=milestone]").check()
    phone.locator(".add-webhook button[type=submit]").click()
    expect(phone.locator("#id_url_error")).to_have_text(
        "This address is not reachable from the internet."
    )
    expect(phone.locator("input[name=events][value=milestone]")).to_be_checked()
    assert fits(phone)
    phone.locator(".add-webhook").screenshot(path=str(screenshot_path("webhooks-add-error-phone")))
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    phone.locator("#id_url").fill(receiver.url)
    phone.locator(".add-webhook button[type=submit]").click()
    secret = phone.locator("#new-secret")
    expect(secret).to_be_visible()
    new = organisation.webhooks.get(url=receiver.url)
    expect(secret).to_have_value(new.secret)

    phone.locator(f"form[action$='/webhooks/{new.id}/test/'] button").click()
    expect(phone.locator(".messages")).to_contain_text("HTTP 200")
    assert len(receiver.requests) == 1
    assert receiver.requests[0][0]["X-Voces-Event"] == "test"
    assert WebhookDelivery.objects.get(endpoint=new).state == "delivered"
    expect(phone.locator("#new-secret")).to_have_count(0)  # shown once
    expect(phone.locator("table.deliveries")).to_contain_text("HTTP 200")
    assert fits(phone)
    assert scrolling_tables(phone, ".webhook .table-wrap") == 0
    screenshot(phone, "webhooks-phone")
    # Chromium logs the refused form's 400 (asked for above); nothing else went wrong.
    assert [e for e in phone.errors if "status of 400" not in e] == []
    assert len(phone.errors) == 1

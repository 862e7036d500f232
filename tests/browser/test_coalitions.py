"""A coalition in Chromium: a partner union embeds the form on its own site, a signer signs
through it, the union's organiser sees that signer, the lead's organiser sees it too, and a
second partner sees only the totals."""

import re

import pytest

from campaigns.models import CampaignPartner, Role
from signatures.models import Signature
from tallies.services import campaign_tally
from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.browser.test_embed import PARTNER_PAGE, partner_site  # noqa: F401 (a fixture)
from tests.factories import (
    CampaignFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
    confirmed_rows,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's


@pytest.fixture
def coalition():
    lead = OrganisationFactory(slug="care-lac", name="CARE LAC")
    union = OrganisationFactory(slug="fenatrahob", name="FENATRAHOB")
    other = OrganisationFactory(slug="sintrahogar", name="SINTRAHOGAR")
    campaign = CampaignFactory(
        organisation=lead,
        slug="ratify-c189",
        title="Ratifiquen el Convenio 189",
        countries=["BO", "PE"],
        require_confirmation=False,
    )
    for org in (union, other):
        CampaignPartner.objects.create(campaign=campaign, organisation=org, status="active")
    users = {}
    for username, org in (("luis", lead), ("juana", union), ("marta", other)):
        users[username] = UserFactory(username=username)
        MembershipFactory(user=users[username], organisation=org, role=Role.ORGANISER)
    return campaign


def log_in(page, base, username):
    page.goto(f"{base}/dashboard/login/?lang=en")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form.sign button[type=submit]").click()
    page.wait_for_url(re.compile(r"/dashboard/$"))


def test_a_partners_embed_signer_is_seen_by_the_partner_and_the_lead_not_by_others(
    live_server,
    browser,
    phone,
    partner_site,  # noqa: F811
    coalition,
):
    pages, origin = partner_site
    # The union's organiser copies its own embed snippet from the campaign's page.
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    desk = context.new_page()
    log_in(desk, live_server.url, "juana")
    desk.goto(f"{live_server.url}/dashboard/c/{coalition.slug}/")
    assert desk.get_by_text("You follow this campaign as a partner").is_visible()
    desk.get_by_text("Your organisation's embed snippet").click()
    snippet = desk.locator(".notice pre.snippet code").inner_text()
    assert "partner=fenatrahob" in snippet
    screenshot(desk, "coalition-partner-campaign-desktop")

    # A signer on the union's own site, on a phone.
    pages["/"] = PARTNER_PAGE.format(embed=snippet)
    phone.goto(f"{origin}/")
    frame = phone.frame_locator("iframe")
    frame.get_by_text("CARE LAC, con FENATRAHOB").wait_for()
    assert frame.get_by_text("CARE LAC y FENATRAHOB").count() == 1  # who holds the details
    frame.locator("#id_name").fill("Juana Mamani")
    frame.locator("#id_email").fill("juana.mamani@example.org")
    frame.locator("#id_consent").check()
    frame.get_by_role("button", name="Firmar").click()
    frame.get_by_role("heading", name=re.compile("Gracias")).wait_for()
    signature = Signature.objects.get()
    assert signature.partner.slug == "fenatrahob"

    def review(username):
        page = browser.new_context(viewport=DESKTOP, locale="en-GB").new_page()
        log_in(page, live_server.url, username)
        page.goto(f"{live_server.url}/dashboard/c/{coalition.slug}/signatures/?status=confirmed")
        return page

    # The union's organiser sees the signer; so does the lead's.
    for username in ("juana", "luis"):
        page = review(username)
        assert page.get_by_text("juana.mamani@example.org").count() >= 1, username
        screenshot(page, f"coalition-signatures-{username}-desktop")
        page.context.close()
    # The second partner sees the campaign and its count, never the signer.
    page = review("marta")
    assert page.get_by_text("juana.mamani@example.org").count() == 0
    page.goto(f"{live_server.url}/dashboard/c/{coalition.slug}/")
    assert page.get_by_text("You follow this campaign as a partner").is_visible()
    assert "juana.mamani" not in page.content()
    screenshot(page, "coalition-other-partner-desktop")
    page.context.close()
    context.close()


def test_a_coalition_on_a_phone(live_server, browser, coalition):
    """The lead's owner invites on the partners page, the union's owner answers from home,
    and sees the campaign as a partner: each page read at 360 px."""
    owner = UserFactory(username="ana")
    MembershipFactory(user=owner, organisation=coalition.organisation, role=Role.OWNER)
    union_owner = UserFactory(username="rosa")
    union = OrganisationFactory(slug="fentrahob-peru", name="FENTRAHOB Perú")
    MembershipFactory(user=union_owner, organisation=union, role=Role.OWNER)

    def fits(page):
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    context = browser.new_context(viewport=PHONE, locale="es-BO")
    page = context.new_page()
    log_in(page, live_server.url, "ana")
    page.goto(f"{live_server.url}/dashboard/c/{coalition.slug}/partners/")
    page.locator("#id_organisation").fill("fentrahob-peru")
    page.locator("#add-partner + form button[type=submit]").click()
    page.get_by_text("FENTRAHOB Perú").first.wait_for()
    fits(page)
    screenshot(page, "coalition-partners-phone")
    context.close()

    context = browser.new_context(viewport=PHONE, locale="es-BO")
    page = context.new_page()
    log_in(page, live_server.url, "rosa")
    page.goto(f"{live_server.url}/dashboard/")
    fits(page)
    screenshot(page, "coalition-invitation-phone")
    page.locator("button[name=answer][value=accept]").click()
    page.wait_for_url(re.compile(rf"/dashboard/c/{coalition.slug}/"))
    fits(page)
    screenshot(page, "coalition-partner-campaign-phone")
    context.close()
    assert CampaignPartner.objects.get(organisation=union).status == "active"


def test_a_partners_goal_and_the_leads_partner_column_on_a_phone(live_server, browser, coalition):
    """The union's organiser gives its share a goal on its view of the campaign and sees its
    own milestones; the lead's organiser reviews signatures with the partner each came
    through: each page read at 360 px."""
    union = coalition.partnerships.get(organisation__slug="fenatrahob").organisation

    def fits(page):
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    context = browser.new_context(viewport=PHONE, locale="es-BO")
    page = context.new_page()
    log_in(page, live_server.url, "juana")
    page.goto(f"{live_server.url}/dashboard/c/{coalition.slug}/?lang=es")
    page.locator("#id_goal").fill("4")
    page.locator('form[action*="/partners/fenatrahob/goal/"] button[type=submit]').click()
    page.get_by_text("La meta de FENATRAHOB es de 4 firmas.").wait_for()
    assert CampaignPartner.objects.get(organisation=union).goal == 4
    confirmed_rows(coalition, 2, email="union{n}@example.org", partner=union)
    confirmed_rows(coalition, 1, email="lead{n}@example.org")
    campaign_tally(campaign_id=coalition.id)
    page.reload()
    share = page.locator("section[aria-labelledby=h-share]")
    assert "2 de 4 firmas confirmadas" in share.inner_text()
    assert "50% de tu meta" in share.inner_text()
    fits(page)
    screenshot(page, "coalition-partner-goal-phone")
    context.close()

    context = browser.new_context(viewport=PHONE, locale="es-BO")
    page = context.new_page()
    log_in(page, live_server.url, "luis")
    page.goto(
        f"{live_server.url}/dashboard/c/{coalition.slug}/signatures/?status=confirmed&lang=es"
    )
    table = page.locator("table.review")
    assert table.locator("th", has_text="Aliada").count() == 1
    assert table.locator("td.partner", has_text="FENATRAHOB").count() == 2
    fits(page)
    screenshot(page, "coalition-review-lead-phone")
    context.close()

"""An organiser runs a campaign from the dashboard alone, as people would: at 1280 px they
create it with a Quechua translation and a Quechua consent text, preview it and open it; at
360 px a signer reads it in Quechua (the interface in Spanish) and signs; then the organiser
closes it with its outcome."""

import re

import pytest
from playwright.sync_api import expect

from campaigns.models import Campaign, Role
from signatures.models import ConsentText, Signature
from tests.browser.conftest import PHONE, _page, screenshot
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's
SLUG = "hampiy-runasimipi-salud-en-nuestra-lengua"
QU_TITLE = "Hampiy runasimipi"
QU_PETITION = "Hampina wasikunapi runasimipi rimaq llamkaqkuna kanankuta mañakuyku."
QU_CONSENT = "{organisation} sutiyta, correoyta, llaqtaytapas waqaychanqa. Arí nini."


@pytest.fixture
def organiser():
    organisation = OrganisationFactory(slug="care-peru", name="CARE Perú", country="PE")
    user = UserFactory(username="killa")
    MembershipFactory(user=user, organisation=organisation, role=Role.ORGANISER)
    return user


def log_in(page, base):
    page.goto(f"{base}/dashboard/login/")
    page.locator("#id_username").fill("killa")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form.sign button[type=submit]").click()
    page.wait_for_url(re.compile(r"/dashboard/$"))


def test_an_organiser_creates_previews_opens_and_closes_a_quechua_campaign(
    live_server, desktop, browser, organiser
):
    base = live_server.url
    log_in(desktop, base)
    desktop.get_by_role("link", name="New campaign").first.click()
    desktop.wait_for_url(re.compile(r"/dashboard/c/new/"))

    # The address follows the title, as the server would make it.
    desktop.locator("#id_title").fill("Hampiy runasimipi: salud en nuestra lengua")
    expect(desktop.locator("#id_slug")).to_have_value(SLUG)
    desktop.locator("#id_summary").fill("Atención de salud en quechua para las mujeres indígenas.")
    desktop.locator("#id_petition_text").fill(
        "Pedimos que los establecimientos de salud cuenten con personal que hable quechua."
    )
    desktop.locator("#id_goal").fill("20000")
    desktop.locator("#id_require_confirmation").uncheck()
    # The countries' search box narrows the list as one types.
    search = desktop.locator("#country-filter")
    expect(search).to_be_visible()
    search.fill("peru")
    expect(desktop.locator("label.country-option:has(input[value=PE])")).to_be_visible()
    expect(desktop.locator("label.country-option:has(input[value=AF])")).to_be_hidden()
    desktop.locator("input[name=countries][value=PE]").check()
    search.fill("")
    expect(desktop.locator("label.country-option:has(input[value=AF])")).to_be_visible()
    desktop.locator("#id_languages").fill("es, qu")
    desktop.locator("#id_translations-0-language").fill("qu")
    desktop.locator("#id_translations-0-title").fill(QU_TITLE)
    desktop.locator("#id_translations-0-summary").fill("Warmikunapaq runasimipi hampiy.")
    desktop.locator("#id_translations-0-petition_text").fill(QU_PETITION)
    screenshot(desktop, "campaign-new-desktop")
    desktop.get_by_role("button", name="Create the campaign").click()
    desktop.wait_for_url(re.compile(rf"/dashboard/c/{SLUG}/edit/$"))
    expect(desktop.locator(".messages")).to_contain_text("Campaign created")
    campaign = Campaign.objects.get(slug=SLUG)
    assert campaign.status == Campaign.Status.DRAFT
    assert campaign.languages == ["es", "qu"]
    assert [c.code for c in campaign.countries] == ["PE"]
    assert campaign.translations.get().title == QU_TITLE

    # A Quechua consent text: a new version of the campaign's own.
    consent = desktop.locator(".consent-text", has=desktop.locator("h3", has_text="(qu)"))
    expect(consent).to_contain_text("there is none in Quechua (qu) yet")
    consent.get_by_text("Write a new wording").click()
    consent.locator("textarea").fill(QU_CONSENT)
    desktop.get_by_role("button", name="Save", exact=True).click()
    expect(desktop.locator(".messages")).to_contain_text("new version of the consent in qu")
    expect(consent.locator("blockquote.in-force")).to_contain_text("CARE Perú sutiyta")
    assert ConsentText.objects.get(campaign=campaign).language == "qu"

    # The preview: the public page of the draft, with a form that sends nothing.
    desktop.get_by_role("link", name="Preview the public page").click()
    desktop.wait_for_url(re.compile(rf"/dashboard/c/{SLUG}/preview/"))
    expect(desktop.locator(".preview-banner")).to_contain_text("Preview — not published")
    expect(desktop.get_by_role("button", name="Sign")).to_be_disabled()
    expect(desktop.locator("#id_name")).to_be_disabled()
    desktop.get_by_role("link", name="Runasimi").click()
    expect(desktop.locator("h1")).to_have_text(QU_TITLE)
    expect(desktop.locator("section.petition")).to_contain_text(QU_PETITION)
    assert desktop.locator("article.campaign").get_attribute("lang") == "qu"
    screenshot(desktop, "campaign-preview-desktop")

    # Open it.
    desktop.get_by_role("link", name="Back to editing").click()
    desktop.get_by_role("button", name="Open the campaign").click()
    expect(desktop.locator(".messages")).to_contain_text("The campaign is open")
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.OPEN

    # The edit page on the organiser's phone: nothing wider than the screen.
    context, organiser_phone = _page(browser, PHONE, "es-BO")
    try:
        log_in(organiser_phone, base)
        organiser_phone.goto(f"{base}/dashboard/c/{SLUG}/edit/")
        expect(organiser_phone.locator("#country-filter")).to_be_visible()
        assert organiser_phone.evaluate("document.documentElement.scrollWidth") <= 360
        screenshot(organiser_phone, "campaign-edit-phone")
        assert organiser_phone.errors == []
    finally:
        context.close()

    # A signer on a phone reads it in Quechua; the interface falls back to Spanish.
    context, phone = _page(browser, PHONE, "es-BO")
    try:
        phone.goto(f"{base}/c/{SLUG}/?lang=qu")
        assert phone.locator("html").get_attribute("lang") == "es"
        assert phone.locator("article.campaign").get_attribute("lang") == "qu"
        expect(phone.locator("h1")).to_have_text(QU_TITLE)
        expect(phone.locator("section.petition")).to_contain_text(QU_PETITION)
        assert phone.locator("#id_country").input_value() == "PE"
        assert phone.evaluate("document.documentElement.scrollWidth") <= 360
        phone.locator("#id_name").fill("Killa Huamán Quispe")
        phone.locator("#id_email").fill("killa.huaman@example.org")
        phone.locator("#id_consent").check()
        agreed_to = phone.locator("label[for=id_consent]").inner_text()
        screenshot(phone, "sign-quechua-phone")
        phone.get_by_role("button", name="Firmar").click()
        phone.wait_for_url(re.compile(r"/thanks/"))
        expect(phone.locator("h1")).to_contain_text("¡Gracias")
        assert phone.errors == []
    finally:
        context.close()
    signature = Signature.objects.get()
    assert (signature.status, signature.source) == ("confirmed", "web")
    # The signature keeps the very text its signer was shown.
    shown = signature.consent_text.rendered(organisation="CARE Perú")
    assert " ".join(shown.split()) == " ".join(agreed_to.split())

    # The organiser closes the campaign with its outcome.
    desktop.goto(f"{base}/dashboard/c/{SLUG}/edit/")
    desktop.get_by_role("link", name="Close the campaign…").click()
    close = desktop.locator("form#close")
    close.get_by_role("button", name="Close the campaign").click()
    expect(close.locator(".error")).to_contain_text("Choose the outcome")
    # That page came back 400, as meant; Chromium says so on the console.
    assert [error for error in desktop.errors if "400" not in error] == []
    desktop.errors.clear()
    desktop.locator("form#close").get_by_label("Partly won").check()
    desktop.locator("form#close").get_by_role("button", name="Close the campaign").click()
    expect(desktop.locator(".messages")).to_contain_text("The campaign is closed")
    campaign.refresh_from_db()
    assert (campaign.status, campaign.outcome) == ("closed", "partly_won")
    assert campaign.closed_at is not None
    desktop.goto(f"{base}/c/{SLUG}/")
    expect(desktop.locator(".notice")).to_contain_text("partly won")
    assert desktop.errors == []

"""A collector copies and shares their link on a phone; organisers deactivate a link."""

import re

import pytest

from signatures.models import Collector
from tests.browser.conftest import DESKTOP, PHONE, demo_log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What a phone with a share sheet (Android's Chrome) has; Chromium on Linux has none.
FAKE_SHARE = """
window.__shared = [];
navigator.share = function (data) { window.__shared.push(data); return Promise.resolve(); };
navigator.canShare = function () { return true; };
"""


def fits_the_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_collector_copies_their_link_on_a_phone(live_server, phone, seeded):
    phone.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    demo_log_in(phone, live_server.url, "rosa")
    phone.goto(f"{live_server.url}/dashboard/me/")
    card = phone.locator(".my-campaigns > li").filter(has=phone.locator("[data-share]")).first
    link = card.locator("[data-share-link]")
    url = link.get_attribute("href")
    assert re.fullmatch(rf"{live_server.url}/c/[a-z0-9-]+/\?ref=rosa-apaza", url)
    # The link in full, wrapped inside the card: nothing cut, nothing wider than the phone.
    assert link.inner_text() == url
    box = link.bounding_box()
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"]
    fits_the_phone(phone)
    # Its count, its QR code (drawn), its paper sheet.
    assert re.search(r"\d", card.locator(".collector-count").inner_text())
    qr = card.locator(".qr-large img")
    qr.scroll_into_view_if_needed()
    assert qr.evaluate("i => i.complete && i.naturalWidth") > 0
    assert qr.bounding_box()["width"] >= 150  # big enough for another phone to scan
    assert card.locator("a[href*='/sheet/?collector=rosa-apaza']").count() == 1
    # No share sheet on this browser: the plain WhatsApp and email links are there.
    assert card.locator("[data-share-native]").is_hidden()
    whatsapp = card.locator("a[href^='https://wa.me/']")
    assert whatsapp.is_visible()
    assert "ref%3Drosa-apaza" in whatsapp.get_attribute("href")
    assert card.locator("a[href^='mailto:']").is_visible()

    card.locator("[data-share-copy]").click()
    status = card.locator("[data-share-status]")
    status.filter(has_text=re.compile(r"\S")).wait_for()
    assert phone.evaluate("navigator.clipboard.readText()") == url
    screenshot(phone, "me-phone")
    assert phone.errors == []

    # The paper sheet carries the collector's name.
    card.locator("a[href*='/sheet/?collector=rosa-apaza']").click()
    assert "Rosa Apaza" in phone.locator("main").inner_text()


def my_first_card(page, base):
    demo_log_in(page, base, "rosa")
    page.goto(f"{base}/dashboard/me/")
    return page.locator(".my-campaigns > li").filter(has=page.locator("[data-share]")).first


def test_a_phone_with_a_share_sheet_or_without_javascript(browser, live_server, seeded):
    """The same page where the phone has a share sheet, and where JavaScript is off."""
    context = browser.new_context(viewport=PHONE, locale="es-BO", is_mobile=True, has_touch=True)
    context.add_init_script(FAKE_SHARE)
    card = my_first_card(context.new_page(), live_server.url)
    url = card.locator("[data-share-link]").get_attribute("href")
    assert card.locator("a[href^='https://wa.me/']").is_hidden()  # the share sheet has it
    card.locator("[data-share-native]").click()
    shared = card.page.evaluate("window.__shared")
    assert len(shared) == 1
    assert shared[0]["url"] == url
    assert shared[0]["title"]
    assert shared[0]["text"]
    context.close()

    context = browser.new_context(viewport=PHONE, locale="es-BO", java_script_enabled=False)
    card = my_first_card(context.new_page(), live_server.url)
    assert card.locator("[data-share-link]").is_visible()  # to press and hold
    assert card.locator("[data-share-copy]").is_hidden()  # a button that could do nothing
    assert card.locator("[data-share-native]").is_hidden()
    assert card.locator("a[href^='https://wa.me/']").is_visible()
    fits_the_phone(card.page)
    context.close()

    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    card = my_first_card(context.new_page(), live_server.url)
    assert card.locator("[data-share-copy]").is_visible()
    screenshot(card.page, "me-desktop")
    context.close()


def test_an_organiser_deactivates_and_reactivates_a_link_on_a_phone(
    browser, live_server, phone, seeded
):
    demo_log_in(phone, live_server.url, "luis")
    phone.goto(f"{live_server.url}/dashboard/c/ratify-c189/collectors/")
    fits_the_phone(phone)
    cards = phone.locator(".collector-list > li")
    assert cards.count() >= 8
    for index in range(cards.count()):  # every link whole inside the phone
        box = cards.nth(index).locator("[data-share-link]").bounding_box()
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= PHONE["width"]
    screenshot(phone, "collectors-phone")

    rosa = phone.locator("#collector-rosa-apaza")
    rosa.locator(".collector-state button").click()
    confirm = phone.locator(".confirm")
    assert "Rosa Apaza" in confirm.locator("h2").inner_text()
    fits_the_phone(phone)
    screenshot(phone, "collectors-deactivate-confirm-phone", full_page=False)
    assert Collector.objects.get(code="rosa-apaza").active  # asking changed nothing
    confirm.locator("button[type=submit]").click()
    phone.wait_for_url(re.compile(r"/collectors/#collector-rosa-apaza$"))
    assert not Collector.objects.get(code="rosa-apaza").active
    rosa = phone.locator("#collector-rosa-apaza")
    assert rosa.locator(".status-inactive").is_visible()
    assert rosa.locator("[data-share-link]").count() == 0
    screenshot(phone, "collectors-inactive-phone", full_page=False)

    rosa.locator(".collector-state button").click()
    phone.wait_for_url(re.compile(r"/collectors/#collector-rosa-apaza$"))
    assert Collector.objects.get(code="rosa-apaza").active
    assert phone.errors == []

    # On the desktop: the cards side by side; a code taken already is said on its field.
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    desktop = context.new_page()
    demo_log_in(desktop, live_server.url, "luis")
    desktop.goto(f"{live_server.url}/dashboard/c/ratify-c189/collectors/")
    assert desktop.locator(".collector-list > li").first.bounding_box()["width"] < 640
    screenshot(desktop, "collectors-desktop")
    desktop.goto(f"{live_server.url}/dashboard/c/ratify-c189/collectors/?lang=en")
    desktop.locator("#id_name").fill("Otra Rosa")
    desktop.locator("#id_code").fill("rosa-apaza")
    desktop.get_by_role("button", name="Add", exact=True).click()
    error = desktop.locator("#id_code_error")
    assert "already has this code" in error.inner_text()
    error.scroll_into_view_if_needed()
    screenshot(desktop, "collectors-duplicate-code-desktop", full_page=False)
    context.close()

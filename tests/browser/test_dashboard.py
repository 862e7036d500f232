import re

import pytest
from playwright.sync_api import expect

from signatures.models import Signature
from tests.browser.conftest import demo_log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_organiser_follows_a_campaign_on_the_desktop(live_server, desktop, seeded):
    demo_log_in(desktop, live_server.url)
    screenshot(desktop, "dashboard-home-desktop")
    desktop.get_by_role("link", name=re.compile("Ratify ILO|Ratifiquen")).first.click()
    desktop.get_by_role("heading", name=re.compile("Progress|Avance")).wait_for()
    text = desktop.locator("main").inner_text()
    assert "121,500" in text or "121 500" in text  # the tally, formatted for the reader
    assert "7.0" in text  # decision-makers engaged against the baseline
    assert desktop.locator("svg.chart").count() >= 4
    screenshot(desktop, "dashboard-campaign-desktop")
    screenshot(desktop, "readme-dashboard", full_page=False)
    # Filter the decision-maker board by stance.
    desktop.locator("#f-stance").select_option("champion")
    desktop.get_by_role("button", name=re.compile("Filter|Filtrar")).click()
    rows = desktop.locator("#h-dm ~ .table-wrap tbody tr")
    assert rows.count() >= 1
    assert desktop.errors == []


def test_the_campaign_dashboard_reads_on_a_phone(live_server, phone, seeded):
    demo_log_in(phone, live_server.url)
    phone.goto(f"{live_server.url}/dashboard/c/ratify-c189/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "dashboard-campaign-phone")
    assert phone.errors == []


def test_collectors_and_the_paper_sheet(live_server, desktop, seeded):
    demo_log_in(desktop, live_server.url)
    desktop.goto(f"{live_server.url}/dashboard/c/ratify-c189/collectors/")
    assert desktop.locator("img[src$='qr.svg']").count() >= 8
    assert desktop.locator("img[src$='qr.svg']").first.evaluate("i => i.naturalWidth") > 0
    screenshot(desktop, "dashboard-collectors-desktop")
    desktop.goto(f"{live_server.url}/dashboard/c/ratify-c189/sheet/")
    expect(desktop.locator(".no-print")).to_be_visible()
    desktop.emulate_media(media="print")
    expect(desktop.locator(".no-print")).to_have_count(1)
    assert not desktop.locator(".no-print").is_visible()
    screenshot(desktop, "paper-sheet-print")


def test_an_organiser_imports_a_paper_sheet(live_server, desktop, seeded, tmp_path):
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(
        "name,email,country,postal_code,collector,signed_on\n"
        "Nueva Firmante,nueva.firmante@example.org,BO,,rosa-apaza,2026-11-20\n"
        "Sin Correo,,BO,,,\n",
        encoding="utf-8",
    )
    demo_log_in(desktop, live_server.url)
    desktop.goto(f"{live_server.url}/dashboard/c/ratify-c189/import/")
    desktop.locator("input[type=file]").set_input_files(str(sheet))
    desktop.locator("form.sign button[type=submit]").click()
    desktop.wait_for_url(re.compile(r"/dashboard/imports/\d+/"))
    text = desktop.locator("main").inner_text()
    assert "1 signatures added." in text
    assert "0 duplicates not added." in text
    assert "1 rows rejected." in text
    assert desktop.locator("table tbody tr").count() == 1  # the rejected row, with its number
    screenshot(desktop, "dashboard-import-result")
    assert Signature.objects.filter(
        email_normalised="nueva.firmante@example.org", collector__code="rosa-apaza"
    ).exists()


def test_a_collector_sees_their_own_page(live_server, phone, seeded):
    demo_log_in(phone, live_server.url, username="rosa")
    phone.wait_for_url(re.compile(r"/dashboard/me/"))
    assert "Rosa Apaza" in phone.locator("main").inner_text()
    screenshot(phone, "collector-page-phone")

"""The results page in Chromium: the demo's C189 framework at a phone's width and on a
desktop, the period picker, and its print rendering (what "print to PDF" gives a donor)."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, demo_log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_organiser_reads_the_results_on_the_desktop_and_prints_them(
    live_server, desktop, seeded
):
    demo_log_in(desktop, live_server.url)
    desktop.goto(f"{live_server.url}/dashboard/c/ratify-c189/?lang=en")
    desktop.get_by_role("link", name="Results", exact=True).click()
    desktop.get_by_role("heading", name=re.compile("^Results:")).wait_for()
    table = desktop.locator("table.indicators")
    engaged = table.locator("tr", has_text="Decision-makers engaged")
    expect(engaged).to_contain_text("×7")
    members = table.locator("tr", has_text="Afiliadas")
    expect(members).to_contain_text("+2,075")
    expect(members).to_contain_text("+94%")
    assert desktop.locator("section.indicator svg.chart").count() >= 4
    screenshot(desktop, "results-campaign-desktop")
    screenshot(desktop, "readme-results", full_page=False)
    # The period picker: 2012 to 2014, the programme's evaluation period.
    desktop.locator("#id_from").fill("2012-01-01")
    desktop.locator("#id_to").fill("2014-12-31")
    desktop.get_by_role("button", name="Show").click()
    desktop.wait_for_url(re.compile(r"from=2012-01-01"))
    expect(desktop.locator(".period")).to_contain_text("2012")
    expect(desktop.locator("table.indicators tr", has_text="Afiliadas")).to_contain_text("4,282")
    desktop.emulate_media(media="print")
    assert not desktop.locator("form.period-picker").is_visible()
    assert not desktop.locator("header.site").is_visible()
    expect(desktop.locator(".org")).to_contain_text("CARE")
    screenshot(desktop, "results-campaign-print")
    # What "print to PDF" gives: the printed pages themselves.
    pdf = desktop.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")
    (ARTIFACTS / "results-campaign-print.pdf").write_bytes(pdf)
    desktop.emulate_media(media="screen")
    # The programme: all of CARE LAC's campaigns.
    desktop.goto(f"{live_server.url}/dashboard/")
    desktop.get_by_role("link", name="Results", exact=True).first.click()
    desktop.get_by_role("heading", name=re.compile("^Results of")).wait_for()
    expect(desktop.locator("#h-campaigns")).to_be_visible()
    screenshot(desktop, "results-organisation-desktop")
    assert desktop.errors == []


def test_the_results_read_on_a_phone(live_server, phone, seeded):
    # A viewer of CARE LAC: figures, never signers.
    demo_log_in(phone, live_server.url, "vera")
    phone.goto(f"{live_server.url}/dashboard/c/ratify-c189/results/")
    phone.locator("h1").wait_for()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    expect(phone.locator("table.indicators")).to_contain_text("×7")
    assert phone.locator("caption", has_text=re.compile("colector", re.I)).count() == 0
    screenshot(phone, "results-campaign-phone")
    screenshot(phone, "results-campaign-phone-top", full_page=False)
    # A period that ends before it starts: the form says so, nothing breaks.
    phone.goto(f"{live_server.url}/dashboard/c/ratify-c189/results/?from=2014-01-01&to=2013-01-01")
    expect(phone.locator(".period-picker .error")).to_be_visible()
    # AREN's organiser: Niger's members, 47% of the new ones women.
    phone.context.clear_cookies()
    demo_log_in(phone, live_server.url, "mariama")
    phone.goto(f"{live_server.url}/dashboard/c/eau-pastoralisme-niger/results/?lang=fr")
    phone.locator("h1").wait_for()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    expect(phone.locator("#i-membres table.breakdown")).to_contain_text("47%")
    screenshot(phone, "results-niger-phone")
    phone.locator("#i-membres").screenshot(path=str(ARTIFACTS / "results-niger-members-phone.png"))

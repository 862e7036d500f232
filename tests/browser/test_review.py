"""An organiser on a phone finds a burst from one address and rejects it, with a confirmation."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from signatures.bulk import signatures_insert
from signatures.client import client_key
from signatures.models import Signature
from tests.browser.conftest import screenshot
from tests.factories import CampaignFactory, MembershipFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"  # the factory's
BURST = client_key("2001:db8:a:b::1")


@pytest.fixture
def campaign():
    organisation = OrganisationFactory(slug="sindicato", name="Sindicato de Trabajadoras")
    MembershipFactory(user=UserFactory(username="marta"), organisation=organisation)
    campaign = CampaignFactory(organisation=organisation, slug="c189", title="Ratifiquen el C189")
    now = timezone.now()

    def add(emails, **values):
        signatures_insert(
            {
                "campaign_id": campaign.id,
                "name": "Firmante Robot" if "bot" in email else "Juana Mamani Quispe",
                "email": email,
                "email_normalised": email,
                "country": "BO",
                "source": "web",
                "status": "confirmed",
                "confirmed_at": now,
                "created": now,
                **values,
            }
            for email in emails
        )

    add([f"bot{n}@correo-rapido.example" for n in range(12)], client_hash=BURST)
    for n in range(3):
        add([f"persona{n}@example.org"], client_hash=client_key(f"192.0.2.{n + 10}"))
    return campaign


def test_an_organiser_rejects_a_burst_from_the_busiest_addresses_on_a_phone(
    live_server, phone, campaign
):
    phone.goto(f"{live_server.url}/dashboard/login/")
    phone.locator("#id_username").fill("marta")
    phone.locator("#id_password").fill(PASSWORD)
    phone.locator("form.sign button[type=submit]").click()
    phone.wait_for_url(re.compile(r"/dashboard/"))
    phone.goto(f"{live_server.url}/dashboard/c/{campaign.slug}/signatures/")

    # The busiest address of the last hour, with its count, leads to its signatures.
    busiest = phone.locator(".busiest .columns > div").first.locator("li").first
    expect(busiest).to_contain_text(BURST[:12])
    expect(busiest).to_contain_text("12")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    busiest.get_by_role("link").click()
    phone.wait_for_url(re.compile(rf"client_hash={BURST[:12]}"))
    expect(phone.locator("#id_client_hash")).to_have_value(BURST[:12])
    expect(phone.locator("#h-bulk")).to_contain_text("12")
    assert phone.locator("table.review tbody tr").count() == 12

    # Reject them all: first the dry run says how many will change, then the real POST.
    phone.locator(".bulk a[href*='review=rejected']").click()
    confirm = phone.locator(".confirm")
    expect(confirm).to_contain_text("12")
    assert Signature.objects.filter(status="rejected").count() == 0
    screenshot(phone, "review-confirm-phone", full_page=False)
    confirm.locator("button[type=submit]").click()
    phone.wait_for_load_state()
    expect(phone.locator(".messages li")).to_contain_text("12")
    expect(phone.locator("table.review td.status-rejected")).to_have_count(12)
    assert Signature.objects.filter(status="rejected", rejected_reason="organiser").count() == 12
    assert Signature.objects.filter(status="confirmed").count() == 3

    # Readable at 360 px: the table scrolls inside its box, the page does not.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    wrap = phone.locator(".table-wrap")
    assert wrap.evaluate("box => box.scrollWidth > box.clientWidth")
    screenshot(phone, "review-phone")
    assert phone.errors == []

import re
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail

from signatures.models import Signature
from tests.browser.conftest import screenshot
from tests.factories import CampaignFactory
from tests.stack import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill(page_or_frame, *, name="Juana Mamani Quispe", email="juana@example.org", consent=True):
    page_or_frame.locator("#id_name").fill(name)
    page_or_frame.locator("#id_email").fill(email)
    if consent:
        page_or_frame.locator("#id_consent").check()


def test_signing_in_spanish_on_a_phone(live_server, phone):
    campaign = CampaignFactory(require_confirmation=True, countries=["BO", "EC"])
    phone.goto(f"{live_server.url}/c/{campaign.slug}/")
    assert phone.locator("html").get_attribute("lang") == "es"
    assert phone.locator("#id_country").input_value() == "BO"  # preselected from the campaign
    # Nothing is wider than the phone.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "sign-page-phone-es")
    screenshot(phone, "readme-sign-phone", full_page=False)
    fill(phone)
    phone.get_by_role("button", name="Firmar").click()
    phone.wait_for_url(re.compile(r"/thanks/"))
    assert "revisa tu correo" in phone.locator("h1").inner_text().lower()
    screenshot(phone, "thanks-phone-es")
    signature = Signature.objects.get()
    assert (signature.status, signature.language, signature.source) == ("pending", "es", "web")
    assert phone.errors == []


def test_signing_in_english_after_choosing_it(live_server, phone):
    campaign = CampaignFactory(require_confirmation=False)
    phone.goto(f"{live_server.url}/c/{campaign.slug}/")
    phone.get_by_role("link", name="EN", exact=True).click()
    assert phone.locator("html").get_attribute("lang") == "en"
    fill(phone, email="ana@example.org")
    phone.get_by_role("button", name="Sign").click()
    phone.wait_for_url(re.compile(r"/thanks/"))
    assert phone.locator("h1").inner_text() == "Thank you for signing!"
    assert Signature.objects.get().language == "en"
    # The share links are plain links; copying works with the button.
    assert (
        phone.get_by_role("link", name="WhatsApp")
        .get_attribute("href")
        .startswith("https://wa.me/")
    )


def test_errors_appear_next_to_their_fields_and_take_the_focus(live_server, phone):
    campaign = CampaignFactory()
    phone.goto(f"{live_server.url}/c/{campaign.slug}/?lang=en")
    fill(phone, email="not-an-email", consent=False)
    phone.get_by_role("button", name="Sign").click()
    email_error = phone.locator("#error_email")
    assert email_error.is_visible()
    assert "valid email" in email_error.inner_text()
    assert phone.locator("#error_consent").is_visible()
    assert phone.evaluate("document.activeElement.id") == "id_email"
    assert phone.locator("#id_email").get_attribute("aria-describedby") == "hint_email error_email"
    assert phone.locator("#id_name").input_value() == "Juana Mamani Quispe"
    screenshot(phone, "sign-errors-phone-en")
    assert not Signature.objects.exists()


@pytest.fixture
def partner_site(live_server):
    """A partner's page on another origin that embeds the form in an iframe."""
    pages = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = pages.get(self.path, "").encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    # localhost vs 127.0.0.1: a different origin, as a partner's site would be.
    yield pages, f"http://localhost:{server.server_port}"
    server.shutdown()


def test_signing_through_the_embed_on_a_partner_site(live_server, phone, partner_site):
    campaign = CampaignFactory()
    pages, origin = partner_site
    pages["/"] = (
        "<!doctype html><html lang='es'><body><h1>Sindicato de Trabajadoras del Hogar</h1>"
        f"<iframe src='{live_server.url}/c/{campaign.slug}/embed/' title='Firma' "
        "width='100%' height='900'></iframe></body></html>"
    )
    phone.goto(f"{origin}/")
    frame = phone.frame_locator("iframe")
    frame.locator("#id_name").wait_for()
    fill(frame, email="partner@example.org")
    frame.get_by_role("button", name="Firmar").click()
    frame.get_by_role("heading", name=re.compile("Gracias")).wait_for()
    screenshot(phone, "embed-on-partner-site-phone")
    signature = Signature.objects.get()
    assert signature.source == "embed"
    assert phone.url == f"{origin}/"  # the partner's page stayed where it was


@pytest.mark.worker
def test_following_the_confirmation_link(live_server, phone, celery_worker_thread):
    campaign = CampaignFactory(require_confirmation=True)
    phone.goto(f"{live_server.url}/c/{campaign.slug}/?lang=fr")
    fill(phone, name="Mariama Issoufou", email="mariama@example.org")
    phone.get_by_role("button", name="Signer").click()
    phone.wait_for_url(re.compile(r"/thanks/"))
    wait_for(lambda: len(mail.outbox) == 1, 15, message="no confirmation email")
    message = mail.outbox[0]
    assert "Confirmez" in message.subject
    link = re.search(r"https?://\S+(/confirm/\S+/)", message.body).group(1)
    phone.goto(f"{live_server.url}{link}")
    assert Signature.objects.get().status == "pending"  # opening the link is not enough
    phone.get_by_role("button").click()
    phone.get_by_role("heading", name=re.compile("confirmée")).wait_for()
    assert Signature.objects.get().status == "confirmed"


@pytest.mark.real_fill_time
def test_a_phone_that_fills_the_form_at_once_is_asked_to_press_once_more_and_counts(
    live_server, phone, settings
):
    """Was: an autofilled form sent within 3 s was stored rejected, and the thank-you page
    said the opposite. Now the person is asked to press once more, and is counted."""
    assert settings.SIGN_MIN_FILL_SECONDS >= 3
    campaign = CampaignFactory(require_confirmation=False)
    phone.goto(f"{live_server.url}/c/{campaign.slug}/")
    fill(phone)  # as an autofill does: everything in a moment
    phone.get_by_role("button", name="Firmar").click()
    notice = phone.locator("#second-press")
    assert notice.is_visible()
    assert phone.locator("#id_name").input_value() == "Juana Mamani Quispe"
    screenshot(phone, "sign-second-press-phone-es")
    assert not Signature.objects.exists()
    phone.get_by_role("button", name="Firmar ahora").click()
    phone.wait_for_url(re.compile(r"/thanks/"))
    assert Signature.objects.get().status == "confirmed"
    assert phone.errors == []


@pytest.mark.real_fill_time
def test_a_person_who_fixes_an_error_at_once_is_counted(live_server, phone, settings):
    """Was: the form shown again with its error restarted the timer, so ticking the box and
    sending it at once stored the signature rejected (too fast)."""
    campaign = CampaignFactory(require_confirmation=True)
    phone.goto(f"{live_server.url}/c/{campaign.slug}/")
    phone.wait_for_timeout(settings.SIGN_MIN_FILL_SECONDS * 1000 + 300)  # reading the page
    fill(phone, consent=False)
    phone.get_by_role("button", name="Firmar").click()
    assert phone.locator("#error_consent").is_visible()
    phone.locator("#id_consent").check()  # at once
    phone.get_by_role("button", name="Firmar").click()
    phone.wait_for_url(re.compile(r"/thanks/"))
    signature = Signature.objects.get()
    assert (signature.status, signature.rejected_reason) == ("pending", "")
    assert signature.email_state == "owed"  # the confirmation email goes out


def test_signing_with_a_phone_number_where_the_campaign_takes_one(live_server, phone):
    """A domestic worker with WhatsApp and no inbox: the phone, in her country's own form."""
    campaign = CampaignFactory(
        require_confirmation=False, contact="email_or_phone", countries=["BO"]
    )
    phone.goto(f"{live_server.url}/c/{campaign.slug}/")
    phone.locator("#id_name").fill("Juana Mamani Quispe")
    phone.locator("#id_phone").fill("712 34 567")
    phone.locator("#id_consent").check()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "sign-with-phone-es")
    phone.get_by_role("button", name="Firmar").click()
    phone.wait_for_url(re.compile(r"/thanks/"))
    signature = Signature.objects.get()
    assert (signature.phone, signature.email, signature.status) == ("+59171234567", "", "confirmed")
    assert phone.errors == []

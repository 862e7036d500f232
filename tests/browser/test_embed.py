"""The partner's embed on a phone: the snippet fits the frame to the form, from another
origin, and the form still works in a fixed frame without it."""

import re
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from signatures.embed import EMBED_HEIGHT
from signatures.models import Signature
from tests.browser.conftest import PHONE, screenshot
from tests.factories import CampaignFactory, OrganisationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PARTNER_PAGE = (
    "<!doctype html><html lang='es'><head><meta name='viewport' "
    "content='width=device-width, initial-scale=1'><title>Sindicato</title></head><body>"
    "<h1>Sindicato de Trabajadoras del Hogar</h1><p>Firma con nosotras:</p>{embed}"
    "<p id='after'>Gracias por tu apoyo.</p></body></html>"
)


@pytest.fixture
def partner_site(live_server):
    """A partner's page on another origin (another port) that embeds the form."""
    pages = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/favicon.ico":
                self.send_response(204)
                self.end_headers()
                return
            body = pages.get(self.path, "").encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield pages, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def campaign():
    organisation = OrganisationFactory(name="Sindicato de Trabajadoras del Hogar de Bolivia")
    return CampaignFactory(
        organisation=organisation,
        title="Ratifiquen el Convenio 189",
        summary="Pedimos al Estado que ratifique el Convenio 189 de la OIT.",
        countries=["BO", "PE"],
        require_confirmation=False,
    )


def frame_fits(page) -> dict:
    """The frame's height against its document's, and any sideways scrolling inside it."""
    return page.evaluate(
        """() => {
        const f = document.querySelector('iframe');
        const doc = f.contentDocument;  // null: another origin, asked from the frame below
        return {height: f.getBoundingClientRect().height};
    }"""
    ) | page.frames[1].evaluate(
        """() => ({
        scrollHeight: document.documentElement.scrollHeight,
        clientHeight: document.documentElement.clientHeight,
        scrollWidth: document.documentElement.scrollWidth,
        clientWidth: document.documentElement.clientWidth,
    })"""
    )


def shoot_whole(page, name):
    """A full-page shot paints a cross-origin frame only where the viewport was: make the
    viewport as tall as the page for the shot instead."""
    page.set_viewport_size({**PHONE, "height": page.evaluate("document.body.scrollHeight")})
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(300)
    screenshot(page, name, full_page=False)
    page.set_viewport_size(PHONE)


def test_the_snippet_fits_the_frame_to_the_form_on_a_phone(
    live_server, phone, partner_site, campaign
):
    pages, origin = partner_site
    snippet = phone.request.get(f"{live_server.url}/api/v1/campaigns/{campaign.slug}/").json()[
        "embed_snippet"
    ]
    pages["/"] = PARTNER_PAGE.format(embed=snippet)
    phone.goto(f"{origin}/")
    frame = phone.frame_locator("iframe")
    frame.locator("#id_name").wait_for()
    # The frame grows past its fixed height to the whole form: no scroll bar inside it.
    phone.wait_for_function(
        f"document.querySelector('iframe').getBoundingClientRect().height > {EMBED_HEIGHT}"
    )
    fits = frame_fits(phone)
    assert fits["height"] >= fits["scrollHeight"], fits
    assert fits["scrollHeight"] <= fits["clientHeight"], fits
    assert fits["scrollWidth"] <= fits["clientWidth"] <= 360, fits
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    # It says whose campaign it is, and links to the whole petition in a new tab.
    assert frame.get_by_text("Sindicato de Trabajadoras del Hogar de Bolivia").is_visible()
    link = frame.locator(f"a[href^='{live_server.url}/c/{campaign.slug}/?']")
    assert link.get_attribute("target") == "_blank"
    assert link.is_visible()
    shoot_whole(phone, "embed-resized-phone")

    # Errors make the form taller: the frame follows.
    before = fits["height"]
    frame.get_by_role("button", name="Firmar").click()
    frame.locator("#error_name").wait_for()
    phone.wait_for_function(
        f"document.querySelector('iframe').getBoundingClientRect().height > {before}"
    )
    fits = frame_fits(phone)
    assert fits["height"] >= fits["scrollHeight"], fits
    shoot_whole(phone, "embed-resized-errors-phone")

    with phone.context.expect_page() as opened:
        link.click()
    petition = opened.value
    petition.wait_for_load_state()
    assert petition.url.startswith(f"{live_server.url}/c/{campaign.slug}/")
    assert petition.locator(".petition").is_visible()
    petition.close()
    assert phone.url == f"{origin}/"  # the partner's page stayed

    # Signed: the thank-you page is far shorter, and the frame shrinks to it.
    tall = frame_fits(phone)["height"]
    frame.locator("#id_name").fill("Juana Mamani")
    frame.locator("#id_email").fill("juana@example.org")
    frame.locator("#id_consent").check()
    frame.get_by_role("button", name="Firmar").click()
    frame.get_by_role("heading", name=re.compile("Gracias")).wait_for()
    phone.wait_for_function(
        f"document.querySelector('iframe').getBoundingClientRect().height < {tall / 2}"
    )
    fits = frame_fits(phone)
    assert fits["height"] >= fits["scrollHeight"], fits
    assert Signature.objects.get().source == "embed"
    shoot_whole(phone, "embed-thanks-resized-phone")
    # The form shown again answers 400, and a cross-origin frame may not take the focus:
    # what a browser says of that is expected; nothing else is.
    expected = (
        "Failed to load resource: the server responded with a status of 400",
        "Blocked autofocusing on a <input> element in a cross-origin subframe",
    )
    assert [e for e in phone.errors if not e.startswith(expected)] == [], phone.errors


def test_the_listener_believes_only_the_forms_own_origin(
    live_server, phone, partner_site, campaign
):
    pages, origin = partner_site
    snippet = phone.request.get(f"{live_server.url}/api/v1/campaigns/{campaign.slug}/").json()[
        "embed_snippet"
    ]
    pages["/"] = PARTNER_PAGE.format(embed=snippet)
    phone.goto(f"{origin}/")
    phone.frame_locator("iframe").locator("#id_name").wait_for()
    phone.wait_for_function(
        f"document.querySelector('iframe').getBoundingClientRect().height > {EMBED_HEIGHT}"
    )
    fitted = frame_fits(phone)["height"]
    # A message of the same shape from anyone else (here the partner's own page) is ignored.
    phone.evaluate("window.postMessage({voces: 'height', height: 40}, '*')")
    phone.wait_for_timeout(300)
    assert frame_fits(phone)["height"] == fitted


def test_without_the_listener_the_form_works_in_a_fixed_frame(
    live_server, phone, partner_site, campaign
):
    pages, origin = partner_site
    pages["/"] = PARTNER_PAGE.format(
        embed=f"<iframe src='{live_server.url}/c/{campaign.slug}/embed/' title='Firma' "
        f"width='100%' height='{EMBED_HEIGHT}' style='border:0'></iframe>"
    )
    phone.goto(f"{origin}/")
    frame = phone.frame_locator("iframe")
    frame.locator("#id_name").wait_for()
    phone.wait_for_timeout(300)
    fits = frame_fits(phone)
    assert fits["height"] == EMBED_HEIGHT
    assert fits["scrollHeight"] > fits["clientHeight"]  # it scrolls inside, as before
    frame.locator("#id_name").fill("Juana Mamani")
    frame.locator("#id_email").fill("juana@example.org")
    frame.locator("#id_consent").check()
    frame.get_by_role("button", name="Firmar").click()
    frame.get_by_role("heading", name=re.compile("Gracias")).wait_for()
    assert Signature.objects.get().source == "embed"


def test_the_snippet_to_copy_reads_whole_on_a_phone(live_server, phone, campaign):
    phone.goto(f"{live_server.url}/c/{campaign.slug}/")
    phone.locator(".embed-code summary").click()
    snippet = phone.locator(".embed-code pre")
    snippet.scroll_into_view_if_needed()
    assert "<iframe" in snippet.inner_text()
    assert "addEventListener('message'" in snippet.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "embed-snippet-phone", full_page=False)

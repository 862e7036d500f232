"""The field app on a phone, against the real server in a subprocess: a day's collecting with
no connection at all, a browser restart, and a sync that is cut halfway and resumes.

The browser keeps a profile on disk (`launch_persistent_context`), so IndexedDB and the service
worker survive its restart. Going offline takes both `set_offline` (the page's requests) and
stopping the server (the service worker's own fetches may still go out); the server comes back
on the same port, since the origin, and with it everything the phone keeps, includes it.
"""

import json
import time

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.sessions.models import Session
from playwright.sync_api import Error as PlaywrightError

from campaigns.models import CampaignTranslation
from signatures.models import BatchItem, Collector, Signature
from tests.browser.conftest import CHROMIUM, PHONE, screenshot
from tests.factories import CampaignFactory, CollectorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
WAIT_MS = 15_000


def server_password(user):
    """The suite hashes passwords with MD5 (fast, tests only); the server in its subprocess
    runs the real settings, which know PBKDF2 only: few rounds, since it is a test."""
    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(PASSWORD, hasher.salt(), iterations=1000)
    user.save(update_fields=["password"])


@pytest.fixture
def field_campaign(org_a, collector_a):
    CollectorFactory(organisation=org_a, user=collector_a, code="juana", name="Juana Mamani")
    campaign = CampaignFactory(
        organisation=org_a,
        slug="c189-field",
        title="Ratify ILO Convention 189",
        summary="Domestic workers' rights are human rights.",
        petition_text="We ask the government of Bolivia to ratify ILO Convention 189 now.",
        contact="email_or_phone",
        countries=["BO", "PE"],
        languages=["en", "es"],
    )
    CampaignTranslation.objects.create(
        campaign=campaign,
        language="es",
        title="Ratifiquen el Convenio 189 de la OIT",
        summary="Los derechos de las trabajadoras del hogar son derechos humanos.",
        petition_text="Pedimos al gobierno de Bolivia que ratifique ya el Convenio 189.",
    )
    return campaign


class Phone:
    """A phone's browser with a profile on disk, which a test can close and open again."""

    def __init__(self, browser, tmp_path, locale="en-GB", max_batch=None):
        self.browser_type = browser.browser_type
        self.max_batch = max_batch
        self.profile = tmp_path / "phone-profile"
        self.locale = locale
        self.context = None
        self.page = None

    def open(self, *, offline=False):
        self.context = self.browser_type.launch_persistent_context(
            user_data_dir=str(self.profile),
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"],
            viewport=PHONE,
            locale=self.locale,
            is_mobile=True,
            has_touch=True,
            offline=offline,
        )
        self.context.set_default_timeout(WAIT_MS)
        self.page = self.context.pages[0] if self.context.pages else self.context.new_page()
        self.errors = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        if self.max_batch:
            self.context.route("**/api/v1/field/", self._smaller_batches)
        return self.page

    def _smaller_batches(self, route):
        """The campaigns as the server says, with a smaller batch size than its 500."""
        try:
            answer = route.fetch()
        except PlaywrightError:  # the server is down: as the phone would find it
            route.abort("connectionrefused")
            return
        if answer.status != 200:
            route.fulfill(response=answer)
            return
        route.fulfill(response=answer, json={**answer.json(), "max_batch": self.max_batch})

    def close(self):
        self.context.close()


def log_in(page, url, username):
    page.goto(f"{url}/field/")
    assert "/dashboard/login/" in page.url  # and back to the app after
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/field/")


def wait_ready_offline(page):
    """The service worker controls the page and the campaigns are kept in IndexedDB."""
    page.wait_for_selector("#app[data-offline=ready]")


def waiting(page) -> int:
    return int(page.get_attribute("#waiting", "data-count"))


def expect_waiting(page, n: int, timeout=WAIT_MS):
    page.wait_for_selector(f'#waiting[data-count="{n}"]', timeout=timeout)


def fill_and_sign(page, *, name, email="", phone="", country="BO", postal_code=""):
    page.fill("#f-name", name)
    page.fill("#f-email", email)
    page.fill("#f-phone", phone)
    page.select_option("#f-country", country)
    page.fill("#f-postal_code", postal_code)
    page.check("#f-consent")
    page.click("#sign-form button[type=submit]")


def stored(page, store: str):
    """What the phone keeps in one of the app's IndexedDB stores."""
    return page.evaluate(
        """(name) => new Promise((resolve, reject) => {
            const open = indexedDB.open("voces-field");
            open.onsuccess = () => {
              const request = open.result.transaction(name).objectStore(name).getAll();
              request.onsuccess = () => { resolve(request.result); open.result.close(); };
              request.onerror = () => reject(request.error);
            };
            open.onerror = () => reject(open.error);
        })""",
        store,
    )


SIGNERS = [
    {"name": f"Firmante {n} Quispe", "email": f"firmante{n}@example.org", "country": "BO"}
    for n in range(20)
]
# One signer with only a phone (a collector's phone-only signature is accepted) ...
SIGNERS[4] = {"name": "Rosa Condori", "email": "", "phone": "+591 71234567", "country": "BO"}
# ... and one who had already signed on this phone: the same email, spelt otherwise.
SIGNERS[2]["email"] = "ana.mamani@example.org"
SIGNERS[2]["name"] = "Ana Mamani"
SIGNERS[13] = {"name": "Ana M. Mamani", "email": "Ana.Mamani@EXAMPLE.org", "country": "PE"}


def test_a_day_offline_a_browser_restart_and_a_cut_sync_lose_nothing(
    stack, browser, tmp_path, field_campaign, collector_a
):
    started = time.monotonic()
    server_password(collector_a)
    stack.start_web()
    # Smaller batches than the server's 500, to see the queue go out in several.
    phone = Phone(browser, tmp_path, max_batch=8)
    page = phone.open()
    log_in(page, stack.url, collector_a.username)
    page.click('button[data-slug="c189-field"]')
    wait_ready_offline(page)
    expect_waiting(page, 0)
    # Installable: Chromium finds nothing missing (manifest, icons, service worker).
    devtools = phone.context.new_cdp_session(page)
    manifest = devtools.send("Page.getAppManifest")
    assert manifest["url"].endswith("/field/manifest.webmanifest")
    assert not manifest["errors"], manifest["errors"]
    assert devtools.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
    devtools.detach()

    # The network goes away: the server too, or the service worker could still reach it.
    stack.stop("web")
    phone.context.set_offline(True)
    page.reload()
    page.wait_for_selector("#collect:not([hidden])")
    assert page.text_content("#campaign-title") == "Ratify ILO Convention 189"

    # What the phone can check, it checks: nothing is kept without consent or contact.
    page.fill("#f-name", "Sin Contacto")
    page.select_option("#f-country", "BO")
    page.click("#sign-form button[type=submit]")
    assert page.get_attribute("#f-email", "aria-invalid") == "true"
    assert page.is_visible("#f-consent-error")
    assert waiting(page) == 0

    for n, signer in enumerate(SIGNERS):
        if n == 10:
            # The next signers read Spanish: the form, petition and consent follow.
            page.click('#signer-langs button[lang="es"]')
            assert page.text_content("label[for=f-name]") == "Nombre completo"
            assert "Convenio 189" in page.text_content("#campaign-title")
            fill_and_sign(page, **{**signer, "email": ""})  # forgot the contact
            page.wait_for_selector("#f-email[aria-invalid=true]")
            assert waiting(page) == n
            page.fill("#f-email", signer["email"])
            screenshot(page, "field-form")
            page.click("#sign-form button[type=submit]")
        else:
            fill_and_sign(page, **signer)
        expect_waiting(page, n + 1)
        # Kept: the signer's details leave the screen at once.
        assert page.input_value("#f-name") == ""
        assert page.input_value("#f-email") == ""
        assert page.input_value("#f-phone") == ""
        assert not page.is_checked("#f-consent")
        assert page.is_visible("#saved")
    assert page.text_content("#saved").strip()
    screenshot(page, "field-offline-queue")
    kept = stored(page, "signatures")
    assert len(kept) == 20
    assert len({record["client_id"] for record in kept}) == 20
    assert {record["state"] for record in kept} == {"waiting"}
    assert all(record["consent_version"] for record in kept)
    assert {record["language"] for record in kept} == {"en", "es"}

    # The browser closes and opens again, still with no connection: the queue is there.
    phone.close()
    page = phone.open(offline=True)
    page.goto(f"{stack.url}/field/")
    expect_waiting(page, 20)
    assert not phone.errors, phone.errors

    # The connection returns. The first batch reaches the server, and its answer is lost on
    # the way back: the app must send it again, and the server store it once.
    stack.start_web()
    batches = []

    def cut_first(route):
        batches.append(route.request.post_data_json)
        if len(batches) == 1:
            route.fetch()  # the server stores it ...
            route.abort("connectionreset")  # ... and the phone never hears back
        else:
            route.continue_()

    page.route("**/signatures/batch/", cut_first)
    phone.context.set_offline(False)
    expect_waiting(page, 0, timeout=40_000)

    rows = Signature.objects.filter(campaign=field_campaign)
    assert rows.count() == 19
    assert set(rows.values_list("source", flat=True)) == {"field"}
    collector = Collector.objects.get(user=collector_a)
    assert set(rows.values_list("collector_id", flat=True)) == {collector.id}
    phone_only = rows.get(name="Rosa Condori")
    assert phone_only.email == ""
    assert phone_only.phone == "+59171234567"
    assert rows.filter(email__iexact="ana.mamani@example.org").count() == 1

    # The cut batch went again under the same ids; every batch said how many more wait.
    assert len(batches) >= 4
    ids = [[item["client_id"] for item in body["signatures"]] for body in batches]
    assert ids[0] == ids[1]
    assert [len(batch) for batch in ids[1:]] == [8, 8, 4]
    assert [body["waiting"] for body in batches[1:]] == [12, 4, 0]
    collector.refresh_from_db()
    assert collector.waiting == 0
    assert collector.waiting_at is not None
    assert collector.synced_at is not None

    # The screen says what happened, the duplicate by its first name and time only.
    summary = page.text_content("#last-sync")
    assert "19 sent" in summary
    assert "1 already signed" in summary
    page.click("#last-sync-link")
    page.wait_for_selector('#outcome-summary[data-created="19"][data-duplicate="1"]')
    duplicate = page.text_content("#outcome-list li[data-result=duplicate]")
    assert "Ana" in duplicate
    assert "Mamani" not in duplicate
    assert "already signed" in page.text_content("#outcome-summary")
    assert not stored(page, "signatures")
    outcome = json.dumps(stored(page, "meta"))
    assert "@" not in outcome  # no email ...
    assert "7123" not in outcome  # ... nor phone once answered
    screenshot(page, "field-synced")
    assert not phone.errors, phone.errors
    phone.close()
    assert time.monotonic() - started < 90


def test_a_collector_whose_link_is_switched_off_stops_sending_and_keeps_the_queue(
    stack, browser, tmp_path, field_campaign, collector_a
):
    server_password(collector_a)
    stack.start_web()
    phone = Phone(browser, tmp_path, locale="es-BO")
    page = phone.open()
    log_in(page, stack.url, collector_a.username)
    page.click('button[data-slug="c189-field"]')
    wait_ready_offline(page)

    phone.context.set_offline(True)
    for n in range(2):
        fill_and_sign(page, name=f"Firmante {n}", email=f"f{n}@example.org")
        expect_waiting(page, n + 1)

    # An organiser switches the link off while the phone is away.
    Collector.objects.filter(user=collector_a).update(active=False)
    batches = []
    page.on(
        "request",
        lambda request: batches.append(request.url) if "/batch/" in request.url else None,
    )
    phone.context.set_offline(False)
    page.wait_for_selector("#stop[data-reason=revoked]:not([hidden])")
    why = page.text_content("#stop")
    assert "Organisation A" in why  # the server's own words, naming the organisation
    assert page.get_attribute("#sync-state", "data-phase") == "idle"  # no retrying
    assert waiting(page) == 2
    assert len(stored(page, "signatures")) == 2
    assert not Signature.objects.exists()
    screenshot(page, "field-revoked")

    # Nothing more is sent by itself, not even when the connection comes and goes ...
    sent = len(batches)
    with page.expect_response("**/api/v1/field/"):
        page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_timeout(300)  # what the online event starts after the campaigns' refresh
    assert len(batches) == sent
    # ... the collector may try again, and is told again.
    with page.expect_response("**/signatures/batch/") as answer:
        page.click("#send-now")
    assert answer.value.status == 403
    page.wait_for_selector("#stop[data-reason=revoked]:not([hidden])")
    assert len(batches) == sent + 1
    assert waiting(page) == 2
    assert not Signature.objects.exists()
    phone.close()


def open_app(page, url, username):
    page.goto(f"{url}/field/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/field/")
    page.click('button[data-slug="c189-field"]')
    page.wait_for_selector("#collect:not([hidden])")


def test_a_rejected_signature_is_corrected_and_sent_again_or_dropped(
    live_server, phone, field_campaign, collector_a
):
    page = phone
    open_app(page, live_server.url, collector_a.username)
    # Numbers the phone cannot tell from real ones; the server, reading them as Bolivian, can.
    fill_and_sign(page, name="Lucía Flores", phone="123456")
    expect_waiting(page, 1)
    fill_and_sign(page, name="Marta Poma", phone="654321")
    expect_waiting(page, 2)
    with page.expect_response("**/signatures/batch/"):
        page.click("#send-now")
    page.wait_for_selector('#to-fix-count[data-count="2"]:not([hidden])')
    expect_waiting(page, 0)
    assert not Signature.objects.exists()
    kept = {record["name"]: record for record in stored(page, "signatures")}
    assert {record["state"] for record in kept.values()} == {"rejected"}
    assert "phone" in kept["Lucía Flores"]["errors"]

    # The collector sees why, per field, and corrects the first with the signer.
    page.click("#to-fix-count a")
    lucia, marta = kept["Lucía Flores"]["client_id"], kept["Marta Poma"]["client_id"]
    item = page.locator(f'.fix-item[data-client-id="{lucia}"]')
    assert "123456" not in item.text_content()  # the reason, not the number, is shown
    assert item.locator(".reasons li").count() == 1
    screenshot(page, "field-to-correct")
    item.locator(".fix-button").click()
    page.wait_for_selector("#collect:not([hidden])")
    assert page.get_attribute("#f-phone", "aria-invalid") == "true"
    assert page.input_value("#f-phone") == "123456"
    assert page.is_visible("#f-phone-error")
    page.fill("#f-phone", "+591 71234568")
    page.click("#sign-form button[type=submit]")
    expect_waiting(page, 1)
    with page.expect_response("**/signatures/batch/"):
        page.click("#send-now")
    expect_waiting(page, 0)
    row = Signature.objects.get()
    assert row.name == "Lucía Flores"
    assert row.phone == "+59171234568"
    # Under the id the phone made when it was collected, corrected or not.
    item = BatchItem.objects.get(signature=row)
    assert str(item.client_id) == lucia

    # The other cannot be fixed (the signer has gone): dropping it asks first.
    page.click("#to-fix-count a")
    other = page.locator(f'.fix-item[data-client-id="{marta}"]')
    other.locator(".drop").click()
    assert "Marta Poma" in other.locator(".confirm-drop").text_content()
    other.locator(".drop-no").click()
    assert len(stored(page, "signatures")) == 1
    other.locator(".drop").click()
    other.locator(".drop-yes").click()
    page.wait_for_selector("#fix", state="hidden")
    assert not stored(page, "signatures")
    assert Signature.objects.count() == 1


def test_a_session_that_ended_asks_to_log_in_again_and_keeps_the_queue(
    live_server, phone, field_campaign, collector_a
):
    page = phone
    open_app(page, live_server.url, collector_a.username)
    page.context.set_offline(True)
    fill_and_sign(page, name="Julia Choque", email="julia@example.org")
    expect_waiting(page, 1)
    Session.objects.all().delete()  # logged out elsewhere, or the session expired

    page.context.set_offline(False)
    page.wait_for_selector("#stop[data-reason=login]:not([hidden])")
    assert waiting(page) == 1
    assert len(stored(page, "signatures")) == 1
    assert not Signature.objects.exists()

    page.click("#stop a")
    page.wait_for_url("**/dashboard/login/?next=/field/")
    page.fill("#id_username", collector_a.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/field/")
    expect_waiting(page, 0)
    assert Signature.objects.get().email == "julia@example.org"


def test_a_failing_server_a_portal_a_limit_and_a_large_batch_are_waited_out(
    live_server, phone, field_campaign, collector_a
):
    page = phone
    open_app(page, live_server.url, collector_a.username)
    page.context.set_offline(True)
    for n in range(4):
        fill_and_sign(page, name=f"Firmante {n}", email=f"f{n}@example.org")
        expect_waiting(page, n + 1)

    answers = [
        {"status": 503, "json": {"detail": "Service unavailable."}},
        # A market's Wi-Fi answers with its own page: not an answer from Voces.
        {"status": 200, "content_type": "text/html", "body": "<h1>Accept our terms</h1>"},
        {"status": 429, "headers": {"Retry-After": "1"}, "json": {"detail": "Too many."}},
        {"status": 413, "json": {"detail": "The request body is larger than 1 MB."}},
    ]
    sent = []

    def server(route):
        sent.append([item["client_id"] for item in route.request.post_data_json["signatures"]])
        if len(sent) <= len(answers):
            route.fulfill(**answers[len(sent) - 1])
        else:
            route.continue_()

    page.route("**/signatures/batch/", server)
    page.context.set_offline(False)
    page.wait_for_selector("#sync-state[data-phase=retry]")
    assert waiting(page) == 4
    expect_waiting(page, 0, timeout=20_000)
    # The same four every time until an answer; after the 413, in halves.
    assert [len(batch) for batch in sent] == [4, 4, 4, 4, 2, 2]
    assert all(batch == sent[0] for batch in sent[:4])
    assert sent[4] + sent[5] == sent[0]
    assert Signature.objects.count() == 4

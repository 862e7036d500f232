"""The field app's page, service worker and manifest, as the server serves them."""

import json
import re
import struct

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static

from field import views
from signatures.models import Collector
from tests.factories import CampaignFactory, CollectorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def collector(collector_a, org_a):
    return CollectorFactory(organisation=org_a, user=collector_a, code="juana")


@pytest.fixture
def field_campaign(org_a):
    return CampaignFactory(
        organisation=org_a, slug="field-c", title="Ratificar el C189", contact="email_or_phone"
    )


@pytest.fixture
def page(client, collector, field_campaign):
    client.force_login(collector.user)
    return client.get("/field/", HTTP_ACCEPT_LANGUAGE="en")


def data(response, name):
    match = re.search(rf'<script id="{name}" type="application/json">(.*?)</script>', response.text)
    assert match, name
    return json.loads(match.group(1))


def test_the_page_sends_who_is_not_logged_in_to_the_dashboard_login(client):
    response = client.get("/field/")
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/login/?next=/field/"


def test_the_page_sets_the_csrf_cookie_the_batches_are_sent_with(page):
    assert page.status_code == 200
    assert page.cookies["csrftoken"].value


def test_the_page_is_never_kept_by_http_caches(page):
    # The service worker keeps its own copy; a shared phone's HTTP cache keeps none.
    assert "no-store" in page["Cache-Control"]
    assert "private" in page["Cache-Control"]


def test_the_page_forbids_inline_scripts_and_loads_nothing_from_other_hosts(page):
    policy = page["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    html = page.text
    urls = re.findall(r'(?:src|href|action)="([^"]*)"', html)
    assert urls
    assert all(url.startswith(("/", "#", "?")) for url in urls), urls
    assert not re.search(r"https?://", html)
    # The only scripts: the JSON data (not run) and the module, from the hashed static URL.
    scripts = re.findall(r"<script([^>]*)>", html)
    assert all('type="application/json"' in s or 'type="module"' in s for s in scripts), scripts
    assert f'<script type="module" src="{static("js/field/app.js")}">' in html
    assert not re.search(r"\sstyle=|<style", html)


def test_the_page_links_the_manifest_and_gives_the_modules_their_hashed_urls(page):
    assert '<link rel="manifest" href="/field/manifest.webmanifest">' in page.text
    config = data(page, "field-config")
    for name, path in views.MODULES.items():
        assert config["modules"][name] == static(path)
        assert re.search(r"\.[0-9a-f]{12}\.js$", config["modules"][name]), "not hashed"
    assert config["api"] == "/api/v1/field/"
    assert config["scope"] == "/field/"
    assert config["sw"] == "/field/sw.js"
    assert config["login"] == "/dashboard/login/?next=/field/"
    assert 1 <= config["batch_size"] <= 500


def test_the_collector_reads_the_app_in_their_language_and_the_form_in_every_one(
    client, collector, field_campaign
):
    client.force_login(collector.user)
    response = client.get("/field/", HTTP_ACCEPT_LANGUAGE="es")
    assert '<html lang="es">' in response.text
    assert data(response, "field-config")["language"] == "es"
    forms = data(response, "field-forms")
    assert sorted(forms) == ["en", "es", "fr", "pt"]
    # The form's words, each in its own language (these are translated already).
    assert forms["es"]["name"] == "Nombre completo"
    assert forms["en"]["name"] == "Full name"
    assert forms["es"]["submit"] == "Firmar"
    assert forms["fr"]["name"] != forms["en"]["name"]
    strings = data(response, "field-strings")
    # Plural forms for Intl.PluralRules, with the number left to the page.
    assert "%(n)s" in strings["waiting"]["one"]
    assert "%(n)s" in strings["waiting"]["other"]
    assert set(strings["fields"]) >= {"name", "email", "phone", "country", "consent"}


def test_without_javascript_the_page_lists_the_collectors_links(page, field_campaign, org_b):
    CampaignFactory(organisation=org_b, slug="other-org", title="Not theirs")
    assert 'href="/c/field-c/?ref=juana"' in page.text
    assert "Ratificar el C189" in page.text
    assert "Not theirs" not in page.text


def test_a_collector_whose_link_is_off_is_given_no_link(client, collector, field_campaign):
    Collector.objects.filter(id=collector.id).update(active=False)
    client.force_login(collector.user)
    response = client.get("/field/")
    assert response.status_code == 200
    assert "/c/field-c/" not in response.text


def test_an_organiser_without_a_collector_link_gets_the_plain_link(
    client, organiser_a, field_campaign
):
    client.force_login(organiser_a)
    response = client.get("/field/")
    assert 'href="/c/field-c/"' in response.text


def test_the_service_worker_is_served_from_the_app_folder_and_always_revalidated(client):
    response = client.get("/field/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Cache-Control"] == "no-cache"
    assert "Content-Security-Policy" in response
    # Its scope is the folder it is served from: /field/, which holds the app.
    assert response.request["PATH_INFO"].rsplit("/", 1)[0] + "/" == "/field/"
    assert "Service-Worker-Allowed" not in response


def test_the_service_worker_keeps_the_hashed_files_and_never_answers_for_the_api(client):
    source = client.get("/field/sw.js").content.decode()
    assets = json.loads(re.search(r"const ASSETS = (\[.*?\]);", source).group(1))
    assert assets == [static(path) for path in views.ASSETS]
    for path in ("js/field/app.js", "js/field/store.js", "css/voces.css"):
        assert static(path) in assets
        assert re.search(r"\.[0-9a-f]{12}\.", static(path))
    assert 'const SHELL = "/field/";' in source
    assert 'const MANIFEST = "/field/manifest.webmanifest";' in source
    assert 'const API = "/api/";' in source
    # The API is left to the network before any respondWith.
    handler = source[source.index('addEventListener("fetch"') :]
    assert handler.index("startsWith(API)) return;") < handler.index("respondWith")
    assert not re.search(r"https?://", source)


def test_the_service_worker_version_follows_the_files_it_keeps(client):
    version = re.search(r'const VERSION = "([0-9a-f]{16})";', client.get("/field/sw.js").text)
    urls = [static(path) for path in views.ASSETS]
    assert version.group(1) == views._version(urls)
    changed = [*urls[:-1], urls[-1].replace(".png", ".new.png")]
    assert views._version(changed) != views._version(urls)


def test_the_manifest_makes_the_app_installable(client):
    response = client.get("/field/manifest.webmanifest", HTTP_ACCEPT_LANGUAGE="pt")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["start_url"] == "/field/"
    assert manifest["scope"] == "/field/"
    assert manifest["id"] == "/field/"
    assert manifest["display"] == "standalone"
    assert manifest["lang"] == "pt"
    assert manifest["short_name"] == "Voces"
    assert manifest["name"]
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["theme_color"])
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["background_color"])
    sizes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert sizes == {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")}
    assert all(icon["src"].startswith("/static/field/") for icon in manifest["icons"])


@pytest.mark.parametrize(
    ("path", "size"),
    [
        ("field/icon-192.png", 192),
        ("field/icon-512.png", 512),
        ("field/icon-maskable-512.png", 512),
    ],
)
def test_the_icons_are_small_pngs_of_their_size(path, size):
    with open(finders.find(path), "rb") as file:
        head = file.read(24)
        file.seek(0, 2)
        length = file.tell()
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", head[16:24]) == (size, size)
    assert length < 20_000


@pytest.mark.parametrize("path", ["/field/", "/field/sw.js", "/field/manifest.webmanifest"])
def test_the_app_takes_no_post(client, collector, path):
    client.force_login(collector.user)
    assert client.post(path).status_code == 405

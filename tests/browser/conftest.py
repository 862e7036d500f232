"""Playwright driving Debian's Chromium (/usr/bin/chromium), never a downloaded browser."""

import os
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from demo import seed as demo

# Playwright's sync API keeps an event loop on the test thread; the database calls made from
# that thread are still synchronous, which is what Django's guard is about.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (scripts/ensure-services)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


def _page(browser, viewport, locale):
    context = browser.new_context(
        viewport=viewport, locale=locale, is_mobile=viewport == PHONE, has_touch=viewport == PHONE
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: errors.append(message.text) if message.type == "error" else None,
    )
    page.on(
        "response",
        lambda response: (
            errors.append(f"{response.status} {response.url}")
            if response.status >= 400 and response.request.resource_type != "document"
            else None
        ),
    )
    page.errors = errors
    return context, page


@pytest.fixture
def phone(browser):
    """A phone-sized page whose browser asks for Spanish."""
    context, page = _page(browser, PHONE, "es-BO")
    yield page
    context.close()


@pytest.fixture
def desktop(browser):
    context, page = _page(browser, DESKTOP, "en-GB")
    yield page
    context.close()


@pytest.fixture(autouse=True)
def _human_speed(request, settings):
    # People take seconds to fill the form; the browser takes milliseconds. Tests about the
    # fill time itself (marked `real_fill_time`) keep the real minimum.
    if not request.node.get_closest_marker("real_fill_time"):
        settings.SIGN_MIN_FILL_SECONDS = 0


def screenshot(page, name: str, *, full_page: bool = True) -> Path:
    """Kept in test-artifacts/; `make screenshots` copies the README's ones to docs/."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


@pytest.fixture
def seeded(settings):
    """The demo's organisations, campaigns and people."""
    settings.DEBUG = True  # the demo logins get their password only in the embedded default
    demo.seed()
    settings.DEBUG = False


def demo_log_in(page, base: str, username: str = "luis") -> None:
    """Log in to the dashboard as one of the demo's people."""
    page.goto(f"{base}/dashboard/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(demo.DEMO_PASSWORD)
    page.locator("form.sign button[type=submit]").click()
    page.wait_for_url(re.compile(r"/dashboard/"))

"""axe-core over every page a person uses, at 1280 px and at 360 px: no violation whose impact
is serious or critical. The full results go to test-artifacts/axe-results.json.

axe-core comes from npm, installed on first use into test-artifacts/node/ (ignored by git).
The pages' Content-Security-Policy forbids injected scripts, so the one browser context that
visits every page bypasses it; nothing else about the pages changes.

To check a new page, add a Visit to `visits()`; a page whose URL does not exist yet (another
branch's) is skipped and listed as such in the results.
"""

import json
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.urls import NoReverseMatch, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import Error as PlaywrightError

from campaigns.access import SYSTEM
from campaigns.models import (
    Campaign,
    CountryStatus,
    DecisionMaker,
    Engagement,
    Organisation,
    OutreachActivity,
)
from demo import seed as demo
from signatures.collectors import collector_create
from signatures.confirmation import confirmation_token
from signatures.imports import signatures_import
from signatures.models import Signature
from tests.browser.conftest import ARTIFACTS, DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE_VERSION = "4.14.1"
NODE = ARTIFACTS / "node"
AXE = NODE / "node_modules" / "axe-core" / "axe.min.js"
RESULTS = ARTIFACTS / "axe-results.json"
FAILING = ("serious", "critical")
WIDTHS = {"1280": DESKTOP, "360": PHONE}


def _installed_version() -> str:
    package = NODE / "node_modules" / "axe-core" / "package.json"
    return json.loads(package.read_text())["version"] if package.exists() else ""


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """axe.min.js at the pinned version, installed from npm unless it is there already."""
    if AXE.exists() and _installed_version() == AXE_VERSION:
        return AXE
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail(
            "npm is missing: the accessibility tests install axe-core with it "
            "(Debian: apt-get install npm)"
        )
    NODE.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [
            npm,
            "install",
            "--prefix",
            str(NODE),
            "--no-audit",
            "--no-fund",
            "--save-exact",
            f"axe-core@{AXE_VERSION}",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0 or not AXE.exists():
        pytest.fail(f"npm could not install axe-core@{AXE_VERSION}:\n{done.stderr[-2000:]}")
    return AXE


@dataclass(frozen=True)
class Visit:
    name: str
    path: str | None  # None: the page does not exist (yet) on this branch
    logged_in: bool = True
    # A step taken on the page before checking it: a form sent empty, a confirmation opened.
    then: Callable | None = None
    # The answer expected; None: anything but a server error (another branch's form).
    status: int | None = 200


def _url(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _press(selector: str) -> Callable:
    """Press a page's button as it is (a form sent empty, a first step that asks)."""

    def step(page):
        page.locator(selector).first.click()
        page.wait_for_load_state()

    return step


def _fill_and_press(
    values: dict[str, str], button: str = "main form button[type=submit]"
) -> Callable:
    def step(page):
        for selector, value in values.items():
            page.locator(selector).fill(value)
        page.locator(button).first.click()
        page.wait_for_load_state()

    return step


@pytest.fixture
def world(settings):
    """The demo's data, with the owner (ana) also a collector and one finished import."""
    settings.DEBUG = True  # the demo logins get their password only in the embedded default
    demo.seed()
    settings.DEBUG = False
    care = Organisation.objects.get(slug="care-lac")
    c189 = Campaign.objects.get(slug="ratify-c189")
    collector_create(by=SYSTEM, organisation=care, name="Ana Choque", code="ana", username="ana")
    ana = get_user_model().objects.get(username="ana")
    job = signatures_import(
        by=ana,
        campaign=c189,
        content=b"name,email,country,postal_code,collector,signed_on\n"
        b"Nueva Firmante,nueva@example.org,BO,,ana,2026-11-20\nSin Correo,,BO,,,\n",
    )
    pending = Signature.objects.filter(campaign=c189, status="pending").first()
    return {
        "organisation": care,
        "campaign": c189,
        "owner": ana,
        "job": job,
        "confirm_token": confirmation_token(signature_id=pending.id),
        "outreach": OutreachActivity.objects.filter(campaign=c189).first(),
        "stage": CountryStatus.objects.filter(campaign=c189).first(),
        "engagement": Engagement.objects.filter(campaign=c189).first(),
        "decision_maker": DecisionMaker.objects.filter(organisation=care).first(),
    }


def visits(world) -> list[Visit]:
    """Every page a person uses, in the order a session would meet them."""
    slug = world["campaign"].slug
    org = world["organisation"].slug
    owner = world["owner"]
    reset = (
        urlsafe_base64_encode(force_bytes(owner.pk)),
        default_token_generator.make_token(owner),
    )

    def record(name: str, key: str) -> str | None:
        obj = world[key]
        return _url(name, slug, obj.pk) if obj is not None else None

    return [
        # Before logging in.
        Visit("login", _url("dashboard:login"), logged_in=False),
        Visit(
            "login, wrong password",
            _url("dashboard:login"),
            logged_in=False,
            then=_fill_and_press({"#id_username": "ana", "#id_password": "not-it"}),
        ),
        Visit("password reset", _url("dashboard:password-reset"), logged_in=False),
        Visit("password reset sent", _url("dashboard:password-reset-done"), logged_in=False),
        Visit(
            "password reset, new password",
            _url("dashboard:password-reset-confirm", *reset),
            logged_in=False,
        ),
        # The public pages.
        Visit("campaign list", _url("public:campaign-list"), logged_in=False),
        Visit("campaign page", _url("public:campaign", slug), logged_in=False),
        Visit(
            "campaign page, form sent empty",
            _url("public:campaign", slug),
            logged_in=False,
            then=_press("form.sign button[type=submit]"),
            status=400,
        ),
        Visit("embed", _url("public:embed", slug), logged_in=False),
        Visit("thanks", _url("public:thanks", slug), logged_in=False),
        Visit("embed thanks", _url("public:embed-thanks", slug), logged_in=False),
        Visit("confirm", _url("public:confirm", world["confirm_token"]), logged_in=False),
        Visit(
            "confirm, forged link",
            _url("public:confirm", "forged:token:x"),
            logged_in=False,
            status=400,
        ),
        # The dashboard, as the organisation's owner.
        Visit("home", _url("dashboard:home")),
        Visit("campaign", _url("dashboard:campaign", slug)),
        Visit("results", _url("dashboard:campaign-results", slug)),
        Visit("programme results", _url("dashboard:organisation-results", org)),
        Visit("new campaign", _url("dashboard:campaign-new")),
        Visit("edit campaign", _url("dashboard:campaign-edit", slug)),
        Visit("campaign preview", _url("dashboard:campaign-preview", slug)),
        Visit("collectors", _url("dashboard:collectors", slug)),
        Visit(
            "collectors, deactivation asked",
            _url("dashboard:collectors", slug),
            then=_press(".collector-state button"),
        ),
        Visit(
            "collectors, added with nothing filled",
            _url("dashboard:collectors", slug),
            then=_press("#add-collector + form button[type=submit]"),
            status=400,
        ),
        Visit("me", _url("dashboard:me")),
        Visit("field app", _url("field:app")),
        Visit("paper sheet", _url("dashboard:sheet", slug)),
        Visit("import", _url("dashboard:import", slug)),
        Visit("import status", _url("dashboard:import-status", world["job"].pk)),
        Visit("signatures review", _url("dashboard:signatures", slug)),
        Visit("signers' requests", _url("dashboard:signers", org)),
        Visit(
            "signers' requests, found",
            _url("dashboard:signers", org),
            then=_fill_and_press({"#id_email": "nueva@example.org"}),
        ),
        Visit("members", _url("dashboard:members", org)),
        Visit("audit log", _url("dashboard:audit", org)),
        Visit("webhooks", _url("dashboard:webhooks", org)),
        # For the installation's superusers: an owner gets the forbidden page (checked too).
        Visit("new organisation, forbidden", _url("dashboard:organisation-new"), status=403),
        # The record forms, new and corrected, and their lists.
        Visit("new outreach", _url("dashboard:outreach-new", slug)),
        Visit("new stage", _url("dashboard:stage-new", slug)),
        Visit("new decision-maker", _url("dashboard:decision-maker-new", slug)),
        Visit("new engagement", _url("dashboard:engagement-new", slug)),
        Visit(
            "new outreach, sent empty",
            _url("dashboard:outreach-new", slug),
            then=_press("form.sign button[type=submit]"),
            status=None,
        ),
        Visit("outreach list", _url("dashboard:outreach-list", slug)),
        Visit("stage list", _url("dashboard:stage-list", slug)),
        Visit("engagement list", _url("dashboard:engagement-list", slug)),
        Visit("decision-maker list", _url("dashboard:decision-maker-list", slug)),
        Visit("edit outreach", record("dashboard:outreach-edit", "outreach")),
        Visit("remove outreach", record("dashboard:outreach-remove", "outreach")),
        Visit("edit stage", record("dashboard:stage-edit", "stage")),
        Visit("edit engagement", record("dashboard:engagement-edit", "engagement")),
        Visit("edit decision-maker", record("dashboard:decision-maker-edit", "decision_maker")),
    ]


def _log_in(page, base: str) -> None:
    page.goto(f"{base}{reverse('dashboard:login')}?lang=en")
    page.locator("#id_username").fill("ana")
    page.locator("#id_password").fill(demo.DEMO_PASSWORD)
    page.locator("form.sign button[type=submit]").click()
    page.wait_for_url(lambda url: "/login/" not in url)


def _check(page, script: Path) -> dict:
    page.add_script_tag(path=str(script))
    return page.evaluate(
        "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
        " return {violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " helpUrl: v.helpUrl, nodes: v.nodes.map(n => ({target: n.target, html: n.html,"
        " summary: n.failureSummary}))})), incomplete: r.incomplete.length,"
        " passes: r.passes.length}; }"
    )


def _visit(page, base: str, visit: Visit, script: Path) -> tuple[dict, list[str]]:
    """Open the page (and take its step), check it at each width."""
    failures = []
    page.set_viewport_size(DESKTOP)
    response = page.goto(f"{base}{visit.path}")
    if visit.then is not None:
        with page.expect_response(lambda r: r.request.method == "POST") as sent:
            visit.then(page)
        response = sent.value
    entry = {"name": visit.name, "path": visit.path, "status": response.status, "widths": {}}
    if response.status >= 500 or visit.status not in (None, response.status):
        failures.append(f"{visit.name} ({visit.path}): status {response.status}")
    for width, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        checked = _check(page, script)
        entry["widths"][width] = checked
        for violation in checked["violations"]:
            if violation["impact"] in FAILING:
                targets = ", ".join(" ".join(n["target"]) for n in violation["nodes"][:5])
                failures.append(
                    f"{visit.name} at {width} px: {violation['id']} ({violation['impact']}): "
                    f"{violation['help']} — {targets}"
                )
    return entry, failures


def test_no_page_has_a_serious_or_critical_accessibility_violation(
    browser, live_server, world, axe_script
):
    # One context for every page: one login, and the run takes a minute, not ten.
    context = browser.new_context(viewport=DESKTOP, locale="en-GB", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    results, skipped, failures = [], [], []
    logged_in = False
    for visit in visits(world):
        if visit.path is None:
            skipped.append(visit.name)
            continue
        if visit.logged_in and not logged_in:
            _log_in(page, live_server.url)
            logged_in = True
        try:
            entry, found = _visit(page, live_server.url, visit, axe_script)
        except PlaywrightError as error:  # one page that cannot be checked stops no other
            failures.append(f"{visit.name} ({visit.path}): not checked: {error.message}")
            continue
        results.append(entry)
        failures += found
    context.close()
    RESULTS.write_text(
        json.dumps(
            {
                "axe_version": AXE_VERSION,
                "failing_impacts": FAILING,
                "pages": results,
                "skipped": skipped,
                "failures": failures,
            },
            indent=2,
            ensure_ascii=False,
        )
    )
    assert len(results) >= 20
    assert not failures, "\n".join(failures)

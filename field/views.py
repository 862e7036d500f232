"""The collectors' offline app: its page (the shell the service worker keeps), the service
worker and the web manifest.

The app itself is static JavaScript (static/js/field/). It keeps the answer of
GET /api/v1/field/ (the collector's campaigns, their texts and consent texts) in the phone's
IndexedDB, stores each signature there, and sends them to the batch endpoint when a connection
returns. Everything it shows is translated here, on the server: the collector's words in the
collector's language, the form's in each language a signer may read it in.
"""

import hashlib
import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.template.loader import get_template
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_safe

from campaigns import access, selectors
from signatures.selectors import field_campaigns_for, own_collector

# The app's modules, loaded by app.js with the hashed URLs the page gives it (a module's own
# relative imports would ask for the unhashed names, which the service worker does not keep).
MODULES = {
    "store": "js/field/store.js",
    "sync": "js/field/sync.js",
    "form": "js/field/form.js",
}
ENTRY = "js/field/app.js"
ICONS = {
    "192": "field/icon-192.png",
    "512": "field/icon-512.png",
    "maskable": "field/icon-maskable-512.png",
}
# Everything the page needs besides itself and the manifest, for the service worker to keep.
ASSETS = (ENTRY, *MODULES.values(), "css/voces.css", "favicon.svg", *ICONS.values())
# How many signatures go in one request (the endpoint takes up to 500: smaller batches are
# answered sooner on a slow connection, and a cut one costs less to send again).
BATCH_SIZE = 50
THEME_COLOUR = "#b3261e"
BACKGROUND_COLOUR = "#fafafa"
# Names of languages in their own words, for the signer's language switch: the interface's
# four and the content languages campaigns are written in.
LANGUAGE_NAMES = {
    "es": "Español",
    "en": "English",
    "pt": "Português",
    "fr": "Français",
    **selectors.LANGUAGE_NAMES,
    "wo": "Wolof",
}


def _plural(singular: str, plural: str) -> dict:
    """Both forms for the page's Intl.PluralRules: es, en, pt and fr have `one` and `other`."""
    return {"one": ngettext(singular, plural, 1), "other": ngettext(singular, plural, 2)}


def _strings() -> dict:
    """What the app says to the collector, in the collector's language."""
    return {
        "no_data": _(
            "Open this app once with a connection, so that it can keep your campaigns on "
            "this phone."
        ),
        "no_campaigns": _(
            "There is no open campaign you can collect signatures for. An organiser of your "
            "organisation can make you a collector."
        ),
        "campaign_gone": _(
            "This campaign is no longer open for you to collect. What you collected for it "
            "stays on this phone until it is sent."
        ),
        "waiting": _plural(
            "%(n)s signature waiting to be sent", "%(n)s signatures waiting to be sent"
        ),
        "to_fix": _plural("%(n)s signature to correct", "%(n)s signatures to correct"),
        "others": _plural(
            "%(n)s signature collected by another account waits on this phone until that "
            "account logs in here.",
            "%(n)s signatures collected by another account wait on this phone until that "
            "account logs in here.",
        ),
        "sending": _("Sending…"),
        "offline": _(
            "No connection. The signatures stay on this phone and are sent when a connection "
            "returns."
        ),
        "retry": _plural(
            "Could not reach Voces. Trying again in %(n)s second.",
            "Could not reach Voces. Trying again in %(n)s seconds.",
        ),
        "rate_limited": _plural(
            "Voces asked this phone to wait. Trying again in %(n)s second.",
            "Voces asked this phone to wait. Trying again in %(n)s seconds.",
        ),
        "all_sent": _("Everything collected on this phone has been sent."),
        "stopped": _("Sending has stopped."),
        "kept": _("The signatures stay on this phone."),
        "login_needed": _(
            "You are no longer logged in. Log in again, with a connection, to send the "
            "signatures; they stay on this phone."
        ),
        "login_again": _("Log in again"),
        "refused": _("Voces did not take the signatures for %(campaign)s:"),
        "last_sync": _("Last sync %(time)s: %(summary)s"),
        "created": _plural("%(n)s sent", "%(n)s sent"),
        "duplicate": _plural("%(n)s already signed", "%(n)s already signed"),
        "rejected": _plural("%(n)s to correct", "%(n)s to correct"),
        "duplicate_item": _("%(name)s, collected %(time)s: had already signed, counted once."),
        "rejected_item": _("%(name)s, collected %(time)s: to correct (see below)."),
        "collected": _("Collected %(time)s"),
        "fix": _("Correct"),
        "drop": _("Drop"),
        "drop_confirm": _(
            "Drop the signature of %(name)s? It will not be counted, and this cannot be undone."
        ),
        "drop_yes": _("Yes, drop it"),
        "drop_no": _("Keep it"),
        "dropped": _("Dropped."),
        "correcting": _("Correcting the signature of %(name)s, collected %(time)s."),
        "save_correction": _("Save the correction"),
        "cancel": _("Cancel"),
        "corrected": _("Corrected. It will be sent again."),
        "saved": _("Saved. Hand the phone to the next person."),
        "save_failed": _(
            "This phone could not keep the signature (%(error)s). The details are still on "
            "the screen: try again."
        ),
        "ready_offline": _("Ready to work without a connection."),
        "getting_ready": _(
            "Getting ready to work without a connection: keep the connection for a moment."
        ),
        "updated": _("Campaigns updated %(time)s."),
        "unsupported": _(
            "This browser cannot keep signatures without a connection. Use a recent Chrome, "
            "Firefox or Samsung Internet."
        ),
        "fields": {
            "name": _("Name"),
            "email": _("Email"),
            "phone": _("Phone number"),
            "country": _("Country"),
            "postal_code": _("Postal code"),
            "consent": _("Consent"),
            "consent_version": _("Consent text"),
            "collected_at": _("Time collected"),
            "language": _("Language"),
            "client_id": _("Signature"),
            "non_field_errors": _("Signature"),
        },
    }


def _form_strings() -> dict:
    """The form's words, in the language the signer reads them in (this one's)."""
    return {
        "heading": _("Sign the petition"),
        "read_petition": _("Read the petition"),
        "name": _("Full name"),
        "email": _("Email"),
        "email_hint": _("Never shown publicly."),
        "phone": _("Phone number"),
        "phone_hint": _(
            "With the country code (starting with +), or as you dial it in your country."
        ),
        "email_or_phone": _("Email or phone"),
        "email_or_phone_hint": _(
            "Give at least one of the two: an email, a phone number, or both."
        ),
        "country": _("Country"),
        "choose_country": _("Choose a country"),
        "ours": _("This campaign's countries"),
        "all": _("All countries"),
        "postal_code": _("Postal code (optional)"),
        "submit": _("Sign"),
        "required": _("This field is required."),
        "email_invalid": _("Enter a valid email address."),
        "phone_invalid": _(
            "Enter a phone number we can read: with + and the country code, or as dialled in "
            "the signer's country."
        ),
        "contact_missing": _("Give an email address or a phone number."),
        "postal_invalid": _("Use only letters, digits, spaces and dashes."),
        "consent_missing": _("Please tick the box to agree, or we cannot count your signature."),
        "check_fields": _("Please check the fields marked below."),
        "privacy": _(
            "Your name and country may be counted in public figures. Your email, phone number "
            "and postal code are never shown publicly."
        ),
    }


def _fallback_links(request) -> list[dict]:
    """Without JavaScript, the app cannot keep anything: the page lists the collector's links
    to the public sign-up pages instead (collecting online, credited to them)."""
    links = []
    collectors = {}
    for campaign in field_campaigns_for(request.user):
        org = campaign.organisation_id
        if org not in collectors:
            collectors[org] = own_collector(user=request.user, organisation_id=org)
        collector = collectors[org]
        if collector is None and access.is_only_collector(request.user, org):
            continue
        url = reverse("public:campaign", args=[campaign.slug])
        if collector is not None:
            url += "?" + urlencode({"ref": collector.code})
        links.append({"url": url, "title": campaign.title, "organisation": campaign.organisation})
    return links


def _login_url() -> str:
    """As login_required writes it: back to the app once logged in."""
    query = QueryDict.fromkeys(["next"], reverse("field:app"))
    return f"{settings.LOGIN_URL}?{query.urlencode(safe='/')}"


@require_safe
@login_required
@ensure_csrf_cookie
@never_cache
def app(request):
    """The app's page. The service worker keeps a copy and serves it with no connection; it
    sets the CSRF cookie the app sends its batches with."""
    current = translation.get_language() or settings.LANGUAGE_CODE
    forms = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            forms[code] = _form_strings()
    config = {
        "api": reverse("api-v1:field"),
        "login": _login_url(),
        "sw": reverse("field:sw"),
        "scope": reverse("field:app"),
        "modules": {name: static(path) for name, path in MODULES.items()},
        "language": current,
        "languages": [code for code, _name in settings.LANGUAGES],
        "language_names": LANGUAGE_NAMES,
        "batch_size": BATCH_SIZE,
    }
    return render(
        request,
        "field/app.html",
        {
            "config": config,
            "strings": _strings(),
            "forms": forms,
            "links": _fallback_links(request),
            "entry": ENTRY,
            "icons": ICONS,
            "theme_colour": THEME_COLOUR,
        },
    )


def _asset_urls() -> list[str]:
    return [static(path) for path in ASSETS]


def _version(urls: list[str]) -> str:
    """Changes with every deploy that changes a file the worker keeps (their hashed names) or
    the worker itself, so browsers install the new one and drop the old cache."""
    source = get_template("field/sw.js").template.source
    digest = hashlib.sha256("\n".join([*urls, source]).encode())
    return digest.hexdigest()[:16]


@require_safe
def service_worker(request):
    """The service worker, from /field/ so that its scope covers the app. Public: a browser
    checks it for updates on its own, with or without a session."""
    urls = _asset_urls()
    response = render(
        request,
        "field/sw.js",
        {
            "version": _version(urls),
            "shell": reverse("field:app"),
            "manifest": reverse("field:manifest"),
            # Rendered as JSON into the script; none of these holds a quote or a "<".
            "assets": json.dumps(urls),
            "api": "/api/",
        },
        content_type="application/javascript; charset=utf-8",
    )
    response["Cache-Control"] = "no-cache"
    return response


@require_safe
def manifest(request):
    """The web manifest: what a phone needs to add the app to its home screen. Public: browsers
    fetch it without cookies."""
    icons = [
        {"src": static(ICONS["192"]), "sizes": "192x192", "type": "image/png", "purpose": "any"},
        {"src": static(ICONS["512"]), "sizes": "512x512", "type": "image/png", "purpose": "any"},
        {
            "src": static(ICONS["maskable"]),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
    ]
    scope = reverse("field:app")
    body = {
        "id": scope,
        "name": _("Voces field app"),
        "short_name": "Voces",
        "description": _("Collect signatures with no connection and send them when one returns."),
        "lang": translation.get_language() or settings.LANGUAGE_CODE,
        "dir": "ltr",
        "start_url": scope,
        "scope": scope,
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": icons,
    }
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), content_type="application/manifest+json"
    )
    response["Cache-Control"] = "no-cache"
    return response

"""Site-wide request guards that are not about any one app."""

import logging
import re

from csp.constants import HEADER as CSP_HEADER
from csp.utils import build_policy
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import patch_vary_headers

from api.osdi import errors as osdi_errors
from api.v1.signing import sign
from core.errors import DomainError, NotAllowed, NotAuthenticated, NotFound

logger = logging.getLogger(__name__)

_UPLOAD_PATHS = re.compile(r"/import/$")
_BATCH_PATHS = re.compile(r"^/api/v1/campaigns/[^/]+/signatures/batch/$")


def wants_json(request) -> bool:
    return request.path.startswith("/api/")


class BodySizeLimitMiddleware:
    """Refuse oversized bodies with 413 before anything reads them.

    Django only checks `DATA_UPLOAD_MAX_MEMORY_SIZE` when `request.body` is read, and DRF's
    parsers read the stream directly, so the limit is enforced here from Content-Length.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if _UPLOAD_PATHS.search(request.path):
            limit = settings.MAX_UPLOAD_BODY
        elif _BATCH_PATHS.match(request.path):
            limit = settings.MAX_BATCH_BODY
        else:
            limit = settings.MAX_REQUEST_BODY
        if length > limit:
            message = f"The request body is larger than {limit // 1024} KB."
            if osdi_errors.is_osdi(request.path):  # OSDI clients read OSDI's error object
                return osdi_errors.error_response(message, status=413, code="TOO_LARGE")
            if wants_json(request):
                return JsonResponse({"detail": message}, status=413)
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class LanguageOverrideMiddleware:
    """`?lang=es|en|pt|fr` overrides Accept-Language, and is remembered in a cookie."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        lang = request.GET.get("lang", "")
        if lang not in self.supported:
            return self.get_response(request)
        translation.activate(lang)
        request.LANGUAGE_CODE = lang
        response = self.get_response(request)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            lang,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
        patch_vary_headers(response, ("Cookie",))
        return response


# The signing API's one URL (api/v1/urls.py, `campaign-signatures`), as its `slug` converter
# reads it; tests/signatures/test_api_signing.py holds the two to each other.
SIGNING_PATH = re.compile(r"^/api/v1/campaigns/(?P<slug>[-a-zA-Z0-9_]+)/signatures/\Z")


class SigningLaneMiddleware:
    """A signature sent to the API (POST on `campaign-signatures`) goes straight to its view
    from here, past the middleware below this one in MIDDLEWARE: it has no message, login
    or CSRF cookie to read (the view is csrf-exempt and reads only an API token), and its
    URL is known without resolving it. Under signing load that work was about a fifth of the web
    processes' Python (README, Performance, item 7). Above this line it has everything any
    answer has (forwarded headers, the body limit, security headers, CORS, gzip, the
    language); what the skipped middleware would add to its answers is added here, the
    same: Content-Length, X-Frame-Options, the Content-Security-Policy, and a 503 when the
    database is down. Everything else, and a GET on the same URL, goes down the whole chain.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.frame_options = settings.X_FRAME_OPTIONS.upper()
        self.policy = build_policy()  # the site's own policy, as CSPMiddleware writes it

    def __call__(self, request):
        if request.method != "POST":
            return self.get_response(request)
        route = SIGNING_PATH.match(request.path_info)
        if route is None:
            return self.get_response(request)
        try:
            response = sign(request, route["slug"])
        except DATABASE_DOWN as error:
            response = database_unavailable(request, error)
        headers = response.headers
        if "Content-Length" not in headers:
            headers["Content-Length"] = str(len(response.content))
        headers.setdefault("X-Frame-Options", self.frame_options)
        headers.setdefault(CSP_HEADER, self.policy)
        return response


class DatabaseUnavailableMiddleware:
    """A database outage answers 503 with a clear message, not a 500 page.

    DRF views get the same answer from `api.errors.exception_handler`; this covers pages.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_DOWN):
            return None
        return database_unavailable(request, exception)


# What a database outage raises: answered 503 by the middleware above and the signing lane.
DATABASE_DOWN = (OperationalError, InterfaceError)


def database_unavailable(request, exception):
    logger.error("database unavailable: %s", exception.__class__.__name__)
    return service_unavailable(request)


def service_unavailable(request):
    if osdi_errors.is_osdi(request.path):
        response = osdi_errors.error_response(
            "The service is briefly unavailable. Please try again in a minute.",
            status=503,
            code="UNAVAILABLE",
        )
    elif wants_json(request):
        response = JsonResponse(
            {"detail": "The service is briefly unavailable. Please try again in a minute."},
            status=503,
        )
    else:
        response = HttpResponse(render_to_string("503.html", request=None), status=503)
    response["Retry-After"] = "30"
    return response


class DomainErrorMiddleware:
    """A service's refusal raised from a page becomes the page for its status: the not-found
    page for NotFound (a campaign the person may not know of), the forbidden page for
    NotAllowed. DRF views answer the same errors as JSON (`api.errors`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DomainError):
            return None
        if isinstance(exception, NotFound):
            raise Http404(exception.message) from exception
        if isinstance(exception, (NotAllowed, NotAuthenticated)):
            raise PermissionDenied(exception.message) from exception
        if wants_json(request):
            return JsonResponse(
                {"detail": exception.message, "code": exception.code}, status=exception.status
            )
        return HttpResponse(render_to_string("400.html", request=request), status=exception.status)

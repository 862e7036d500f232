"""What every OSDI resource shares: HAL rendering, the OSDI-API-Token header, OSDI's error
shape (for every status, in English), the per-token write limit, filters and paging, and who
sees what. The resources are in petitions, people and advocacy; all of them on the same
services and selectors as /api/v1/."""

import logging
import math
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.db import DataError, InterfaceError, OperationalError
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import Resolver404, resolve
from django.utils import translation
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView, set_rollback

from api.authentication import TokenAuthentication
from api.osdi import errors, filters, hal
from api.parsers import HalJSONParser, JSONParser
from campaigns import access
from campaigns.access import Ability
from campaigns.models import Organisation
from core.errors import DomainError, NotAuthenticated
from signatures.identity import email_key, phone_key
from signatures.limits import osdi_rate_wait
from signatures.models import Person, PersonIdentifier, Signature
from signatures.people import people_sync, person_of_signature

logger = logging.getLogger(__name__)

MAX_PAGESIZE = 100
DEFAULT_PAGESIZE = 25
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class HalRenderer(JSONRenderer):
    media_type = "application/hal+json"


class OSDITokenAuthentication(TokenAuthentication):
    """The same API tokens as /api/v1/, in OSDI's header: `OSDI-API-Token: <token>`."""

    def authenticate(self, request):
        token = request.META.get("HTTP_OSDI_API_TOKEN", "").strip()
        if not token:
            return None
        return self.authenticate_credentials(token.encode())

    def authenticate_header(self, request):
        return "OSDI-API-Token"


class OSDIError(exceptions.APIException):
    """OSDI's error shape: the resource at fault, a code, a description and the properties
    concerned; with Action Network's `error` beside it, which its clients print."""

    status_code = 400

    def __init__(
        self,
        description: str,
        *,
        code: str = "INVALID",
        properties=(),
        status=400,
        resource: str = "",
    ):
        self.status_code = status
        self.detail = errors.error_body(
            description, status=status, code=code, resource=resource, properties=properties
        )


# A service's field names, as an OSDI client names them (a person's fields under `person.`).
PROPERTIES = {
    "email": "email_addresses",
    "phone": "phone_numbers",
    "name": "given_name",
    "country": "postal_addresses.country",
    "postal_code": "postal_addresses.postal_code",
    "region": "postal_addresses.region",
    "language": "languages_spoken",
}
OUTSIDE_PERSON = {
    "comment": "comments",
    "collector": "referrer_data.referrer",
    "tags": "add_tags",
    "consent": "consent",
    "source": "referrer_data.source",
    "person": "_links.osdi:person",
    "non_field_errors": "",
    "__all__": "",
    "": "",
}


def validation_error(
    error: ValidationError, *, resource: str, person_prefix="person."
) -> OSDIError:
    """A service's ValidationError as one OSDI error naming every property at fault."""
    messages = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
    properties, parts = [], []
    for field, texts in messages.items():
        if field in OUTSIDE_PERSON:
            name = OUTSIDE_PERSON[field]
        else:
            name = person_prefix + PROPERTIES.get(field, field)
        if name:
            properties.append(name)
        parts.append(f"{name}: {' '.join(texts)}" if name else " ".join(texts))
    return OSDIError(
        "; ".join(parts), code="INVALID_FIELDS", resource=resource, properties=properties
    )


_CODES = {
    400: "BAD_REQUEST",
    401: "NOT_AUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    406: "NOT_ACCEPTABLE",
    409: "CONFLICT",
    413: "TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "RATE_LIMITED",
    500: "SERVER_ERROR",
    503: "UNAVAILABLE",
}


def _detail_text(detail) -> str:
    if isinstance(detail, dict):
        return "; ".join(f"{key}: {_detail_text(value)}" for key, value in detail.items())
    if isinstance(detail, list):
        return " ".join(_detail_text(item) for item in detail)
    return str(detail)


class OSDIWriteThrottle(BaseThrottle):
    """Writes with a token are a partner's script: OSDI_RATE per token, apart from the
    public's per-address signing limit (which a write without a token meets in the service)."""

    def allow_request(self, request, view):
        self.retry_after = None
        token = getattr(request, "auth", None)
        if request.method in SAFE_METHODS or token is None:
            return True
        self.retry_after = osdi_rate_wait(token_id=str(token.digest)[:32])
        return self.retry_after is None

    def wait(self):
        return self.retry_after


@extend_schema(exclude=True)
class OSDIView(APIView):
    renderer_classes = [HalRenderer, JSONRenderer]
    parser_classes = [HalJSONParser, JSONParser]
    authentication_classes = [OSDITokenAuthentication, TokenAuthentication]
    permission_classes = [AllowAny]
    throttle_classes = [OSDIWriteThrottle]
    # What a write is about, for its errors: the resource, and where its person's fields are.
    resource = ""
    person_prefix = "person."

    def dispatch(self, request, *args, **kwargs):
        # OSDI speaks English to the scripts that call it, whatever their Accept-Language;
        # the language the request came in with stays the default for a signer's emails.
        self.signer_language = translation.get_language()
        with translation.override("en"):
            response = super().dispatch(request, *args, **kwargs)
            response.render()  # in English too: nothing lazy is translated after this
        response["Content-Language"] = "en"
        return response

    def handle_exception(self, exc):
        error = self.osdi_error(exc)
        if error is None:
            logger.exception("OSDI %s %s failed", self.request.method, self.request.path)
            error = OSDIError("Something went wrong on our side.", code="SERVER_ERROR", status=500)
        set_rollback()
        response = Response(error.detail, status=error.status_code)
        if error.status_code == 401:
            response["WWW-Authenticate"] = "OSDI-API-Token"
        retry_after = getattr(exc, "retry_after", None)
        if isinstance(exc, exceptions.Throttled):
            retry_after = exc.wait
        if retry_after is not None:
            response["Retry-After"] = str(max(1, math.ceil(retry_after)))
        elif error.status_code == 503:
            response["Retry-After"] = "30"
        response.exception = True
        return response

    def osdi_error(self, exc) -> OSDIError | None:
        """Every error this API answers, in OSDI's shape; None for a bug (a 500)."""
        if isinstance(exc, OSDIError):
            return exc
        if isinstance(exc, ValidationError):
            return validation_error(exc, resource=self.resource, person_prefix=self.person_prefix)
        if isinstance(exc, DomainError):
            status = exc.status
            if isinstance(exc, NotAuthenticated):
                status = 401
            return OSDIError(exc.message, code=exc.code.upper(), status=status)
        if isinstance(exc, Http404 | exceptions.NotFound):
            return OSDIError("There is nothing at this address.", code="NOT_FOUND", status=404)
        if isinstance(exc, DjangoPermissionDenied):
            return OSDIError("This token may not do this.", code="FORBIDDEN", status=403)
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            return OSDIError(_detail_text(exc.detail), code="NOT_AUTHENTICATED", status=401)
        if isinstance(exc, exceptions.Throttled):
            seconds = max(1, math.ceil(exc.wait or 1))
            return OSDIError(
                f"Too many writes with this token. Try again in {seconds} seconds.",
                code="RATE_LIMITED",
                status=429,
            )
        if isinstance(exc, exceptions.APIException):
            status = exc.status_code
            return OSDIError(
                _detail_text(exc.detail), code=_CODES.get(status, "ERROR"), status=status
            )
        if isinstance(exc, DataError):
            # A value the database cannot hold or compare: the client's input, nothing written.
            return OSDIError("A value is outside what can be stored or compared.")
        if isinstance(exc, OperationalError | InterfaceError):
            logger.error("database unavailable: %s", exc.__class__.__name__)
            return OSDIError(
                "The service is briefly unavailable. Please try again in a minute.",
                code="UNAVAILABLE",
                status=503,
            )
        return None

    # --- who sees what ----------------------------------------------------------------

    def require_token(self):
        if not (self.request.user and self.request.user.is_authenticated):
            raise exceptions.NotAuthenticated("Send your API token in the OSDI-API-Token header.")

    def signer_organisations(self) -> QuerySet:
        """Organisations whose signers the token may see (owners and organisers)."""
        self.require_token()
        return Organisation.objects.filter(
            access.organisation_filter(self.request.user, Ability.SEE_SIGNERS, field="id")
        )

    def organisation_to_write(self, body: dict) -> Organisation:
        """The organisation a new person or tag goes to: the token's only one, or the one
        named by `organisation` (a slug, in the body or the query). 403 for a token that may
        change no organisation's people, or not this one's."""
        organisations = self.signer_organisations()
        slug = body.get("organisation") or self.request.query_params.get("organisation")
        if slug:
            organisation = (
                organisations.filter(slug=slug).first() if isinstance(slug, str) else None
            )
            if organisation is None:
                raise OSDIError(
                    "This token may not change the people of that organisation.",
                    code="FORBIDDEN",
                    status=403,
                    properties=["organisation"],
                )
            return organisation
        found = list(organisations[:2])
        if not found:
            raise OSDIError(
                "This token may not change any organisation's people: it takes an owner's "
                "or an organiser's token.",
                code="FORBIDDEN",
                status=403,
            )
        if len(found) > 1:
            raise OSDIError(
                "This token's account works for several organisations: say which one with "
                "organisation=<slug>.",
                code="MISSING_REQUIRED_FIELD",
                properties=["organisation"],
            )
        return found[0]

    def people(self) -> QuerySet:
        organisations = list(self.signer_organisations().values_list("id", flat=True))
        for organisation_id in organisations:
            people_sync(organisation_id=organisation_id)  # the signatures since the last sync
        return Person.objects.filter(organisation_id__in=organisations).prefetch_related(
            "identifiers"
        )

    def signers_of(self, campaign) -> tuple[int, Q]:
        """Whose people records the token reads a campaign's signers in, and which of its
        signatures it may see: the lead's owners and organisers every one, in the lead's
        records; an active coalition partner's those that came through it, in its own.
        404 for anyone else (another partner, a viewer): they may not know who signed."""
        self.require_token()
        user = self.request.user
        if access.can(user, campaign.organisation_id, Ability.SEE_SIGNERS):
            return campaign.organisation_id, Q()
        partner = access.acting_partner(user, campaign, Ability.SEE_SIGNERS)
        if partner is None:
            raise Http404
        return partner, Q(partner_id=partner)

    def person_of(self, item: Signature, organisation_id: int) -> Person | None:
        """The signature's person in `organisation_id`'s records (see `signers_of`)."""
        if not item.email_normalised and not item.phone:
            return None
        people_sync(organisation_id=organisation_id)
        return person_of_signature(item, organisation_id=organisation_id)

    def person_linked(self, body: dict, organisation_id: int) -> Person | None:
        """The person named by `_links.osdi:person.href` (any spelling of a person's URL
        here, with or without its slash), among the organisation's; None when none is named."""
        links = body.get("_links")
        target = links.get("osdi:person") if isinstance(links, dict) else None
        if target is None:
            return None
        href = target.get("href") if isinstance(target, dict) else None
        pk = None
        if isinstance(href, str):
            try:
                match = resolve(urlsplit(href).path or "/")
            except Resolver404:
                match = None
            if match is not None and match.view_name == "osdi:person":
                pk = match.kwargs["pk"]
        if pk is None:
            raise OSDIError(
                "_links.osdi:person.href is not the address of a person here.",
                code="INVALID_FIELDS",
                properties=["_links.osdi:person"],
            )
        people_sync(organisation_id=organisation_id)
        person = Person.objects.filter(id=pk, organisation_id=organisation_id).first()
        if person is None:
            raise OSDIError(
                "_links.osdi:person names no person of this organisation.",
                code="INVALID_FIELDS",
                properties=["_links.osdi:person"],
            )
        return person

    # --- collections -------------------------------------------------------------------

    def filtered(self, queryset: QuerySet, fields: "Filterable") -> QuerySet:
        """OSDI's `filter`: `modified_date gt '2014-03-25' and (email_address eq '…' or …)`,
        over the names `fields` knows; a filter that cannot be read is a 400 in OSDI's error
        shape, never a 500."""
        text = self.request.query_params.get("filter", "")
        try:
            return queryset.filter(
                filters.parse(text, fields.fields, normalisers=fields.normalisers)
            )
        except filters.FilterError as error:
            raise OSDIError(str(error), code="INVALID_FILTER", properties=["filter"]) from None

    def collection(
        self, queryset: QuerySet, key: str, represent=None, *, represent_page=None
    ) -> Response:
        """A page of `queryset`, each item through `represent`; or the page's items (a list)
        through `represent_page`, which can load what they need in one query per page."""
        try:
            page = max(1, int(self.request.query_params.get("page", 1)))
            per_page = min(
                MAX_PAGESIZE,
                max(1, int(self.request.query_params.get("per_page", DEFAULT_PAGESIZE))),
            )
        except ValueError:
            raise OSDIError(
                "page and per_page are whole numbers.",
                code="INVALID_PAGE",
                properties=["page", "per_page"],
            ) from None
        total = queryset.count()
        pages = max(1, math.ceil(total / per_page))
        # A page past the end is empty (and a page number no database takes, 10**20, is too).
        rows = list(queryset[(page - 1) * per_page : page * per_page]) if page <= pages else []
        items = represent_page(rows) if represent_page else [represent(item) for item in rows]
        # Links are written without the trailing slash, whichever way this was asked.
        path = self.request.path.rstrip("/")

        def page_url(number: int) -> str:
            query = self.request.query_params.copy()
            query["page"] = number
            query["per_page"] = per_page
            return self.request.build_absolute_uri(f"{path}?{query.urlencode()}")

        links = {
            "self": hal.link(page_url(page)),
            key: [hal.link(item["_links"]["self"]["href"]) for item in items],
        }
        if page < pages:
            links["next"] = hal.link(page_url(page + 1))
        if page > 1:
            links["previous"] = hal.link(page_url(page - 1))
        return Response(
            {
                "total_pages": pages,
                "per_page": per_page,
                "page": page,
                "total_records": total,
                "_links": links,
                "_embedded": {key: items},
            }
        )


class UnknownAddress(OSDIView):
    """Any other address under the OSDI root: OSDI's 404, whatever the method or token."""

    authentication_classes = []
    throttle_classes = []

    def initial(self, request, *args, **kwargs):
        raise OSDIError("There is nothing at this address.", code="NOT_FOUND", status=404)


# --- filters -------------------------------------------------------------------------------
#
# Every collection filters on created_date, modified_date and identifier; people also on
# email_address, phone_number and postal_code, compared in their stored forms.

# A value that names nothing here (no email address, another kind's id): no row.
_NOBODY = Q(pk__in=[])
_OWN_ID = re.compile(r"voces:(?:(?P<kind>[a-z_]+)-)?(?P<id>[0-9]{1,18})")


def identifier_q(kind: str, *, foreign: bool = False):
    """The normaliser of an `identifier` filter on resources of `kind`: `voces:<id>` and
    `voces:<kind>-<id>` name the row (another kind's names nothing, a malformed one is an
    error); another system's identifier names the person it was given to (people only,
    `foreign`), and on other resources nothing."""

    def normalise(value: str) -> Q:
        match = _OWN_ID.fullmatch(value.strip())
        if match is not None:
            if match["kind"] in (None, kind):
                return Q(pk=int(match["id"]))
            return _NOBODY
        if value.strip().startswith("voces:"):
            raise filters.FilterError(
                f"{value!r} is not a Voces identifier: voces:<id>, the id at most 18 digits."
            )
        if foreign:
            return Q(pk__in=PersonIdentifier.objects.filter(value=value).values("person_id"))
        return _NOBODY

    return normalise


def _email_value(value: str) -> str | Q:
    return email_key(value) or _NOBODY


def _phone_value(value: str) -> str | Q:
    return _phone(value, "") or _NOBODY


@dataclass(frozen=True)
class Filterable:
    """The names a collection filters on, and how each value becomes what is stored."""

    fields: dict[str, filters.Field]
    normalisers: dict


def filterable(
    kind: str, *, created: str = "created", modified: str = "modified", person: bool = False
) -> Filterable:
    """The filters of a collection of `kind` (e.g. "person"). `modified`: the lookup of its
    last change; `person`: people's own fields, and other systems' identifiers."""
    fields = {
        "created_date": filters.Field(created, "datetime"),
        "modified_date": filters.Field(modified, "datetime"),
        "identifier": filters.Field("pk", "identifier"),
    }
    normalisers = {"identifier": identifier_q(kind, foreign=person)}
    if person:
        fields |= {
            "email_address": filters.Field("email_normalised", "email"),
            "phone_number": filters.Field("phone", "phone"),
            "postal_code": filters.Field("postal_code", "text"),
        }
        normalisers |= {
            "email": _email_value,
            "phone": _phone_value,
            "postal_code": lambda value: Q(postal_code__iexact=value.strip()),
        }
    return Filterable(fields, normalisers)


def counted(signatures: QuerySet) -> QuerySet:
    """What a signatures collection lists: the signatures that count (confirmed), as the
    petition's `total_signatures` counts them (rejected ones are nobody's business, pending
    ones count once confirmed, when their modified_date moves); with `changed`, the moment
    of their last change, which `modified_date` filters on."""
    return (
        signatures.filter(status=Signature.Status.CONFIRMED)
        .annotate(changed=Coalesce("modified", "created"))
        .select_related("campaign", "collector", "origin")
    )


# --- bodies --------------------------------------------------------------------------------


def _phone(raw, country: str) -> str | None:
    """A phone number as OSDI clients send it, in E.164; some send it as digits alone,
    without the + (Parsons strips it), which is tried as international after national."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    if not isinstance(raw, str) or not raw.strip():
        return None
    found = phone_key(raw, country=country)
    if found is None and raw.strip().isdigit():
        found = phone_key("+" + raw.strip())
    return found


def _listed(person: dict, field: str, key: str, prefix: str) -> list[dict]:
    items = person.get(field)
    if items is None:
        return []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise OSDIError(
            f"{prefix}{field} is a list of objects.",
            code="INVALID_FIELDS",
            properties=[prefix + field],
        )
    chosen = [item for item in items if item.get(key) not in (None, "")]
    return sorted(chosen, key=lambda item: item.get("primary") is not True)  # primary first


def person_fields(person: dict, *, prefix: str = "person.") -> dict:
    """An OSDI person (`email_addresses`, `phone_numbers`, `postal_addresses`, names,
    `identifiers`, `custom_fields`) as the keyword arguments of signatures.people's
    services, plus `languages`."""
    if not isinstance(person, dict):
        raise OSDIError(
            "person is an object.", code="INVALID_FIELDS", properties=[prefix.rstrip(".")]
        )
    emails = _listed(person, "email_addresses", "address", prefix)
    phones = _listed(person, "phone_numbers", "number", prefix)
    postal = _listed(person, "postal_addresses", "postal_code", prefix) or _listed(
        person, "postal_addresses", "country", prefix
    )
    address = postal[0] if postal else {}
    country = address.get("country") or ""
    country = country.strip().upper() if isinstance(country, str) else country
    phone_raw = phones[0]["number"] if phones else ""
    identifiers = person.get("identifiers") or []
    if not isinstance(identifiers, list):
        raise OSDIError(
            f"{prefix}identifiers is a list of strings such as crm:1234.",
            code="INVALID_FIELDS",
            properties=[f"{prefix}identifiers"],
        )
    languages = person.get("languages_spoken") or []
    return {
        "email": emails[0]["address"] if emails else "",
        # E.164 when it reads as a number; else as sent, for the service to refuse clearly.
        "phone": _phone(phone_raw, country if isinstance(country, str) else "")
        or (str(phone_raw) if isinstance(phone_raw, int) else phone_raw),
        "given_name": person.get("given_name") or "",
        "family_name": person.get("family_name") or "",
        "country": country,
        "postal_code": address.get("postal_code") or "",
        "identifiers": identifiers,
        "custom_fields": person.get("custom_fields"),
        "languages": [lang for lang in languages if isinstance(lang, str)]
        if isinstance(languages, list)
        else [],
    }


def tags_of(body: dict) -> list:
    tags = body.get("add_tags")
    if tags is None:
        return []
    if not isinstance(tags, list):
        raise OSDIError("add_tags is a list of tag names.", properties=["add_tags"])
    return tags


def body_of(request) -> dict:
    """The JSON object sent (an empty one for none: some clients send `null`)."""
    data = request.data
    if data is None or data == {}:
        return {}
    if not isinstance(data, dict):
        raise OSDIError("Send a JSON object.", code="INVALID_FIELDS")
    return data

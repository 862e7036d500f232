"""What every OSDI resource shares: HAL rendering, the OSDI-API-Token header, OSDI's error
shape, filters and paging, and who sees what. The resources are in petitions, people and
advocacy; all of them on the same services and selectors as /api/v1/."""

import math

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import APIException, NotAuthenticated
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from api.authentication import TokenAuthentication
from api.osdi import filters, hal
from api.parsers import HalJSONParser, JSONParser
from campaigns import access
from campaigns.access import Ability
from campaigns.models import Organisation
from core.errors import DomainError
from signatures.identity import email_key
from signatures.models import Person, Signature
from signatures.people import people_sync

MAX_PAGESIZE = 100
DEFAULT_PAGESIZE = 25
FILTER_FIELDS = {"created_date": "created", "modified_date": "modified"}
# How a filter's value becomes what is stored, per kind of field (osdi.filters).
NORMALISERS = {"email": lambda value: email_key(value) or "\x00"}


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


class OSDIError(APIException):
    """OSDI's error shape: a description array naming the properties at fault."""

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
        self.detail = {
            "request_type": "atomic",
            "response_code": status,
            "resource_status": [
                {
                    "resource": resource,
                    "response_code": status,
                    "errors": [
                        {"code": code, "description": description, "properties": list(properties)}
                    ],
                }
            ],
        }


@extend_schema(exclude=True)
class OSDIView(APIView):
    renderer_classes = [HalRenderer, JSONRenderer]
    parser_classes = [HalJSONParser, JSONParser]
    authentication_classes = [OSDITokenAuthentication, TokenAuthentication]
    permission_classes = [AllowAny]

    def handle_exception(self, exc):
        if isinstance(exc, DomainError):
            retry_after = getattr(exc, "retry_after", None)
            exc = OSDIError(exc.message, code=exc.code.upper(), status=exc.status)
            response = super().handle_exception(exc)
            if retry_after is not None:
                response["Retry-After"] = str(retry_after)
            return response
        return super().handle_exception(exc)

    # --- who sees what ----------------------------------------------------------------

    def require_token(self):
        if not (self.request.user and self.request.user.is_authenticated):
            raise NotAuthenticated("Send your API token in the OSDI-API-Token header.")

    def signer_organisations(self) -> QuerySet:
        """Organisations whose signers the token may see (owners and organisers)."""
        self.require_token()
        return Organisation.objects.filter(
            access.organisation_filter(self.request.user, Ability.SEE_SIGNERS, field="id")
        )

    def people(self) -> QuerySet:
        organisations = list(self.signer_organisations().values_list("id", flat=True))
        for organisation_id in organisations:
            people_sync(organisation_id=organisation_id)  # the signatures since the last sync
        return Person.objects.filter(organisation_id__in=organisations)

    def person_of(self, item: Signature) -> Person | None:
        if not access.can(self.request.user, item.campaign.organisation_id, Ability.SEE_SIGNERS):
            return None
        if not item.email_normalised:
            return None
        people_sync(organisation_id=item.campaign.organisation_id)
        return Person.objects.filter(
            organisation_id=item.campaign.organisation_id, email_normalised=item.email_normalised
        ).first()

    # --- collections -------------------------------------------------------------------

    def filtered(self, queryset: QuerySet, fields: dict[str, str | filters.Field]) -> QuerySet:
        """OSDI's `filter`: `modified_date gt '2014-03-25' and (email_address eq '…' or …)`.

        `fields` maps each filterable name to a lookup (a datetime) or an `osdi.filters.Field`;
        a filter that cannot be read is a 400 in OSDI's error shape, never a 500."""
        text = self.request.query_params.get("filter", "")
        known = {
            name: field if isinstance(field, filters.Field) else filters.Field(field, "datetime")
            for name, field in fields.items()
        }
        try:
            return queryset.filter(filters.parse(text, known, normalisers=NORMALISERS))
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

        def page_url(number: int) -> str:
            query = self.request.query_params.copy()
            query["page"] = number
            query["per_page"] = per_page
            return self.request.build_absolute_uri(f"{self.request.path}?{query.urlencode()}")

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


def _first(items, key: str):
    if isinstance(items, list):
        for item in items:
            if isinstance(item, dict) and item.get(key):
                return item
    return {}


def _person_fields(person: dict) -> dict:
    email = _first(person.get("email_addresses"), "address").get("address", "")
    postal = _first(person.get("postal_addresses"), "postal_code") or _first(
        person.get("postal_addresses"), "country"
    )
    return {
        "email": email if isinstance(email, str) else "",
        "given_name": str(person.get("given_name") or "")[:120],
        "family_name": str(person.get("family_name") or "")[:120],
        "postal_code": str(postal.get("postal_code") or "")[:20],
        "country": str(postal.get("country") or "").upper()[:2],
    }


def _body_and_person(request, missing_email: str) -> tuple[dict, dict]:
    """The request's body and its inline person's fields; an OSDI error if it has no email."""
    body = request.data if isinstance(request.data, dict) else {}
    person = body.get("person") if isinstance(body.get("person"), dict) else {}
    fields = _person_fields(person)
    if not fields["email"]:
        raise OSDIError(
            missing_email,
            code="MISSING_REQUIRED_FIELD",
            resource="osdi:person",
            properties=["person.email_addresses"],
        )
    return body, fields


def _tags(body: dict) -> list[str]:
    tags = body.get("add_tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) and t.strip() for t in tags):
        raise OSDIError("add_tags is a list of tag names.", properties=["add_tags"])
    return tags

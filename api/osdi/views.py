"""An OSDI 1.2 server (HAL+JSON) at /api/osdi/v1/, on the same services and selectors as
/api/v1/: the same validation, limits, confirmation and deduplication when signing, the same
rules of who sees whom."""

import math
import re
from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException, NotAuthenticated
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from api.authentication import TokenAuthentication
from api.osdi import hal
from campaigns import access, selectors
from campaigns.access import Ability
from campaigns.models import Campaign, Engagement, Organisation
from core.errors import DomainError
from signatures import channels, services
from signatures.client import client_address
from signatures.models import Person, Signature, Tag, Tagging
from signatures.people import people_sync, person_merge, person_signatures
from signatures.validation import normalise_email
from tallies import selectors as figures

MAX_PAGESIZE = 100
DEFAULT_PAGESIZE = 25
FILTER_FIELDS = {"created_date": "created", "modified_date": "modified"}
FILTER_OPS = {"gt": "gt", "lt": "lt", "eq": "exact", "ge": "gte", "le": "lte"}
CLAUSE = re.compile(r"^\s*(\w+)\s+(\w+)\s+'([^']*)'\s*$")


class HalRenderer(JSONRenderer):
    media_type = "application/hal+json"


class HalParser(JSONParser):
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
    parser_classes = [HalParser, JSONParser]
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

    def filtered(self, queryset: QuerySet, fields: dict[str, str]) -> QuerySet:
        """`filter=modified_date gt '2014-03-25' and created_date le '2015-01-01'`"""
        text = self.request.query_params.get("filter", "").strip()
        if not text:
            return queryset
        for clause in re.split(r"\s+and\s+", text, flags=re.IGNORECASE):
            match = CLAUSE.match(clause)
            if not match:
                raise OSDIError(
                    f"Cannot read the filter clause {clause!r}: write it as "
                    "field op 'value', e.g. modified_date gt '2014-03-25'.",
                    code="INVALID_FILTER",
                    properties=["filter"],
                )
            name, op, value = match.groups()
            if name not in fields:
                raise OSDIError(
                    f"Filtering by {name!r} is not supported; use {' or '.join(sorted(fields))}.",
                    code="INVALID_FILTER",
                    properties=["filter"],
                )
            if op.lower() not in FILTER_OPS:
                raise OSDIError(
                    f"Unknown operator {op!r}; use gt, lt, eq, ge or le.",
                    code="INVALID_FILTER",
                    properties=["filter"],
                )
            moment = parse_datetime(value) or (
                parse_date(value) and datetime.combine(parse_date(value), datetime.min.time())
            )
            if moment is None:
                raise OSDIError(
                    f"{value!r} is not a date (YYYY-MM-DD or ISO 8601).",
                    code="INVALID_FILTER",
                    properties=["filter"],
                )
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment, UTC)
            queryset = queryset.filter(**{f"{fields[name]}__{FILTER_OPS[op.lower()]}": moment})
        return queryset

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
        rows = list(queryset[(page - 1) * per_page : page * per_page])
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


class EntryPoint(OSDIView):
    def get(self, request):
        return Response(
            {
                "motd": "Voces: petitions and advocacy campaigns of civil-society movements.",
                "vendor_name": "Voces",
                "product_name": "Voces",
                "osdi_version": "1.2",
                "namespace": hal.NAMESPACE,
                "max_pagesize": MAX_PAGESIZE,
                "_links": {
                    "self": hal.link(hal.url(request, "entry")),
                    "curies": hal.CURIES,
                    "osdi:people": hal.link(hal.url(request, "people")),
                    "osdi:petitions": hal.link(hal.url(request, "petitions")),
                    "osdi:advocacy_campaigns": hal.link(hal.url(request, "advocacy-campaigns")),
                    "osdi:tags": hal.link(hal.url(request, "tags")),
                    "osdi:person_signup_helper": hal.link(hal.url(request, "person-signup")),
                },
            }
        )


# --- Petitions and signatures -------------------------------------------------------------


def _visible_campaigns(request) -> QuerySet:
    # OSDI shows a campaign in its own language: no translations to prefetch.
    return selectors.campaign_list_visible(user=request.user).prefetch_related(None).order_by("id")


def _petitions(request, campaigns: list[Campaign]) -> list[dict]:
    targets = hal.campaign_targets(c.id for c in campaigns)
    return [
        hal.petition(request, c, figures.campaign_signature_count(c), targets[c.id])
        for c in campaigns
    ]


class Petitions(OSDIView):
    def get(self, request):
        campaigns = self.filtered(_visible_campaigns(request), FILTER_FIELDS)
        return self.collection(
            campaigns, "osdi:petitions", represent_page=lambda page: _petitions(request, page)
        )


class PetitionDetail(OSDIView):
    def get(self, request, pk):
        campaign = get_object_or_404(_visible_campaigns(request), id=pk)
        return Response(_petitions(request, [campaign])[0])


class PetitionSignatures(OSDIView):
    def get(self, request, pk):
        self.require_token()
        campaign = get_object_or_404(_visible_campaigns(request), id=pk)
        if not access.can(request.user, campaign.organisation_id, Ability.SEE_SIGNERS):
            raise Http404
        people_sync(organisation_id=campaign.organisation_id)
        signatures = self.filtered(
            Signature.objects.filter(campaign=campaign)
            .select_related("campaign", "collector")
            .order_by("id"),
            {"created_date": "created", "modified_date": "created"},
        )

        def represent_page(page):
            people = {
                person.email_normalised: person
                for person in Person.objects.filter(
                    organisation_id=campaign.organisation_id,
                    email_normalised__in={i.email_normalised for i in page if i.email_normalised},
                )
            }
            return [
                hal.signature(request, item, people.get(item.email_normalised)) for item in page
            ]

        return self.collection(signatures, "osdi:signatures", represent_page=represent_page)


class SignatureDetail(OSDIView):
    def get(self, request, pk, sid):
        self.require_token()
        item = get_object_or_404(
            Signature.objects.select_related("campaign", "collector"), id=sid, campaign_id=pk
        )
        if not access.can(request.user, item.campaign.organisation_id, Ability.SEE_SIGNERS):
            raise Http404
        return Response(hal.signature(request, item, self.person_of(item)))


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


class RecordSignatureHelper(OSDIView):
    """POST a signature with an inline person. With a token of the campaign's organisation:
    the signature (201), or the existing one (200) for a repeat. Without ("blind"): 200 {}."""

    def post(self, request, pk):
        try:
            campaign = selectors.campaign_list_public().get(id=pk)
        except Campaign.DoesNotExist:
            raise Http404 from None
        body, fields = _body_and_person(request, "A person needs an email address to sign.")
        authenticated = access.can(request.user, campaign.organisation_id, Ability.SEE_SIGNERS)
        tags = _tags(body) if authenticated else []
        referrer = body.get("referrer_data") if isinstance(body.get("referrer_data"), dict) else {}
        triggers = body.get("triggers") if isinstance(body.get("triggers"), dict) else {}
        autoresponse = (
            triggers.get("autoresponse") if isinstance(triggers.get("autoresponse"), dict) else {}
        )
        name = (
            f"{fields['given_name']} {fields['family_name']}".strip()
            or (fields["email"].split("@")[0])
        )
        data = {
            "name": name,
            "email": fields["email"],
            "country": fields["country"]
            or (campaign.countries[0].code if campaign.countries else ""),
            "postal_code": fields["postal_code"],
            "comment": body.get("comments") or "",
            "consent": True,  # an OSDI client sends what its own form had the person agree to
            "collector": referrer.get("referrer") or "",
        }
        try:
            result = services.signature_sign(
                campaign=campaign,
                signer=data,
                channel=channels.OSDI,
                language=get_language(),
                client_address=client_address(request),
                send_confirmation=not (authenticated and autoresponse.get("enabled") is False),
            )
        except ValidationError as error:
            properties = sorted(error.message_dict)
            raise OSDIError(
                "; ".join(
                    f"{field}: {' '.join(messages)}"
                    for field, messages in error.message_dict.items()
                ),
                code="INVALID_FIELDS",
                resource="osdi:signature",
                properties=properties,
            ) from None
        if not authenticated:
            return Response({})
        person_item, _created = person_merge(
            organisation=campaign.organisation, tags=tags, **fields
        )
        item = Signature.objects.select_related("campaign", "collector").get(
            campaign=campaign, email_normalised=normalise_email(fields["email"])
        )
        return Response(
            hal.signature(request, item, person_item),
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )


# --- People and tags --------------------------------------------------------------------------


class People(OSDIView):
    def get(self, request):
        people = self.filtered(self.people().order_by("id"), FILTER_FIELDS)
        return self.collection(people, "osdi:people", lambda p: hal.person(request, p))


class PersonDetail(OSDIView):
    def get(self, request, pk):
        return Response(hal.person(request, get_object_or_404(self.people(), id=pk)))


class PersonSignatures(OSDIView):
    def get(self, request, pk):
        item = get_object_or_404(self.people(), id=pk)
        signatures = self.filtered(
            person_signatures(item).order_by("id"),
            {"created_date": "created", "modified_date": "created"},
        )
        return self.collection(
            signatures, "osdi:signatures", lambda s: hal.signature(request, s, item)
        )


class PersonTaggings(OSDIView):
    def get(self, request, pk):
        item = get_object_or_404(self.people(), id=pk)
        return self.collection(
            Tagging.objects.filter(person=item), "osdi:taggings", lambda t: hal.tagging(request, t)
        )


class PersonSignupHelper(OSDIView):
    """POST a person (matched by email, merged, never replaced) with optional add_tags."""

    def post(self, request):
        organisations = self.signer_organisations()
        body, fields = _body_and_person(request, "A person needs an email address.")
        slug = body.get("organisation") or request.query_params.get("organisation")
        if slug:
            organisation = organisations.filter(slug=slug).first()
        else:
            organisation = organisations.first() if organisations.count() == 1 else None
        if organisation is None:
            raise OSDIError(
                "Say which organisation the person joins: organisation=<slug>.",
                code="MISSING_REQUIRED_FIELD",
                properties=["organisation"],
            )
        try:
            validate_email(fields["email"])
        except ValidationError:
            raise OSDIError(
                "The email address is not valid.",
                code="INVALID_FIELDS",
                resource="osdi:person",
                properties=["person.email_addresses"],
            ) from None
        item, created = person_merge(organisation=organisation, tags=_tags(body), **fields)
        return Response(
            hal.person(request, item),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class Tags(OSDIView):
    def get(self, request):
        tags = Tag.objects.filter(organisation__in=self.signer_organisations()).order_by("id")
        return self.collection(
            self.filtered(tags, FILTER_FIELDS), "osdi:tags", lambda t: hal.tag(request, t)
        )


class TagDetail(OSDIView):
    def get(self, request, pk):
        item = get_object_or_404(
            Tag.objects.filter(organisation__in=self.signer_organisations()), id=pk
        )
        return Response(hal.tag(request, item))


class TagTaggings(OSDIView):
    def get(self, request, pk):
        item = get_object_or_404(
            Tag.objects.filter(organisation__in=self.signer_organisations()), id=pk
        )
        return self.collection(
            item.taggings.all(), "osdi:taggings", lambda t: hal.tagging(request, t)
        )


class TaggingDetail(OSDIView):
    def get(self, request, pk, tid):
        item = get_object_or_404(
            Tagging.objects.filter(tag__organisation__in=self.signer_organisations()),
            id=tid,
            tag_id=pk,
        )
        return Response(hal.tagging(request, item))


# --- Advocacy campaigns and their outreaches (engagements, read-only) ------------------------


def _advocacy_campaigns(request, campaigns: list[Campaign]) -> list[dict]:
    ids = [c.id for c in campaigns]
    targets = hal.campaign_targets(ids)
    outreaches = hal.campaign_outreach_counts(ids)
    return [
        hal.advocacy_campaign(request, c, targets[c.id], outreaches.get(c.id, 0)) for c in campaigns
    ]


class AdvocacyCampaigns(OSDIView):
    def get(self, request):
        campaigns = self.filtered(_visible_campaigns(request), FILTER_FIELDS)
        return self.collection(
            campaigns,
            "osdi:advocacy_campaigns",
            represent_page=lambda page: _advocacy_campaigns(request, page),
        )


class AdvocacyCampaignDetail(OSDIView):
    def get(self, request, pk):
        campaign = get_object_or_404(_visible_campaigns(request), id=pk)
        return Response(_advocacy_campaigns(request, [campaign])[0])


def _engagements(view, pk) -> QuerySet:
    view.require_token()
    campaign = get_object_or_404(_visible_campaigns(view.request), id=pk)
    if not access.can(view.request.user, campaign.organisation_id, Ability.BELONG):
        raise Http404
    return Engagement.objects.filter(campaign=campaign).select_related("decision_maker")


class Outreaches(OSDIView):
    def get(self, request, pk):
        engagements = self.filtered(
            _engagements(self, pk).order_by("id"),
            {"created_date": "created", "modified_date": "created"},
        )
        return self.collection(engagements, "osdi:outreaches", lambda e: hal.outreach(request, e))


class OutreachDetail(OSDIView):
    def get(self, request, pk, oid):
        return Response(hal.outreach(request, get_object_or_404(_engagements(self, pk), id=oid)))

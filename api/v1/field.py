"""The field app's API: what a collector's phone keeps to work offline, and the batches it
sends back when a connection returns (`signatures.batches` does the work)."""

from collections.abc import Mapping

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django_countries import countries
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fields import CountryCodeField
from api.parsers import JSONParser
from campaigns import access
from campaigns.access import Ability
from campaigns.selectors import campaign_content
from core import jsonparse
from signatures import batches
from signatures.selectors import (
    consent_text_current,
    consent_text_current_text,
    field_campaigns_for,
    own_collector,
)
from signatures.validation import (
    COMMENT_MAX,
    EMAIL_MAX,
    NAME_MAX,
    PHONE_MAX,
    POSTAL_CODE_MAX,
    UI_LANGUAGES,
)


class BatchSignatureSerializer(serializers.Serializer):
    """Documents one item. Items are checked by the signing service, as the public form is."""

    client_id = serializers.UUIDField(help_text="Made on the device when it was collected.")
    name = serializers.CharField(max_length=NAME_MAX)
    email = serializers.CharField(
        max_length=EMAIL_MAX, required=False, help_text="An email, a phone, or both."
    )
    phone = serializers.CharField(
        max_length=PHONE_MAX,
        required=False,
        help_text="International form (+591 7123 4567) or national form, read with `country`. "
        "Alone only on campaigns whose `contact` is `email_or_phone`.",
    )
    country = CountryCodeField()
    consent = serializers.BooleanField(help_text="Must be true: the signer agreed.")
    consent_version = serializers.IntegerField(
        required=False,
        help_text="The `version` of the consent text the signer read, from GET /api/v1/field/.",
    )
    collected_at = serializers.DateTimeField(help_text="When it was collected (ISO 8601).")
    postal_code = serializers.CharField(max_length=POSTAL_CODE_MAX, required=False)
    comment = serializers.CharField(max_length=COMMENT_MAX, required=False)
    language = serializers.ChoiceField(choices=sorted(UI_LANGUAGES), required=False)


class BatchInputSerializer(serializers.Serializer):
    waiting = serializers.IntegerField(
        min_value=0, required=False, help_text="How many more still wait on the device."
    )
    sent_at = serializers.DateTimeField(
        required=False,
        help_text="The device's clock when it sent this: a clock that is wrong by more than "
        "two minutes is corrected in every `collected_at`.",
    )
    signatures = BatchSignatureSerializer(many=True, max_length=batches.MAX_ITEMS)


BatchResultSerializer = inline_serializer(
    "BatchResults",
    {
        "results": inline_serializer(
            "BatchResult",
            {
                "client_id": serializers.UUIDField(allow_null=True),
                "result": serializers.ChoiceField(choices=["created", "duplicate", "rejected"]),
                "errors": serializers.DictField(
                    required=False, help_text="Keyed by field, for a rejected item."
                ),
            },
            many=True,
        )
    },
)


class BatchView(APIView):
    parser_classes = [JSONParser]
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Send signatures collected in the field (collectors and organisers)",
        operation_id="campaigns_signatures_batch",
        request=BatchInputSerializer,
        responses={
            200: BatchResultSerializer,
            400: OpenApiResponse(description="Not a batch (more than 500 items, say)."),
            401: OpenApiResponse(description="Not authenticated."),
            403: OpenApiResponse(
                description="Not a collector or organiser of the campaign's organisation, or "
                "the collector's link was switched off (`code`: `collector_inactive`)."
            ),
            404: OpenApiResponse(description="Unknown campaign."),
            409: OpenApiResponse(description="The campaign never opened (a draft)."),
            413: OpenApiResponse(description="The body is larger than 1 MB."),
            429: OpenApiResponse(description="Too many batches from this account."),
        },
        examples=[
            OpenApiExample(
                "Two signatures from a market",
                value={
                    "waiting": 0,
                    "signatures": [
                        {
                            "client_id": "0b6f1f0e-5a8e-4d0b-9d51-2f1f5d0c9a11",
                            "name": "Juana Mamani",
                            "phone": "71234567",
                            "country": "BO",
                            "consent": True,
                            "collected_at": "2026-03-30T14:05:00Z",
                        },
                        {
                            "client_id": "5c9e2b7a-1d3f-4e8a-b6c2-7f0a9e4d3b21",
                            "name": "Rosa Quispe",
                            "email": "rosa@example.org",
                            "country": "BO",
                            "consent": True,
                            "collected_at": "2026-03-30T14:09:00Z",
                        },
                    ],
                },
                request_only=True,
            ),
            OpenApiExample(
                "Answered",
                value={
                    "results": [
                        {
                            "client_id": "0b6f1f0e-5a8e-4d0b-9d51-2f1f5d0c9a11",
                            "result": "created",
                        },
                        {
                            "client_id": "5c9e2b7a-1d3f-4e8a-b6c2-7f0a9e4d3b21",
                            "result": "duplicate",
                        },
                    ]
                },
                response_only=True,
            ),
        ],
    )
    def post(self, request, slug):
        campaign = access.campaign_for(request.user, slug, Ability.COLLECT, partners=True)
        if (request.content_type or "").split(";")[0].strip() != "application/json":
            return Response({"detail": _("Send JSON (Content-Type: application/json).")}, 415)
        # Read here, not through request.data: DRF would hold the body to the 64 KB limit of
        # the other endpoints (the middleware has refused what is over this one's, 1 MB).
        stream = request.stream
        raw = stream.read(settings.MAX_BATCH_BODY + 1) if stream is not None else b""
        if len(raw) > settings.MAX_BATCH_BODY:
            return Response({"detail": _("The request body is larger than 1 MB.")}, 413)
        try:
            body = jsonparse.loads(raw or b"null")
        except jsonparse.InvalidJSON as error:
            return Response({"detail": str(error)}, 400)
        if not isinstance(body, Mapping):
            return Response({"non_field_errors": [_("Send a JSON object.")]}, status=400)
        if "signatures" not in body:
            return Response({"signatures": [_("This field is required.")]}, status=400)
        results = batches.signatures_batch(
            by=request.user,
            campaign=campaign,
            items=body["signatures"],
            waiting=body.get("waiting"),
            sent_at=body.get("sent_at"),
        )
        return Response({"results": results})


def _texts(campaign) -> dict:
    """The campaign's texts in each language it has one in."""
    languages = [campaign.content_language] + [t.language for t in campaign.translations.all()]
    texts = {}
    for code in dict.fromkeys(languages):
        content = campaign_content(campaign=campaign, language=code)
        texts[code] = {
            "title": content.title,
            "summary": content.summary,
            "petition_text": content.petition_text,
        }
    return texts


def _consent(campaign) -> dict:
    """The consent text in each language a signer may read it in, with its version."""
    codes = dict.fromkeys([*sorted(UI_LANGUAGES), *campaign.languages])
    return {
        code: {
            "version": consent_text_current(language=code, campaign_id=campaign.id),
            "text": consent_text_current_text(
                language=code, campaign_id=campaign.id, organisation=campaign.organisation.name
            ),
        }
        for code in codes
    }


def _country_names() -> dict:
    names = {}
    for code in sorted(UI_LANGUAGES):
        with translation.override(code):
            names[code] = {country.code: str(country.name) for country in countries}
    return names


class FieldView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="What the field app keeps on the phone: the campaigns one may collect for",
        operation_id="field_campaigns",
        responses={
            200: OpenApiResponse(
                description="`{user, campaigns: [{slug, organisation, status, contact, "
                "countries, languages, texts: {lang: {title, summary, petition_text}}, "
                "consent: {lang: {version, text}}, collector}], countries: {lang: {code: "
                "name}}}`"
            ),
            401: OpenApiResponse(description="Not authenticated."),
        },
    )
    def get(self, request):
        user = request.user
        campaigns = []
        collectors = {}
        for campaign in field_campaigns_for(user):
            org = campaign.organisation_id
            if org not in collectors:
                collector = own_collector(user=user, organisation_id=org)
                collectors[org] = (
                    {"code": collector.code, "name": collector.name} if collector else None
                )
            if collectors[org] is None and access.is_only_collector(user, org):
                continue  # a collector whose link is switched off collects nothing
            campaigns.append(
                {
                    "slug": campaign.slug,
                    "organisation": {
                        "slug": campaign.organisation.slug,
                        "name": campaign.organisation.name,
                    },
                    "status": campaign.status,
                    "contact": campaign.contact,
                    "countries": [country.code for country in campaign.countries],
                    "languages": campaign.languages or [campaign.content_language],
                    "content_language": campaign.content_language,
                    "texts": _texts(campaign),
                    "consent": _consent(campaign),
                    "collector": collectors[org],
                    "batch_url": reverse("api-v1:campaign-signatures-batch", args=[campaign.slug]),
                }
            )
        return Response(
            {
                "user": {"username": user.get_username(), "name": user.get_full_name()},
                "language": translation.get_language() or settings.LANGUAGE_CODE,
                "campaigns": campaigns,
                "countries": _country_names(),
                "max_batch": batches.MAX_ITEMS,
            }
        )

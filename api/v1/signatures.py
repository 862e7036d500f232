"""A campaign's signatures for its organisers: the list (and, on the same URL, signing, from
`api.v1.signing`), one signature and its review, and confirming by token."""

from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import generics, serializers
from rest_framework.filters import BaseFilterBackend
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fields import CountryCodeField
from api.v1.signing import (
    DuplicateSerializer,
    SignatureInputSerializer,
    SignedSerializer,
    sign,
)
from campaigns import access
from campaigns.access import Ability
from campaigns.models import Campaign
from signatures import confirmation, review
from signatures.models import Signature
from signatures.selectors import signature_list_for_campaign


@extend_schema_field(
    {
        "type": "string",
        "pattern": f"^([0-9a-f]{{{review.HASH_SHOWN}}})?$",
        "example": "3f9a0c27d1e4",
    }
)
class ShortHashField(serializers.Field):
    """The address hash as organisers see it: its first characters, enough to tell bursts
    apart and to filter by (empty when none was kept, or once the signer was erased)."""

    def to_representation(self, value):
        return (value or "")[: review.HASH_SHOWN]


class SignatureOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField(
        allow_null=True, help_text="E.164, where the signer gave one (null otherwise)."
    )
    country = CountryCodeField()
    region = serializers.CharField()
    postal_code = serializers.CharField()
    comment = serializers.CharField()
    language = serializers.CharField()
    status = serializers.ChoiceField(choices=Signature.Status.choices)
    rejected_reason = serializers.CharField()
    source = serializers.ChoiceField(choices=Signature.Source.choices)
    collector = serializers.SlugField(source="collector.code", allow_null=True, default=None)
    consent_version = serializers.IntegerField(
        source="consent_text.version", allow_null=True, default=None
    )
    consented_at = serializers.DateTimeField(allow_null=True)
    confirmed_at = serializers.DateTimeField(allow_null=True)
    created = serializers.DateTimeField()
    client_hash = ShortHashField(
        help_text="The first characters of the keyed hash of the signer's address (IPv6 by "
        "/64): signatures from one address share it. Filter by it with `client_hash`."
    )


class SignatureWhereSerializer(serializers.Serializer):
    """Which signatures: the list's query parameters and a review's `where`. Every filter
    given must hold; the rules of each value are `signatures.review`'s."""

    client_hash = serializers.CharField(
        required=False,
        max_length=64,
        help_text="A prefix of the address hash (hexadecimal, any case), as the list shows it.",
    )
    email_domain = serializers.CharField(
        required=False,
        max_length=254,
        help_text="The part after the last @ of the email, in any case; a Unicode domain "
        "matches its IDNA (xn--) form.",
    )
    status = serializers.ChoiceField(choices=Signature.Status.choices, required=False)
    source = serializers.ChoiceField(choices=Signature.Source.choices, required=False)
    collector = serializers.SlugField(
        required=False, max_length=40, help_text="A collector's code."
    )
    country = CountryCodeField(required=False)
    created_after = serializers.DateTimeField(
        required=False, help_text="Signed at or after (ISO 8601)."
    )
    created_before = serializers.DateTimeField(
        required=False, help_text="Signed before (ISO 8601; exclusive)."
    )

    def validate_client_hash(self, value: str) -> str:
        return review.client_hash_prefix_clean(value)

    def validate_email_domain(self, value: str) -> str:
        return review.email_domain_clean(value)

    def where(self) -> review.SignatureWhere:
        return review.SignatureWhere.of(self.validated_data)


class SignatureFilter(BaseFilterBackend):
    """The list's filters: a bad value is a 400 keyed by its parameter, never ignored."""

    def filter_queryset(self, request, queryset, view):
        given = SignatureWhereSerializer(data=request.query_params)
        given.is_valid(raise_exception=True)
        return review.signatures_where(queryset, given.where())


class CampaignSignaturesView(generics.ListAPIView):
    """`POST`: anyone signs (public). `GET`: the campaign's organisers list its signatures."""

    queryset = Signature.objects.none()  # for the schema; get_queryset() does the work
    serializer_class = SignatureOutputSerializer
    filter_backends = [SignatureFilter]
    permission_classes = [AllowAny]

    def get_queryset(self):
        campaign = access.campaign_for(
            self.request.user, self.kwargs["slug"], Ability.SEE_SIGNERS, partners=True
        )
        # A coalition partner's organisers: the signatures that came through them.
        return signature_list_for_campaign(campaign=campaign).filter(
            access.signatures_filter(self.request.user, campaign)
        )

    @extend_schema(
        summary="List the campaign's signatures (its owners and organisers)",
        operation_id="campaigns_signatures_list",
        parameters=[SignatureWhereSerializer],
    )
    def get(self, request, slug):
        return self.list(request)

    @extend_schema(
        summary="Sign the campaign",
        operation_id="campaigns_signatures_create",
        auth=[],
        request=SignatureInputSerializer,
        responses={
            201: OpenApiResponse(
                SignedSerializer,
                description="A new signature; to anyone but the campaign's owners and "
                "organisers, also the answer for an email that signed already (the public "
                "cannot learn whether someone signed).",
            ),
            200: OpenApiResponse(
                DuplicateSerializer,
                description="With an owner's or organiser's token of the campaign's "
                "organisation: this email signed already. Nothing was added or revealed.",
            ),
            400: OpenApiResponse(description="Invalid fields, keyed by field."),
            404: OpenApiResponse(description="Unknown or unpublished campaign."),
            409: OpenApiResponse(description="The campaign is not open for signing."),
            413: OpenApiResponse(description="The body is larger than 64 KB."),
            429: OpenApiResponse(description="Too many attempts; see Retry-After."),
        },
    )
    def post(self, request, slug):
        return sign(request._request, slug)


_list_signatures = CampaignSignaturesView.as_view()


@csrf_exempt  # public, cookie-less: partner sites call it across origins
def campaign_signatures(request, slug: str):
    """POST signs (the hot path above); GET lists, through DRF, for organisers."""
    if request.method == "POST":
        return sign(request, slug)
    return _list_signatures(request, slug=slug)


# drf-spectacular documents the URL from the DRF view, GET and POST alike.
campaign_signatures.cls = CampaignSignaturesView
campaign_signatures.initkwargs = {}


class SignatureReviewSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=["rejected", "restored"],
        help_text="rejected: not counted (a bot, a joke). restored: undo a rejection.",
    )


class SignatureDetailView(generics.GenericAPIView):
    serializer_class = SignatureOutputSerializer

    def get_object(self):
        return self._signature(
            access.campaign_for(
                self.request.user, self.kwargs["slug"], Ability.SEE_SIGNERS, partners=True
            )
        )

    def _signature(self, campaign: Campaign) -> Signature:
        return get_object_or_404(
            signature_list_for_campaign(campaign=campaign).filter(
                access.signatures_filter(self.request.user, campaign)
            ),
            id=self.kwargs["pk"],
        )

    @extend_schema(
        summary="One signature (the campaign's owners and organisers)",
        operation_id="campaigns_signature_retrieve",
    )
    def get(self, request, slug, pk):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary="Reject a signature, or restore a rejected one",
        description="The same rules as reviewing many at once "
        "(`POST /api/v1/campaigns/{slug}/signatures/review/`): restoring sends no email.",
        operation_id="campaigns_signature_review",
        request=SignatureReviewSerializer,
        responses={200: SignatureOutputSerializer},
    )
    def patch(self, request, slug, pk):
        campaign = access.campaign_for(request.user, slug, Ability.SEE_SIGNERS, partners=True)
        signature = self._signature(campaign)
        data = SignatureReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review.signature_review(
            by=request.user,
            campaign=campaign,
            signature_id=signature.id,
            status=data.validated_data["status"],
        )
        # Read again with its collector and consent text, which the answer shows.
        return Response(self.get_serializer(self._signature(campaign)).data)


class ConfirmInputSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=500)


class ConfirmView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Confirm a pending signature with the token from its email",
        request=ConfirmInputSerializer,
        responses={
            200: inline_serializer(
                "Confirmed",
                {
                    "status": serializers.CharField(),
                    "campaign": serializers.SlugField(),
                    "already_confirmed": serializers.BooleanField(),
                },
            ),
            400: OpenApiResponse(description="The token is not valid."),
            404: OpenApiResponse(description="The signature no longer exists."),
            409: OpenApiResponse(description="The signature was rejected."),
            410: OpenApiResponse(description="The token has expired."),
        },
    )
    def post(self, request):
        data = ConfirmInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = confirmation.signature_confirm(token=data.validated_data["token"])
        return Response(
            {
                "status": "confirmed",
                "campaign": result.campaign.slug,
                "already_confirmed": not result.newly_confirmed,
            }
        )

"""The organisers' tools on signatures: import, export, collectors and signers' rights."""

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fields import CountryCodeField
from api.renderers import CSVRenderer, ErrorsAsJSON, XLSXRenderer
from campaigns import access
from campaigns.access import Ability
from signatures import imports, rights
from signatures.collectors import collector_create
from signatures.exports import (
    XLSX_MAX_ROWS,
    XLSX_MEDIA_TYPE,
    TooManyRows,
    attachment_headers,
    signatures_csv_response,
    signatures_sheet,
)
from signatures.identity import EMAIL_RAW_MAX, PHONE_RAW_MAX, email_key, phone_key
from signatures.models import Collector, ImportJob
from signatures.selectors import import_for, own_collector


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="CSV, UTF-8 (with or without BOM) or Latin-1, with the header "
        "name,email,country,postal_code,collector,signed_on (and phone, comment where the "
        "campaign takes them; headings may be in Spanish, Portuguese or French, in any order; "
        "countries as codes or names)"
    )


class ImportResultSerializer(serializers.Serializer):
    state = serializers.CharField()
    created = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    rejected = serializers.ListField(child=serializers.DictField())
    rejected_count = serializers.IntegerField()
    warnings = serializers.ListField(
        child=serializers.DictField(),
        help_text="Rows imported all the same, with what to know: `[{row, warnings}]` (an "
        "unknown collector code: imported without a collector).",
    )
    warnings_count = serializers.IntegerField()
    total_rows = serializers.IntegerField()
    processed_rows = serializers.IntegerField()
    status_url = serializers.URLField()
    error = serializers.CharField()


def import_body(request, job: ImportJob) -> dict:
    return {
        "state": job.state,
        "created": job.created_count,
        "duplicates": job.duplicates,
        "rejected": job.rejected,
        "rejected_count": job.rejected_count,
        "warnings": job.warnings,
        "warnings_count": job.warnings_count,
        "total_rows": job.total_rows,
        "processed_rows": job.processed_rows,
        "status_url": request.build_absolute_uri(reverse("api-v1:import", args=[job.id])),
        "error": job.error,
    }


class ImportView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="Import paper signatures from a CSV (organisers and collectors)",
        request={"multipart/form-data": ImportUploadSerializer},
        responses={
            201: OpenApiResponse(ImportResultSerializer, description="Imported at once."),
            202: OpenApiResponse(
                ImportResultSerializer, description="Large file: running; poll status_url."
            ),
            400: OpenApiResponse(description="No file, an empty file or a wrong header."),
        },
    )
    def post(self, request, slug):
        campaign = access.campaign_for(request.user, slug, Ability.IMPORT, partners=True)
        data = ImportUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        partner = access.acting_partner(request.user, campaign, Ability.IMPORT)
        job = imports.signatures_import(
            by=request.user,
            campaign=campaign,
            content=upload.read(),
            filename=upload.name,
            default_collector=own_collector(
                user=request.user, organisation_id=partner or campaign.organisation_id
            ),
        )
        code = (
            status.HTTP_201_CREATED
            if job.state == ImportJob.State.DONE
            else (status.HTTP_202_ACCEPTED)
        )
        if job.state == ImportJob.State.FAILED:
            code = status.HTTP_400_BAD_REQUEST
        return Response(import_body(request, job), status=code)


class ImportStatusView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="An import's progress and, once done, its result",
        responses={200: ImportResultSerializer},
    )
    def get(self, request, pk):
        return Response(import_body(request, import_for(request.user, pk)))


class ExportView(ErrorsAsJSON, APIView):
    """CSV unless the client asks for the workbook (`?format=xlsx` or its media type in
    Accept); errors in JSON whatever was asked."""

    permission_classes = [IsAuthenticated]
    renderer_classes = [CSVRenderer, XLSXRenderer]

    @extend_schema(
        summary="All the campaign's signatures as CSV, streamed, or as an Excel workbook "
        "(owners and organisers)",
        description=(
            "CSV (UTF-8 with a byte order mark) by default, for `Accept: text/csv` and for "
            "`?format=csv`; an .xlsx workbook for `?format=xlsx` or "
            f"`Accept: {XLSX_MEDIA_TYPE}`. Moments in the workbook are UTC. A workbook holds "
            f"at most {XLSX_MAX_ROWS:,} rows with its header: past that the answer is 422, "
            "pointing to the CSV."
        ),
        parameters=[
            OpenApiParameter(
                "format", OpenApiTypes.STR, enum=["csv", "xlsx"], description="csv or xlsx"
            )
        ],
        responses={
            (200, "text/csv"): OpenApiTypes.STR,
            (200, XLSX_MEDIA_TYPE): OpenApiTypes.BINARY,
            (422, "application/json"): OpenApiResponse(
                inline_serializer(
                    "ExportTooManyRows",
                    fields={
                        "detail": serializers.CharField(),
                        "code": serializers.CharField(),
                        "rows": serializers.IntegerField(),
                        "limit": serializers.IntegerField(),
                        "csv_url": serializers.URLField(),
                    },
                ),
                description="Too many rows for a workbook: download the CSV instead.",
            ),
        },
    )
    def get(self, request, slug):
        campaign = access.campaign_for(request.user, slug, Ability.SEE_SIGNERS, partners=True)
        # A coalition partner's organisers export the signatures that came through them.
        partner_id = access.acting_partner(request.user, campaign, Ability.SEE_SIGNERS)
        if request.accepted_renderer.format == CSVRenderer.format:
            # A renderer cannot stream: the negotiated CSV comes from the streaming export.
            return signatures_csv_response(campaign, partner_id=partner_id)
        try:
            sheet = signatures_sheet(campaign=campaign, partner_id=partner_id)
        except TooManyRows as refusal:
            csv_url = reverse("api-v1:campaign-export", args=[campaign.slug]) + "?format=csv"
            return Response(
                {
                    "detail": refusal.message,
                    "code": refusal.code,
                    "rows": refusal.rows,
                    "limit": refusal.limit,
                    "csv_url": request.build_absolute_uri(csv_url),
                },
                status=refusal.status,
            )
        return Response(sheet, headers=attachment_headers(f"{campaign.slug}-signatures.xlsx"))


# --- Collectors ---------------------------------------------------------------------------


class CollectorSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=120)
    code = serializers.SlugField(max_length=40)
    username = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        help_text="An existing user to link as this collector.",
    )
    active = serializers.BooleanField(read_only=True)


class CollectorsView(generics.ListAPIView):
    """Collectors of an organisation: the activists signatures are credited to."""

    queryset = Collector.objects.none()  # for the schema; get_queryset() does the work
    permission_classes = [IsAuthenticated]
    serializer_class = CollectorSerializer

    def get_queryset(self):
        organisation = access.organisation_for(
            self.request.user, self.kwargs["slug"], Ability.BELONG
        )
        return Collector.objects.filter(organisation=organisation)

    @extend_schema(summary="The organisation's collectors (its members)")
    def get(self, request, slug):
        return self.list(request)

    @extend_schema(
        summary="Add a collector (owners and organisers)",
        request=CollectorSerializer,
        responses={201: CollectorSerializer},
    )
    def post(self, request, slug):
        organisation = access.organisation_for(request.user, slug, Ability.MANAGE)
        data = CollectorSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        collector = collector_create(
            by=request.user, organisation=organisation, **data.validated_data
        )
        return Response(CollectorSerializer(collector).data, status=status.HTTP_201_CREATED)


# --- Signers' rights ----------------------------------------------------------------------


class EmailSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=EMAIL_RAW_MAX)

    def validate_email(self, value: str) -> str:
        if email_key(value) is None:
            raise serializers.ValidationError(_("Enter a valid email address."))
        return value


class SignerSerializer(serializers.Serializer):
    """An email; or a phone number, which finds the signatures given without an email."""

    email = serializers.CharField(max_length=EMAIL_RAW_MAX, required=False)
    phone = serializers.CharField(
        max_length=PHONE_RAW_MAX,
        required=False,
        help_text="International form (+591…), or national form with `country`.",
    )
    country = CountryCodeField(required=False)

    def validate(self, attrs):
        email, phone = attrs.get("email", ""), attrs.get("phone", "")
        if bool(email) == bool(phone):
            raise serializers.ValidationError(
                {"email": [_("Give an email address or a phone number (one of them).")]}
            )
        if email and email_key(email) is None:
            raise serializers.ValidationError({"email": [_("Enter a valid email address.")]})
        if phone and phone_key(phone, country=attrs.get("country", "")) is None:
            raise serializers.ValidationError(
                {"phone": [_("Enter a valid phone number, with + and the country code.")]}
            )
        return {"email": email, "phone": phone, "country": attrs.get("country", "")}


def _signer(organisation, email: str = "", phone: str = "", country: str = "") -> dict:
    who = {"email": email, "phone": phone, "country": country}
    answer = {"email": email} if email else {"phone": phone_key(phone, country=country)}
    return {
        **answer,
        "signatures": rights.signer_export(organisation=organisation, **who),
        "people": rights.signer_people_export(organisation=organisation, **who),
    }


class SignerView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Everything held about one signer in this organisation (owners and organisers)",
        description="Kept for existing scripts: the email is in the URL, which Voces masks in "
        "its logs. Prefer `POST …/signers/find/`, which leaves no email in any URL.",
        parameters=[OpenApiParameter("email", OpenApiTypes.EMAIL, required=True)],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request, slug):
        organisation = access.organisation_for(request.user, slug, Ability.SEE_SIGNERS)
        data = EmailSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        return Response(_signer(organisation, data.validated_data["email"]))


class SignerFindView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Everything held about one signer in this organisation, found by POST",
        description="By `email`, or by `phone` (the signatures given without an email).",
        request=SignerSerializer,
        responses={200: OpenApiTypes.OBJECT},
    )
    def post(self, request, slug):
        organisation = access.organisation_for(request.user, slug, Ability.SEE_SIGNERS)
        data = SignerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(_signer(organisation, **data.validated_data))


class SignerEraseView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Erase one signer's details in this organisation (they stay counted)",
        description="By `email`, or by `phone` (the signatures given without an email).",
        request=SignerSerializer,
        responses={200: OpenApiTypes.OBJECT},
    )
    def post(self, request, slug):
        organisation = access.organisation_for(request.user, slug, Ability.SEE_SIGNERS)
        data = SignerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        erased = rights.signer_erase(
            by=request.user, organisation=organisation, **data.validated_data
        )
        return Response({"erased": erased})

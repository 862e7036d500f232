"""The organisers' tools on signatures: import, export, collectors and signers' rights."""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns import access
from campaigns.access import Ability
from signatures import imports, rights
from signatures.collectors import collector_create
from signatures.exports import signatures_csv_response
from signatures.models import Collector, ImportJob
from signatures.selectors import import_visible, own_collector


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="CSV, UTF-8 (with or without BOM) or Latin-1, with the header "
        "name,email,country,postal_code,collector,signed_on"
    )


class ImportResultSerializer(serializers.Serializer):
    state = serializers.CharField()
    created = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    rejected = serializers.ListField(child=serializers.DictField())
    rejected_count = serializers.IntegerField()
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
        campaign = access.campaign_for(request.user, slug, Ability.IMPORT)
        data = ImportUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        job = imports.signatures_import(
            by=request.user,
            campaign=campaign,
            content=upload.read(),
            filename=upload.name,
            default_collector=own_collector(
                user=request.user, organisation_id=campaign.organisation_id
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
        job = get_object_or_404(ImportJob.objects.select_related("campaign"), id=pk)
        if not import_visible(request.user, job):
            raise PermissionDenied()
        return Response(import_body(request, job))


class ExportView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="All the campaign's signatures as CSV, streamed (owners and organisers)",
        responses={(200, "text/csv"): OpenApiTypes.STR},
    )
    def get(self, request, slug):
        return signatures_csv_response(access.campaign_for(request.user, slug, Ability.SEE_SIGNERS))


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
    email = serializers.EmailField()


class SignerView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Everything held about one signer in this organisation (owners and organisers)",
        parameters=[OpenApiParameter("email", OpenApiTypes.EMAIL, required=True)],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request, slug):
        organisation = access.organisation_for(request.user, slug, Ability.SEE_SIGNERS)
        data = EmailSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        email = data.validated_data["email"]
        return Response(
            {
                "email": email,
                "signatures": rights.signer_export(organisation=organisation, email=email),
            }
        )


class SignerEraseView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Erase one signer's details in this organisation (they stay counted)",
        request=EmailSerializer,
        responses={200: OpenApiTypes.OBJECT},
    )
    def post(self, request, slug):
        organisation = access.organisation_for(request.user, slug, Ability.SEE_SIGNERS)
        data = EmailSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        erased = rights.signer_erase(
            by=request.user, organisation=organisation, email=data.validated_data["email"]
        )
        return Response({"erased": erased})

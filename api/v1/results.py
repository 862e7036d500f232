"""Results: each indicator's baseline, target, actual for a period, change and progress, for a
campaign and across an organisation's campaigns; and the organisers' indicators and the values
they record. Owners, organisers and viewers read them; owners and organisers change them.

`?format=csv` and `?format=xlsx` give the same figures as a report file.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from api.renderers import ErrorsAsJSON
from campaigns import access
from campaigns.access import Ability
from results import reports, selectors, services
from results.models import Builtin, Indicator, IndicatorValue
from signatures.exports import (
    CSV_MEDIA_TYPE,
    XLSX_MEDIA_TYPE,
    attachment_headers,
    table_csv,
)


class ResultsCSVRenderer(BaseRenderer):
    """The report as one long table, UTF-8 with a byte order mark."""

    media_type = CSV_MEDIA_TYPE
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        return "".join(table_csv(reports.report_table(data))).encode(self.charset)


class ResultsXLSXRenderer(BaseRenderer):
    """The report as a workbook: the indicators, then one sheet per breakdown."""

    media_type = XLSX_MEDIA_TYPE
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        return reports.report_xlsx(data)


PERIOD_PARAMETERS = [
    OpenApiParameter("from", OpenApiTypes.DATE, description="First day (UTC), inclusive"),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Last day (UTC), inclusive"),
    OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv", "xlsx"]),
]

_change = inline_serializer(
    "ResultChange",
    fields={
        "absolute": serializers.FloatField(allow_null=True),
        "ratio": serializers.FloatField(allow_null=True, help_text="actual ÷ baseline"),
    },
)


class ResultCategorySerializer(serializers.Serializer):
    category = serializers.CharField()
    value = serializers.FloatField()
    share = serializers.FloatField(allow_null=True)
    baseline = serializers.FloatField(required=False)
    change = serializers.FloatField(required=False)
    share_of_change = serializers.FloatField(required=False, allow_null=True)


class IndicatorResultSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.CharField()
    baseline = serializers.FloatField(allow_null=True)
    baseline_from = serializers.DateField(required=False)
    baseline_to = serializers.DateField(required=False)
    target = serializers.FloatField(allow_null=True)
    due = serializers.DateField(allow_null=True)
    actual = serializers.FloatField(allow_null=True)
    change = _change
    progress = serializers.FloatField(allow_null=True)
    source = serializers.ChoiceField(choices=["tally", "recorded"])
    breakdowns = serializers.DictField(
        child=ResultCategorySerializer(many=True),
        help_text="By country, region, source, collector, channel, partner or stance.",
    )
    breakdown = ResultCategorySerializer(many=True)
    series = serializers.ListField(child=serializers.DictField())


_period = inline_serializer(
    "ResultPeriod", fields={"from": serializers.DateField(), "to": serializers.DateField()}
)


class CampaignResultsSerializer(serializers.Serializer):
    campaign = serializers.SlugField()
    organisation = serializers.SlugField()
    period = _period
    indicators = IndicatorResultSerializer(many=True)


class OrganisationResultsSerializer(serializers.Serializer):
    organisation = serializers.SlugField()
    name = serializers.CharField()
    period = _period
    indicators = IndicatorResultSerializer(many=True)
    campaigns = serializers.ListField(child=serializers.DictField())
    shares = serializers.ListField(
        child=serializers.DictField(),
        help_text="The organisation's own share of each coalition it partners in.",
    )


class _Report(ErrorsAsJSON, APIView):
    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer, ResultsCSVRenderer, ResultsXLSXRenderer]

    def answer(self, results: dict, filename: str) -> Response:
        fmt = self.request.accepted_renderer.format
        # An organisation's figures: never kept by a shared cache.
        headers = (
            {"Cache-Control": "private, no-store"}
            if fmt == "json"
            else attachment_headers(f"{filename}.{fmt}")
        )
        return Response(results, headers=headers)

    def period(self, default: selectors.Period) -> selectors.Period:
        return selectors.period_parse(
            self.request.query_params.get("from"),
            self.request.query_params.get("to"),
            default=default,
        )


def _filename(slug: str, period: selectors.Period) -> str:
    return f"{slug}-results-{period.start.isoformat()}-{period.end.isoformat()}"


class CampaignResultsView(_Report):
    @extend_schema(
        summary="The campaign's results for a period (owners, organisers and viewers)",
        parameters=PERIOD_PARAMETERS,
        responses={
            200: CampaignResultsSerializer,
            (200, CSV_MEDIA_TYPE): OpenApiTypes.STR,
            (200, XLSX_MEDIA_TYPE): OpenApiTypes.BINARY,
        },
    )
    def get(self, request, slug):
        campaign, private = selectors.campaign_results_get(user=request.user, slug=slug)
        period = self.period(selectors.campaign_default_period(campaign))
        results = selectors.campaign_results(campaign=campaign, period=period, private=private)
        return self.answer(results, _filename(campaign.slug, period))


class OrganisationResultsView(_Report):
    @extend_schema(
        summary="The organisation's results across its campaigns (owners, organisers, viewers)",
        parameters=PERIOD_PARAMETERS,
        responses={
            200: OrganisationResultsSerializer,
            (200, CSV_MEDIA_TYPE): OpenApiTypes.STR,
            (200, XLSX_MEDIA_TYPE): OpenApiTypes.BINARY,
        },
    )
    def get(self, request, slug):
        organisation, private = selectors.organisation_results_get(user=request.user, slug=slug)
        campaigns = list(organisation.campaigns.select_related("tally"))
        period = self.period(selectors.campaigns_life(campaigns))
        results = selectors.organisation_results(
            organisation=organisation, period=period, private=private
        )
        return self.answer(results, _filename(organisation.slug, period))


# --- Indicators and their values ----------------------------------------------------------


class IndicatorInputSerializer(serializers.Serializer):
    key = serializers.SlugField(max_length=60)
    label = serializers.CharField(max_length=200, required=False, allow_blank=True)
    unit = serializers.CharField(max_length=40, required=False, allow_blank=True)
    baseline = serializers.FloatField(required=False, allow_null=True)
    baseline_from = serializers.DateField(required=False, allow_null=True)
    baseline_to = serializers.DateField(required=False, allow_null=True)
    baseline_breakdown = serializers.DictField(
        child=serializers.FloatField(min_value=0), required=False
    )
    target = serializers.FloatField(required=False, allow_null=True)
    due = serializers.DateField(required=False, allow_null=True)


class IndicatorOutputSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.CharField()
    baseline = serializers.FloatField(allow_null=True)
    baseline_from = serializers.DateField(allow_null=True)
    baseline_to = serializers.DateField(allow_null=True)
    baseline_breakdown = serializers.DictField()
    target = serializers.FloatField(allow_null=True)
    due = serializers.DateField(allow_null=True)
    source = serializers.SerializerMethodField()

    def get_source(self, indicator) -> str:
        return "tally" if indicator.key in Builtin.values else "recorded"


class IndicatorsView(generics.ListAPIView):
    queryset = Indicator.objects.none()  # for the schema; get_queryset() does the work
    permission_classes = [IsAuthenticated]
    serializer_class = IndicatorOutputSerializer

    def get_queryset(self):
        campaign = access.campaign_for(self.request.user, self.kwargs["slug"], Ability.FOLLOW)
        return Indicator.objects.filter(campaign=campaign).order_by("id")

    @extend_schema(summary="The campaign's indicator settings (owners, organisers and viewers)")
    def get(self, request, slug):
        return self.list(request)

    @extend_schema(
        summary="Set an indicator's baseline, target and due date, or add one of your own "
        "(owners and organisers)",
        description=(
            "A built-in key (`signatures`, `people_reached`, `decision_makers_engaged`, "
            "`decision_makers_supportive`, `countries_ratified`) sets that indicator's "
            "baseline, target and due date; any other key adds (201) or changes (200) an "
            "indicator of your own, whose values you record. A baseline is a value or a "
            "period (`baseline_from`, `baseline_to`) whose figure is the baseline."
        ),
        request=IndicatorInputSerializer,
        responses={200: IndicatorOutputSerializer, 201: IndicatorOutputSerializer},
    )
    def post(self, request, slug):
        campaign = access.campaign_for(request.user, slug, Ability.MANAGE)
        data = IndicatorInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        key = fields.pop("key")
        indicator, created = services.indicator_set(
            by=request.user, campaign=campaign, key=key, **fields
        )
        return Response(
            IndicatorOutputSerializer(indicator).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class IndicatorValueInputSerializer(serializers.Serializer):
    date = serializers.DateField()
    value = serializers.FloatField()
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)
    source_url = serializers.URLField(max_length=500, required=False, allow_blank=True)
    breakdown = serializers.DictField(child=serializers.FloatField(min_value=0), required=False)


class IndicatorValueOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    date = serializers.DateField()
    value = serializers.FloatField()
    breakdown = serializers.DictField()
    note = serializers.CharField()
    source_url = serializers.CharField()
    created = serializers.DateTimeField()


class IndicatorValuesView(generics.ListAPIView):
    queryset = IndicatorValue.objects.none()  # for the schema; get_queryset() does the work
    permission_classes = [IsAuthenticated]
    serializer_class = IndicatorValueOutputSerializer

    def get_queryset(self):
        campaign = access.campaign_for(self.request.user, self.kwargs["slug"], Ability.FOLLOW)
        indicator = services.indicator_get(campaign=campaign, key=self.kwargs["key"])
        return indicator.values.order_by("date", "id")

    @extend_schema(summary="The values recorded for an indicator (owners, organisers, viewers)")
    def get(self, request, slug, key):
        return self.list(request)

    @extend_schema(
        summary="Record a value of one of your indicators (owners and organisers)",
        request=IndicatorValueInputSerializer,
        responses={201: IndicatorValueOutputSerializer},
    )
    def post(self, request, slug, key):
        campaign = access.campaign_for(request.user, slug, Ability.MANAGE)
        data = IndicatorValueInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = services.indicator_value_record(
            by=request.user, campaign=campaign, key=key, **data.validated_data
        )
        return Response(IndicatorValueOutputSerializer(row).data, status=status.HTTP_201_CREATED)

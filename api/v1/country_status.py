from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from api.fields import CountryCodeField
from api.permissions import ReadOnlyOrManager
from campaigns import records, selectors
from campaigns.models import Campaign, CountryStatus, Stage


class CountryStatusOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    country = CountryCodeField()
    stage = serializers.ChoiceField(choices=Stage.choices)
    date = serializers.DateField()
    source_url = serializers.CharField(help_text="A link to the source, or empty.")
    note = serializers.CharField(allow_blank=True)
    created = serializers.DateTimeField()


class CountryStatusInputSerializer(serializers.Serializer):
    country = CountryCodeField()
    stage = serializers.ChoiceField(choices=Stage.choices)
    date = serializers.DateField()
    source_url = serializers.URLField(required=False, allow_blank=True, max_length=500)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class CountryStatusView(generics.ListAPIView):
    """Where the campaign's ask stands in each country, with its history (oldest first)."""

    queryset = CountryStatus.objects.none()  # for the schema; get_queryset() does the work
    permission_classes = [ReadOnlyOrManager]
    serializer_class = CountryStatusOutputSerializer

    def get_campaign(self) -> Campaign:
        campaign = get_object_or_404(
            selectors.campaign_list_visible(user=self.request.user), slug=self.kwargs["slug"]
        )
        self.check_object_permissions(self.request, campaign)
        return campaign

    def get_queryset(self):
        return selectors.campaign_country_history(campaign=self.get_campaign())

    @extend_schema(summary="The campaign's country stages, with history")
    def get(self, request, slug):
        return self.list(request)

    @extend_schema(
        summary="Record a country's stage (owners and organisers)",
        request=CountryStatusInputSerializer,
        responses={201: CountryStatusOutputSerializer},
    )
    def post(self, request, slug):
        campaign = self.get_campaign()
        data = CountryStatusInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        record = records.country_status_record(
            by=request.user, campaign=campaign, **data.validated_data
        )
        return Response(CountryStatusOutputSerializer(record).data, status=status.HTTP_201_CREATED)

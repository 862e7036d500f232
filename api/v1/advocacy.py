"""Outreach, decision-makers and engagements: the organisers' records behind the figures."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from api.fields import CountryCodeField
from campaigns import access, records
from campaigns.access import Ability
from campaigns.models import (
    DecisionMaker,
    Engagement,
    Organisation,
    OutreachActivity,
    Stance,
)
from core.converters import IdConverter

# --- Outreach -------------------------------------------------------------------------------


class OutreachOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    channel = serializers.ChoiceField(choices=OutreachActivity.Channel.choices)
    country = CountryCodeField()
    date = serializers.DateField()
    reach = serializers.IntegerField()
    description = serializers.CharField()
    partner = serializers.SlugField(source="partner.slug", allow_null=True, default=None)
    created = serializers.DateTimeField()


class OutreachInputSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=OutreachActivity.Channel.choices)
    country = CountryCodeField()
    date = serializers.DateField()
    reach = serializers.IntegerField(min_value=0, max_value=10**12)
    description = serializers.CharField(max_length=500, required=False, allow_blank=True)
    partner = serializers.SlugField(
        required=False, allow_null=True, help_text="Slug of the organisation that did it."
    )


class OutreachView(generics.ListAPIView):
    queryset = OutreachActivity.objects.none()  # for the schema; get_queryset() does the work
    permission_classes = [IsAuthenticated]
    serializer_class = OutreachOutputSerializer

    def get_queryset(self):
        campaign = access.campaign_for(self.request.user, self.kwargs["slug"], Ability.BELONG)
        return OutreachActivity.objects.filter(campaign=campaign).select_related("partner")

    @extend_schema(summary="The campaign's outreach activities (members of its organisation)")
    def get(self, request, slug):
        return self.list(request)

    @extend_schema(
        summary="Record an outreach activity (owners and organisers)",
        request=OutreachInputSerializer,
        responses={201: OutreachOutputSerializer},
    )
    def post(self, request, slug):
        campaign = access.campaign_for(request.user, slug, Ability.BELONG)
        data = OutreachInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        partner_slug = fields.pop("partner", None)
        partner = None
        if partner_slug:
            partner = Organisation.objects.filter(slug=partner_slug).first()
            if partner is None:
                raise serializers.ValidationError({"partner": ["No organisation has this slug."]})
        activity = records.outreach_record(
            by=request.user, campaign=campaign, partner=partner, **fields
        )
        return Response(OutreachOutputSerializer(activity).data, status=status.HTTP_201_CREATED)


# --- Decision-makers -----------------------------------------------------------------------


class DecisionMakerOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organisation = serializers.SlugField(source="organisation.slug")
    name = serializers.CharField()
    role = serializers.CharField()
    institution = serializers.CharField()
    country = CountryCodeField()
    level = serializers.ChoiceField(choices=DecisionMaker.Level.choices)
    created = serializers.DateTimeField()


class DecisionMakerInputSerializer(serializers.Serializer):
    organisation = serializers.SlugField()
    name = serializers.CharField(max_length=200)
    role = serializers.CharField(max_length=200, required=False, allow_blank=True)
    institution = serializers.CharField(max_length=200, required=False, allow_blank=True)
    country = CountryCodeField()
    level = serializers.ChoiceField(choices=DecisionMaker.Level.choices, required=False)


class DecisionMakerUpdateSerializer(DecisionMakerInputSerializer):
    organisation = None


class DecisionMakerFilter(django_filters.FilterSet):
    organisation = django_filters.CharFilter(field_name="organisation__slug")
    country = django_filters.CharFilter(method="filter_country")
    level = django_filters.ChoiceFilter(choices=DecisionMaker.Level.choices)

    class Meta:
        model = DecisionMaker
        fields = ["organisation", "country", "level"]

    def filter_country(self, queryset, name, value):
        return queryset.filter(country=value.strip().upper())


class DecisionMakerViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Decision-makers tracked by the organisations you belong to."""

    lookup_value_regex = IdConverter.regex

    permission_classes = [IsAuthenticated]
    serializer_class = DecisionMakerOutputSerializer
    filterset_class = DecisionMakerFilter

    def get_queryset(self):
        queryset = DecisionMaker.objects.select_related("organisation")
        user = self.request.user
        if user.is_superuser:
            return queryset
        return queryset.filter(organisation_id__in=access.organisation_ids(user))

    @extend_schema(
        summary="Add a decision-maker (owners and organisers)",
        request=DecisionMakerInputSerializer,
        responses={201: DecisionMakerOutputSerializer},
    )
    def create(self, request):
        data = DecisionMakerInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        organisation = Organisation.objects.filter(slug=fields.pop("organisation")).first()
        if organisation is None:
            raise serializers.ValidationError({"organisation": ["No organisation has this slug."]})
        decision_maker = records.decision_maker_create(
            by=request.user, organisation=organisation, **fields
        )
        return Response(
            DecisionMakerOutputSerializer(decision_maker).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="Change a decision-maker (owners and organisers)",
        request=DecisionMakerUpdateSerializer,
        responses={200: DecisionMakerOutputSerializer},
    )
    def partial_update(self, request, pk=None):
        decision_maker = self.get_object()
        data = DecisionMakerUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        decision_maker = records.decision_maker_update(
            by=request.user, decision_maker=decision_maker, **data.validated_data
        )
        return Response(DecisionMakerOutputSerializer(decision_maker).data)


# --- Engagements ----------------------------------------------------------------------------


class EngagementOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    decision_maker = serializers.IntegerField(source="decision_maker_id")
    decision_maker_name = serializers.CharField(source="decision_maker.name")
    kind = serializers.ChoiceField(choices=Engagement.Kind.choices)
    date = serializers.DateField()
    stance = serializers.ChoiceField(choices=Stance.choices)
    notes = serializers.CharField()
    created = serializers.DateTimeField()


class EngagementInputSerializer(serializers.Serializer):
    decision_maker = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    kind = serializers.ChoiceField(choices=Engagement.Kind.choices)
    date = serializers.DateField()
    stance = serializers.ChoiceField(choices=Stance.choices)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class EngagementFilter(django_filters.FilterSet):
    stance = django_filters.ChoiceFilter(choices=Stance.choices)
    decision_maker = django_filters.NumberFilter(field_name="decision_maker_id")

    class Meta:
        model = Engagement
        fields = ["stance", "decision_maker"]


class EngagementView(generics.ListAPIView):
    queryset = Engagement.objects.none()  # for the schema; get_queryset() does the work
    permission_classes = [IsAuthenticated]
    serializer_class = EngagementOutputSerializer
    filterset_class = EngagementFilter

    def get_queryset(self):
        campaign = access.campaign_for(self.request.user, self.kwargs["slug"], Ability.BELONG)
        return Engagement.objects.filter(campaign=campaign).select_related("decision_maker")

    @extend_schema(summary="The campaign's engagements (members of its organisation)")
    def get(self, request, slug):
        return self.list(request)

    @extend_schema(
        summary="Record an engagement with a decision-maker (owners and organisers)",
        request=EngagementInputSerializer,
        responses={201: EngagementOutputSerializer},
    )
    def post(self, request, slug):
        campaign = access.campaign_for(request.user, slug, Ability.BELONG)
        data = EngagementInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        decision_maker = DecisionMaker.objects.filter(
            id=fields.pop("decision_maker"), organisation_id=campaign.organisation_id
        ).first()
        if decision_maker is None:
            raise serializers.ValidationError(
                {"decision_maker": ["No decision-maker with this id is tracked for this campaign."]}
            )
        engagement = records.engagement_record(
            by=request.user, campaign=campaign, decision_maker=decision_maker, **fields
        )
        return Response(EngagementOutputSerializer(engagement).data, status=status.HTTP_201_CREATED)

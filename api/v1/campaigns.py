import time
from typing import NamedTuple

import django_filters
from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from api.caching import cached_response, etag_matches
from api.fields import CountryCodeField, LanguageTagField
from api.permissions import ReadOnlyOrManager
from campaigns import access, partners, selectors, services
from campaigns.access import Ability
from campaigns.models import Campaign, CampaignPartner, Organisation
from core.errors import NotAuthenticated
from signatures.embed import embed_snippet
from tallies import selectors as figures


class TranslationSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(max_length=600, required=False, allow_blank=True)
    petition_text = serializers.CharField(required=False, allow_blank=True)


class CampaignOutputSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    organisation = serializers.SlugField(source="organisation.slug")
    organisation_name = serializers.CharField(source="organisation.name")
    title = serializers.CharField()
    summary = serializers.CharField()
    petition_text = serializers.CharField()
    content_language = serializers.CharField()
    status = serializers.ChoiceField(choices=Campaign.Status.choices)
    outcome = serializers.ChoiceField(choices=Campaign.Outcome.choices, allow_blank=True)
    goal = serializers.IntegerField()
    countries = serializers.ListField(child=CountryCodeField())
    languages = serializers.ListField(child=serializers.CharField())
    require_confirmation = serializers.BooleanField()
    contact = serializers.ChoiceField(choices=Campaign.Contact.choices)
    starts_on = serializers.DateField(allow_null=True)
    ends_on = serializers.DateField(allow_null=True)
    baseline_starts_on = serializers.DateField(allow_null=True)
    baseline_ends_on = serializers.DateField(allow_null=True)
    signature_count = serializers.SerializerMethodField(
        help_text="Confirmed signatures, as last tallied."
    )
    progress = serializers.SerializerMethodField(help_text="signature_count / goal")
    translations = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    embed_url = serializers.SerializerMethodField()
    embed_snippet = serializers.SerializerMethodField()
    partners = serializers.SerializerMethodField(
        help_text="The coalition's partner organisations (the campaign's own leads it)."
    )
    created = serializers.DateTimeField()
    modified = serializers.DateTimeField()

    def get_partners(self, campaign) -> list[dict[str, str]]:
        return [
            {"organisation": p.organisation.slug, "name": p.organisation.name, "status": p.status}
            for p in sorted(campaign.partnerships.all(), key=lambda p: p.organisation.name)
            if p.status != CampaignPartner.Status.LEFT
        ]

    def get_signature_count(self, campaign) -> int:
        return figures.campaign_signature_count(campaign)

    def get_progress(self, campaign) -> float:
        return figures.campaign_progress(campaign)

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_embed_url(self, campaign) -> str:
        return self._absolute(reverse("public:embed", kwargs={"slug": campaign.slug}))

    def get_embed_snippet(self, campaign) -> str:
        return embed_snippet(embed_url=self.get_embed_url(campaign), title=campaign.title)

    def get_translations(self, campaign) -> dict[str, dict[str, str]]:
        return {
            t.language: {"title": t.title, "summary": t.summary, "petition_text": t.petition_text}
            for t in campaign.translations.all()
        }

    def get_url(self, campaign) -> str:
        return self._absolute(reverse("public:campaign", kwargs={"slug": campaign.slug}))


class CampaignInputSerializer(serializers.Serializer):
    organisation = serializers.SlugField()
    slug = serializers.SlugField(max_length=80)
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(max_length=600, required=False, allow_blank=True)
    petition_text = serializers.CharField(required=False, allow_blank=True)
    goal = serializers.IntegerField(min_value=1, max_value=partners.GOAL_MAX)
    status = serializers.ChoiceField(choices=Campaign.Status.choices, required=False)
    outcome = serializers.ChoiceField(
        choices=Campaign.Outcome.choices, required=False, allow_blank=True
    )
    starts_on = serializers.DateField(required=False, allow_null=True)
    ends_on = serializers.DateField(required=False, allow_null=True)
    countries = serializers.ListField(child=CountryCodeField(), required=False, max_length=250)
    languages = serializers.ListField(child=LanguageTagField(), required=False, max_length=50)
    require_confirmation = serializers.BooleanField(required=False)
    contact = serializers.ChoiceField(
        choices=Campaign.Contact.choices,
        required=False,
        help_text="`email`: every signer gives an email. `email_or_phone`: an email, a phone "
        "number or both (a phone alone counts when a collector took it, or at once where "
        "signatures need no confirmation).",
    )
    baseline_starts_on = serializers.DateField(required=False, allow_null=True)
    baseline_ends_on = serializers.DateField(required=False, allow_null=True)
    translations = serializers.DictField(
        child=TranslationSerializer(allow_null=True), required=False
    )
    partners = serializers.ListField(
        child=serializers.SlugField(max_length=80),
        required=False,
        max_length=partners.PARTNERS_MAX,
        help_text="The partner organisations' addresses (the lead's owners only): a new one "
        "is invited and joins when its owner accepts; one left out leaves the coalition.",
    )

    def validate_countries(self, value):
        return list(dict.fromkeys(value))

    def validate_languages(self, value):
        if len(set(value)) != len(value):
            raise serializers.ValidationError(_("Each language may be listed once."))
        return value

    def validate_translations(self, value):
        errors = {}
        for language in value:
            try:
                LanguageTagField().run_validation(language)
            except serializers.ValidationError as error:
                errors[language] = error.detail
        if errors:
            raise serializers.ValidationError(errors)
        return value


class CampaignUpdateSerializer(CampaignInputSerializer):
    organisation = None

    def validate(self, attrs):
        if "organisation" in self.initial_data:
            raise serializers.ValidationError(
                {"organisation": [_("A campaign stays with its organisation.")]}
            )
        return attrs


class PartnerGoalInputSerializer(serializers.Serializer):
    goal = serializers.IntegerField(
        min_value=1,
        max_value=partners.GOAL_MAX,
        allow_null=True,
        help_text="The partner's own goal for the signatures that come through it (null: none).",
    )


class PartnerGoalOutputSerializer(serializers.Serializer):
    organisation = serializers.SlugField(source="organisation.slug")
    status = serializers.ChoiceField(choices=CampaignPartner.Status.choices)
    goal = serializers.IntegerField(allow_null=True)


_PARTNERS = Prefetch(
    "partnerships",
    queryset=CampaignPartner.objects.select_related("organisation"),
)


class CampaignFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Campaign.Status.choices)
    organisation = django_filters.CharFilter(field_name="organisation__slug")
    country = django_filters.CharFilter(method="filter_country")

    class Meta:
        model = Campaign
        fields = ["status", "organisation", "country"]

    def filter_country(self, queryset, name, value):
        code = value.strip().upper()
        if len(code) != 2 or not code.isalpha():
            return queryset.none()
        # Codes are stored as "BO,EC,PE": two letters never match across a comma.
        return queryset.filter(countries__contains=code)


@extend_schema_view(
    list=extend_schema(summary="Published campaigns (and your organisations' drafts)"),
    retrieve=extend_schema(summary="One campaign"),
)
class CampaignViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = CampaignOutputSerializer
    permission_classes = [ReadOnlyOrManager]
    filterset_class = CampaignFilter
    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"

    def get_queryset(self):
        return figures.with_tally(
            selectors.campaign_list_visible(user=self.request.user)
        ).prefetch_related(_PARTNERS)

    def retrieve(self, request, slug=None):
        campaign = self.get_object()
        data = self.get_serializer(campaign).data
        if not campaign.is_public:
            return Response(data, headers={"Cache-Control": "private, no-cache"})
        tally = figures.campaign_tally_of(campaign)
        return cached_response(
            request,
            data,
            etag=f"campaign-{campaign.id}-{int(campaign.modified.timestamp())}-{tally.version}",
            last_modified=max(filter(None, [campaign.modified, tally.signatures_tallied_at])),
        )

    @extend_schema(
        summary="Create a campaign (owners and organisers of the organisation)",
        request=CampaignInputSerializer,
        responses={201: CampaignOutputSerializer},
    )
    def create(self, request):
        data = CampaignInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        slugs = fields.pop("partners", None)
        try:
            organisation = selectors.organisation_get(slug=fields.pop("organisation"))
        except Organisation.DoesNotExist:
            raise serializers.ValidationError(
                {"organisation": [_("No organisation has this slug.")]}
            ) from None
        with transaction.atomic():
            campaign = services.campaign_create(
                by=request.user, organisation=organisation, **fields
            )
            if slugs is not None:
                partners.partners_set(by=request.user, campaign=campaign, slugs=slugs)
        campaign = self._visible(campaign.slug)
        body = CampaignOutputSerializer(campaign, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)

    def _visible(self, slug: str) -> Campaign:
        return (
            Campaign.objects.filter(
                pk=selectors.campaign_get_visible(slug=slug, user=self.request.user).pk
            )
            .select_related("organisation")
            .prefetch_related("translations", _PARTNERS)
            .get()
        )

    @extend_schema(
        summary="Change a campaign (owners and organisers of its organisation)",
        request=CampaignUpdateSerializer,
        responses={200: CampaignOutputSerializer},
    )
    def partial_update(self, request, slug=None):
        campaign = self.get_object()
        data = CampaignUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        slugs = fields.pop("partners", None)
        with transaction.atomic():
            if fields or slugs is None:
                campaign = services.campaign_update(by=request.user, campaign=campaign, **fields)
            if slugs is not None:
                partners.partners_set(by=request.user, campaign=campaign, slugs=slugs)
        campaign = self._visible(campaign.slug)
        return Response(CampaignOutputSerializer(campaign, context={"request": request}).data)

    def _partnership(self, request, slug: str, org: str) -> tuple[Campaign, Organisation]:
        """The campaign and the partner organisation, for that organisation's owners: 404 to
        anyone who may not know of the invitation."""
        if not request.user.is_authenticated:
            raise NotAuthenticated(_("Log in, or send your API token."))
        row = (
            CampaignPartner.objects.filter(campaign__slug=slug, organisation__slug=org)
            .select_related("campaign", "campaign__organisation", "organisation")
            .first()
        )
        if row is None or not (
            access.can(request.user, row.organisation_id, Ability.BELONG)
            or access.can(request.user, row.campaign.organisation_id, Ability.BELONG)
        ):
            raise Http404
        return row.campaign, row.organisation

    @extend_schema(
        summary="Accept the invitation to partner in the campaign (the partner's owners)",
        request=None,
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"partners/(?P<org>[-a-zA-Z0-9_]+)/accept",
        permission_classes=[AllowAny],
    )
    def partner_accept(self, request, slug=None, org=None):
        campaign, organisation = self._partnership(request, slug, org)
        row = partners.partner_accept(by=request.user, campaign=campaign, organisation=organisation)
        return Response({"organisation": organisation.slug, "status": row.status})

    @extend_schema(
        summary="Decline the invitation, or leave the coalition (the partner's owners)",
        request=None,
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"partners/(?P<org>[-a-zA-Z0-9_]+)/leave",
        permission_classes=[AllowAny],
    )
    def partner_leave(self, request, slug=None, org=None):
        campaign, organisation = self._partnership(request, slug, org)
        row = partners.partner_leave(by=request.user, campaign=campaign, organisation=organisation)
        return Response({"organisation": organisation.slug, "status": row.status})

    @extend_schema(
        methods=["GET"],
        summary="The partner's own goal for its share (the partner's members)",
        request=None,
        responses={200: PartnerGoalOutputSerializer},
    )
    @extend_schema(
        methods=["POST"],
        summary="Set the partner's own goal for its share (the partner's owners and organisers)",
        description="The share's milestones (parts of this goal) are the partner's alone: "
        "announced to its webhooks and its owners and organisers, never to the lead.",
        request=PartnerGoalInputSerializer,
        responses={200: PartnerGoalOutputSerializer},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path=r"partners/(?P<org>[-a-zA-Z0-9_]+)/goal",
        permission_classes=[AllowAny],
    )
    def partner_goal(self, request, slug=None, org=None):
        campaign, organisation = self._partnership(request, slug, org)
        if request.method == "GET":
            row = partners.partnership_get(
                by=request.user, campaign=campaign, organisation=organisation
            )
        else:
            data = PartnerGoalInputSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            row = partners.partner_goal_set(
                by=request.user,
                campaign=campaign,
                organisation=organisation,
                goal=data.validated_data["goal"],
            )
        return Response(PartnerGoalOutputSerializer(row).data)

    def _figures_campaign(self, slug) -> Campaign:
        try:
            return figures.campaign_figures_get(slug=slug)
        except Campaign.DoesNotExist:
            raise Http404 from None

    @extend_schema(
        summary="The campaign's tally",
        parameters=[
            OpenApiParameter(
                "include",
                OpenApiTypes.STR,
                enum=["private"],
                description="`private` adds collector figures and rejections "
                "(the campaign's owners and organisers only).",
            )
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=True, methods=["get"], permission_classes=[AllowAny])
    def stats(self, request, slug=None):
        campaign = self._figures_campaign(slug)
        private = request.query_params.get("include") == "private"
        if private and not access.can(request.user, campaign.organisation_id, Ability.SEE_SIGNERS):
            private = False
        data = figures.campaign_stats(campaign=campaign, include_private=private)
        return cached_response(
            request,
            data,
            etag=f"stats-{campaign.id}-{data['version']}-{int(campaign.modified.timestamp())}"
            + ("-p" if private else ""),
            last_modified=data["tallied_at"],
            public=not private,
        )

    @extend_schema(
        summary="The signature count alone (small, for pages that refresh it)",
        responses={
            200: inline_serializer(
                "SignatureCount",
                {
                    "signature_count": serializers.IntegerField(),
                    "goal": serializers.IntegerField(),
                    "progress": serializers.FloatField(),
                },
            )
        },
    )
    @action(detail=True, methods=["get"], permission_classes=[AllowAny])
    def count(self, request, slug=None):
        campaign = self._figures_campaign(slug)
        tally = figures.campaign_tally_of(campaign)
        data = {
            "signature_count": tally.confirmed,
            "goal": campaign.goal,
            "progress": figures.campaign_progress(campaign),
        }
        return cached_response(
            request,
            data,
            etag=f"count-{campaign.id}-{tally.version}-{campaign.goal}",
            last_modified=tally.signatures_tallied_at,
        )


_stats = CampaignViewSet.as_view({"get": "stats"})


class _KeptStats(NamedTuple):
    version: tuple  # what the figures are a function of (the ETag's)
    body: bytes
    headers: dict[str, str]
    until: float  # given without asking whether the version moved, until then (monotonic)


# Per process: slug -> the answer last rendered for it.
_stats_answers: dict[str, _KeptStats] = {}
_STATS_ANSWERS_MAX = 1000


def stats_answers_clear() -> None:
    _stats_answers.clear()


def campaign_stats(request, slug: str):
    """The public stats, which pages and widgets poll: the same answer for everyone (no
    query string, no token), so the bytes DRF rendered are kept per process and given again
    while the campaign and its tally are unchanged: one small query decides (the version the
    ETag is made of), asked at most once per STATS_RECHECK_SECONDS. Anything else, and the
    first request for each version, is the DRF action's (`CampaignViewSet.stats`)."""
    if request.method != "GET" or request.GET or "HTTP_AUTHORIZATION" in request.META:
        return _stats(request, slug=slug)
    now = time.monotonic()
    kept = _stats_answers.get(slug)
    if kept is not None and now < kept.until:
        return _kept_answer(request, kept)
    version = figures.campaign_figures_version(slug=slug)
    recheck = now + settings.STATS_RECHECK_SECONDS
    if version is not None and kept is not None and kept.version == version:
        _stats_answers[slug] = kept._replace(until=recheck)
        return _kept_answer(request, kept)
    response = _stats(request, slug=slug)
    if version is not None and response.status_code == 200:
        response.render()
        if len(_stats_answers) >= _STATS_ANSWERS_MAX:
            _stats_answers.clear()
        headers = {k: v for k, v in response.headers.items() if k != "Content-Length"}
        _stats_answers[slug] = _KeptStats(version, response.content, headers, recheck)
    return response


def _kept_answer(request, kept: _KeptStats) -> HttpResponse:
    if etag_matches(request, kept.headers["ETag"]):
        return HttpResponse(status=304, headers=kept.headers)
    return HttpResponse(kept.body, headers=kept.headers)

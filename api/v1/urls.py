from csp.decorators import csp_update
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from api.v1 import (
    advocacy,
    campaigns,
    country_status,
    field,
    organisations,
    organisers,
    results,
    review,
    signatures,
    webhooks,
)

router = SimpleRouter()
router.register("organisations", organisations.OrganisationViewSet, basename="organisation")
router.register("campaigns", campaigns.CampaignViewSet, basename="campaign")
router.register("decision-makers", advocacy.DecisionMakerViewSet, basename="decision-maker")

app_name = "api-v1"
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(api_version="v1"), name="schema"),
    path(
        "docs/",
        # Swagger UI styles itself inline; its scripts still come only from this site.
        csp_update({"style-src": ["'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api-v1:schema")
        ),
        name="docs",
    ),
    # Before the router's own route for it: the public answer kept per process (documented
    # from the router's action).
    path("campaigns/<slug:slug>/stats/", campaigns.campaign_stats, name="campaign-stats"),
    path(
        "campaigns/<slug:slug>/signatures/",
        signatures.campaign_signatures,
        name="campaign-signatures",
    ),
    path(
        "campaigns/<slug:slug>/signatures/import/",
        organisers.ImportView.as_view(),
        name="campaign-import",
    ),
    path(
        "campaigns/<slug:slug>/signatures/batch/",
        field.BatchView.as_view(),
        name="campaign-signatures-batch",
    ),
    path("field/", field.FieldView.as_view(), name="field"),
    path(
        "campaigns/<slug:slug>/signatures/review/",
        review.SignaturesReviewView.as_view(),
        name="campaign-signatures-review",
    ),
    path(
        "campaigns/<slug:slug>/signatures/export/",
        organisers.ExportView.as_view(),
        name="campaign-export",
    ),
    path("imports/<id:pk>/", organisers.ImportStatusView.as_view(), name="import"),
    path(
        "organisations/<slug:slug>/collectors/",
        organisers.CollectorsView.as_view(),
        name="collectors",
    ),
    path("organisations/<slug:slug>/signers/", organisers.SignerView.as_view(), name="signer"),
    path(
        "organisations/<slug:slug>/signers/find/",
        organisers.SignerFindView.as_view(),
        name="signer-find",
    ),
    path(
        "organisations/<slug:slug>/signers/erase/",
        organisers.SignerEraseView.as_view(),
        name="signer-erase",
    ),
    path(
        "campaigns/<slug:slug>/signatures/<id:pk>/",
        signatures.SignatureDetailView.as_view(),
        name="campaign-signature",
    ),
    path("signatures/confirm/", signatures.ConfirmView.as_view(), name="signature-confirm"),
    path(
        "campaigns/<slug:slug>/country-status/",
        country_status.CountryStatusView.as_view(),
        name="country-status",
    ),
    path("campaigns/<slug:slug>/outreach/", advocacy.OutreachView.as_view(), name="outreach"),
    path(
        "campaigns/<slug:slug>/engagements/",
        advocacy.EngagementView.as_view(),
        name="engagements",
    ),
    path("organisations/<slug:slug>/webhooks/", webhooks.WebhookView.as_view(), name="webhooks"),
    path(
        "campaigns/<slug:slug>/results/",
        results.CampaignResultsView.as_view(),
        name="campaign-results",
    ),
    path(
        "campaigns/<slug:slug>/indicators/",
        results.IndicatorsView.as_view(),
        name="campaign-indicators",
    ),
    path(
        "campaigns/<slug:slug>/indicators/<slug:key>/values/",
        results.IndicatorValuesView.as_view(),
        name="campaign-indicator-values",
    ),
    path(
        "organisations/<slug:slug>/results/",
        results.OrganisationResultsView.as_view(),
        name="organisation-results",
    ),
    *router.urls,
]

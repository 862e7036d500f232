from django.contrib.auth import views as auth_views
from django.urls import path

from dashboard.views import (
    accounts,
    campaign,
    campaigns,
    collectors,
    partners,
    people,
    records,
    results,
    signatures,
    webhooks,
)

app_name = "dashboard"
urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="dashboard/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", people.logout, name="logout"),
    # Getting in without an administrator: a password reset by email, an owner's invitation.
    path("password-reset/", accounts.PasswordReset.as_view(), name="password-reset"),
    path("password-reset/sent/", accounts.PasswordResetDone.as_view(), name="password-reset-done"),
    path(
        "password-reset/done/",
        accounts.PasswordResetComplete.as_view(),
        name="password-reset-complete",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        accounts.PasswordResetConfirm.as_view(),
        name="password-reset-confirm",
    ),
    path("invitations/<str:token>/", accounts.invitation, name="invitation"),
    path("o/new/", people.organisation_new, name="organisation-new"),
    path("", campaign.home, name="home"),
    path("me/", collectors.me, name="me"),
    # Before c/<slug>/: the slug "new" is reserved (Campaign.clean).
    path("c/new/", campaigns.campaign_new, name="campaign-new"),
    path("c/<slug:slug>/", campaign.campaign, name="campaign"),
    path("c/<slug:slug>/edit/", campaigns.campaign_edit, name="campaign-edit"),
    path("c/<slug:slug>/results/", results.campaign_results, name="campaign-results"),
    path("c/<slug:slug>/preview/", campaigns.campaign_preview, name="campaign-preview"),
    path("c/<slug:slug>/partners/", partners.campaign_partners, name="campaign-partners"),
    path(
        "c/<slug:slug>/partners/<slug:org>/answer/",
        partners.partner_answer,
        name="partner-answer",
    ),
    path(
        "c/<slug:slug>/partners/<slug:org>/goal/",
        campaign.partner_goal,
        name="partner-goal",
    ),
    path("c/<slug:slug>/outreach/new/", records.outreach_new, name="outreach-new"),
    path("c/<slug:slug>/stages/new/", records.stage_new, name="stage-new"),
    path(
        "c/<slug:slug>/decision-makers/new/", records.decision_maker_new, name="decision-maker-new"
    ),
    path("c/<slug:slug>/engagements/new/", records.engagement_new, name="engagement-new"),
    # Correcting the records behind the figures (a decision-maker is the organisation's).
    path(
        "c/<slug:slug>/outreach/",
        records.record_list,
        {"kind": "outreach"},
        name="outreach-list",
    ),
    path("c/<slug:slug>/outreach/<id:pk>/edit/", records.outreach_edit, name="outreach-edit"),
    path("c/<slug:slug>/outreach/<id:pk>/remove/", records.outreach_remove, name="outreach-remove"),
    path(
        "c/<slug:slug>/stages/",
        records.record_list,
        {"kind": "stages"},
        name="stage-list",
    ),
    path("c/<slug:slug>/stages/<id:pk>/edit/", records.stage_edit, name="stage-edit"),
    path("c/<slug:slug>/stages/<id:pk>/remove/", records.stage_remove, name="stage-remove"),
    path(
        "c/<slug:slug>/engagements/",
        records.record_list,
        {"kind": "engagements"},
        name="engagement-list",
    ),
    path(
        "c/<slug:slug>/engagements/<id:pk>/edit/", records.engagement_edit, name="engagement-edit"
    ),
    path(
        "c/<slug:slug>/engagements/<id:pk>/remove/",
        records.engagement_remove,
        name="engagement-remove",
    ),
    path(
        "c/<slug:slug>/decision-makers/",
        records.record_list,
        {"kind": "decision_makers"},
        name="decision-maker-list",
    ),
    path(
        "c/<slug:slug>/decision-makers/<id:pk>/edit/",
        records.decision_maker_edit,
        name="decision-maker-edit",
    ),
    path(
        "c/<slug:slug>/decision-makers/<id:pk>/remove/",
        records.decision_maker_remove,
        name="decision-maker-remove",
    ),
    path("c/<slug:slug>/collectors/", collectors.collectors, name="collectors"),
    path(
        "c/<slug:slug>/collectors/<slug:code>/qr.svg", collectors.collector_qr, name="collector-qr"
    ),
    path(
        "c/<slug:slug>/collectors/<slug:code>/active/",
        collectors.collector_active,
        name="collector-active",
    ),
    path("c/<slug:slug>/sheet/", collectors.sheet, name="sheet"),
    path("c/<slug:slug>/import/", signatures.import_csv, name="import"),
    path("imports/<id:pk>/", signatures.import_status, name="import-status"),
    path("c/<slug:slug>/export.csv", signatures.export_csv, name="export"),
    path("c/<slug:slug>/export.xlsx", signatures.export_xlsx, name="export-xlsx"),
    path("c/<slug:slug>/signatures/", signatures.signatures, name="signatures"),
    path("o/<slug:org>/signers/", people.signers, name="signers"),
    path("o/<slug:org>/signers/export.json", people.signer_export, name="signer-export"),
    path("o/<slug:org>/members/", people.members, name="members"),
    path("o/<slug:org>/audit/", people.audit_log, name="audit"),
    path("o/<slug:org>/results/", results.organisation_results, name="organisation-results"),
    path("o/<slug:org>/webhooks/", webhooks.webhooks, name="webhooks"),
    path("o/<slug:org>/webhooks/<id:pk>/test/", webhooks.webhook_test, name="webhook-test"),
    path(
        "o/<slug:org>/webhooks/<id:pk>/deactivate/",
        webhooks.webhook_deactivate,
        name="webhook-deactivate",
    ),
    path(
        "o/<slug:org>/webhooks/<id:pk>/reactivate/",
        webhooks.webhook_reactivate,
        name="webhook-reactivate",
    ),
]

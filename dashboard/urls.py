from django.contrib.auth import views as auth_views
from django.urls import path

from dashboard.views import campaign, collectors, people, records, signatures

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
    path("", campaign.home, name="home"),
    path("me/", collectors.me, name="me"),
    path("c/<slug:slug>/", campaign.campaign, name="campaign"),
    path("c/<slug:slug>/outreach/new/", records.outreach_new, name="outreach-new"),
    path("c/<slug:slug>/stages/new/", records.stage_new, name="stage-new"),
    path(
        "c/<slug:slug>/decision-makers/new/", records.decision_maker_new, name="decision-maker-new"
    ),
    path("c/<slug:slug>/engagements/new/", records.engagement_new, name="engagement-new"),
    path("c/<slug:slug>/collectors/", collectors.collectors, name="collectors"),
    path(
        "c/<slug:slug>/collectors/<slug:code>/qr.svg", collectors.collector_qr, name="collector-qr"
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
]

from django.contrib.auth import views as auth_views
from django.urls import path

from dashboard import views

app_name = "dashboard"
urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="dashboard/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", views.logout, name="logout"),
    path("", views.home, name="home"),
    path("me/", views.me, name="me"),
    path("c/<slug:slug>/", views.campaign, name="campaign"),
    path("c/<slug:slug>/outreach/new/", views.outreach_new, name="outreach-new"),
    path("c/<slug:slug>/stages/new/", views.stage_new, name="stage-new"),
    path("c/<slug:slug>/decision-makers/new/", views.decision_maker_new, name="decision-maker-new"),
    path("c/<slug:slug>/engagements/new/", views.engagement_new, name="engagement-new"),
    path("c/<slug:slug>/collectors/", views.collectors, name="collectors"),
    path("c/<slug:slug>/collectors/<slug:code>/qr.svg", views.collector_qr, name="collector-qr"),
    path("c/<slug:slug>/sheet/", views.sheet, name="sheet"),
    path("c/<slug:slug>/import/", views.import_csv, name="import"),
    path("imports/<int:pk>/", views.import_status, name="import-status"),
    path("c/<slug:slug>/export.csv", views.export_csv, name="export"),
    path("c/<slug:slug>/signatures/", views.signatures, name="signatures"),
    path("o/<slug:org>/signers/", views.signers, name="signers"),
    path("o/<slug:org>/signers/export.json", views.signer_export, name="signer-export"),
    path("o/<slug:org>/members/", views.members, name="members"),
]

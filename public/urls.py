from django.urls import path

from public import views

app_name = "public"
urlpatterns = [
    path("", views.campaign_list, name="campaign-list"),
    path("c/<slug:slug>/", views.campaign_detail, name="campaign"),
    path("c/<slug:slug>/thanks/", views.campaign_thanks, name="thanks"),
    path("c/<slug:slug>/embed/", views.campaign_embed, name="embed"),
    path("c/<slug:slug>/embed/thanks/", views.campaign_embed_thanks, name="embed-thanks"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
]

from django.urls import path

from api.osdi import views

app_name = "osdi"
urlpatterns = [
    path("", views.EntryPoint.as_view(), name="entry"),
    path("people/", views.People.as_view(), name="people"),
    path("people/person_signup_helper/", views.PersonSignupHelper.as_view(), name="person-signup"),
    path("people/<int:pk>/", views.PersonDetail.as_view(), name="person"),
    path("people/<int:pk>/signatures/", views.PersonSignatures.as_view(), name="person-signatures"),
    path("people/<int:pk>/taggings/", views.PersonTaggings.as_view(), name="person-taggings"),
    path("petitions/", views.Petitions.as_view(), name="petitions"),
    path("petitions/<int:pk>/", views.PetitionDetail.as_view(), name="petition"),
    path(
        "petitions/<int:pk>/signatures/",
        views.PetitionSignatures.as_view(),
        name="petition-signatures",
    ),
    path(
        "petitions/<int:pk>/signatures/record_signature_helper/",
        views.RecordSignatureHelper.as_view(),
        name="record-signature",
    ),
    path(
        "petitions/<int:pk>/signatures/<int:sid>/",
        views.SignatureDetail.as_view(),
        name="signature",
    ),
    path("advocacy_campaigns/", views.AdvocacyCampaigns.as_view(), name="advocacy-campaigns"),
    path(
        "advocacy_campaigns/<int:pk>/",
        views.AdvocacyCampaignDetail.as_view(),
        name="advocacy-campaign",
    ),
    path("advocacy_campaigns/<int:pk>/outreaches/", views.Outreaches.as_view(), name="outreaches"),
    path(
        "advocacy_campaigns/<int:pk>/outreaches/<int:oid>/",
        views.OutreachDetail.as_view(),
        name="outreach",
    ),
    path("tags/", views.Tags.as_view(), name="tags"),
    path("tags/<int:pk>/", views.TagDetail.as_view(), name="tag"),
    path("tags/<int:pk>/taggings/", views.TagTaggings.as_view(), name="tag-taggings"),
    path("tags/<int:pk>/taggings/<int:tid>/", views.TaggingDetail.as_view(), name="tagging"),
]

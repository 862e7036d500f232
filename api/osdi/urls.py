from django.urls import path

from api.osdi import advocacy, entry, people, petitions

app_name = "osdi"
urlpatterns = [
    path("", entry.EntryPoint.as_view(), name="entry"),
    path("people/", people.People.as_view(), name="people"),
    path("people/person_signup_helper/", people.PersonSignupHelper.as_view(), name="person-signup"),
    path("people/<id:pk>/", people.PersonDetail.as_view(), name="person"),
    path("people/<id:pk>/signatures/", people.PersonSignatures.as_view(), name="person-signatures"),
    path("people/<id:pk>/taggings/", people.PersonTaggings.as_view(), name="person-taggings"),
    path("petitions/", petitions.Petitions.as_view(), name="petitions"),
    path("petitions/<id:pk>/", petitions.PetitionDetail.as_view(), name="petition"),
    path(
        "petitions/<id:pk>/signatures/",
        petitions.PetitionSignatures.as_view(),
        name="petition-signatures",
    ),
    path(
        "petitions/<id:pk>/signatures/record_signature_helper/",
        petitions.RecordSignatureHelper.as_view(),
        name="record-signature",
    ),
    path(
        "petitions/<id:pk>/signatures/<id:sid>/",
        petitions.SignatureDetail.as_view(),
        name="signature",
    ),
    path("advocacy_campaigns/", advocacy.AdvocacyCampaigns.as_view(), name="advocacy-campaigns"),
    path(
        "advocacy_campaigns/<id:pk>/",
        advocacy.AdvocacyCampaignDetail.as_view(),
        name="advocacy-campaign",
    ),
    path(
        "advocacy_campaigns/<id:pk>/outreaches/", advocacy.Outreaches.as_view(), name="outreaches"
    ),
    path(
        "advocacy_campaigns/<id:pk>/outreaches/<id:oid>/",
        advocacy.OutreachDetail.as_view(),
        name="outreach",
    ),
    path("tags/", people.Tags.as_view(), name="tags"),
    path("tags/<id:pk>/", people.TagDetail.as_view(), name="tag"),
    path("tags/<id:pk>/taggings/", people.TagTaggings.as_view(), name="tag-taggings"),
    path("tags/<id:pk>/taggings/<id:tid>/", people.TaggingDetail.as_view(), name="tagging"),
]

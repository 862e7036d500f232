"""The OSDI routes. Each answers with and without a trailing slash (no redirect: a client
that follows one turns a POST into a GET), and is reversed without it, the way OSDI and
Action Network write their URLs."""

from django.urls import URLPattern, re_path
from django.urls.resolvers import RoutePattern

from api.osdi import advocacy, base, entry, people, petitions


class _SlashOptional(RoutePattern):
    """A `path()` route that also matches with one trailing slash; reversed without it."""

    def __init__(self, route, name=None, is_endpoint=False):
        super().__init__(route, name=name, is_endpoint=is_endpoint)
        if is_endpoint:
            self._regex = self._regex.removesuffix(r"\Z") + r"/?\Z"


def route(pattern: str, view, name: str) -> URLPattern:
    return URLPattern(_SlashOptional(pattern, name=name, is_endpoint=True), view, name=name)


app_name = "osdi"
urlpatterns = [
    route("v1", entry.EntryPoint.as_view(), "entry"),
    route("v1/people", people.People.as_view(), "people"),
    route("v1/people/person_signup_helper", people.PersonSignupHelper.as_view(), "person-signup"),
    route("v1/people/<id:pk>", people.PersonDetail.as_view(), "person"),
    route("v1/people/<id:pk>/signatures", people.PersonSignatures.as_view(), "person-signatures"),
    route("v1/people/<id:pk>/taggings", people.PersonTaggings.as_view(), "person-taggings"),
    route("v1/petitions", petitions.Petitions.as_view(), "petitions"),
    route("v1/petitions/<id:pk>", petitions.PetitionDetail.as_view(), "petition"),
    # POST: Action Network's way to record a signature (an inline person).
    route(
        "v1/petitions/<id:pk>/signatures",
        petitions.PetitionSignatures.as_view(),
        "petition-signatures",
    ),
    # OSDI's record signature helper, where OSDI puts it ...
    route(
        "v1/petitions/<id:pk>/record_signature_helper",
        petitions.RecordSignatureHelper.as_view(),
        "record-signature",
    ),
    # ... and where Voces first put it, for the scripts written then.
    route(
        "v1/petitions/<id:pk>/signatures/record_signature_helper",
        petitions.RecordSignatureHelper.as_view(),
        "record-signature-v1",
    ),
    route(
        "v1/petitions/<id:pk>/signatures/<id:sid>", petitions.SignatureDetail.as_view(), "signature"
    ),
    route("v1/advocacy_campaigns", advocacy.AdvocacyCampaigns.as_view(), "advocacy-campaigns"),
    route(
        "v1/advocacy_campaigns/<id:pk>",
        advocacy.AdvocacyCampaignDetail.as_view(),
        "advocacy-campaign",
    ),
    route("v1/advocacy_campaigns/<id:pk>/outreaches", advocacy.Outreaches.as_view(), "outreaches"),
    route(
        "v1/advocacy_campaigns/<id:pk>/outreaches/<id:oid>",
        advocacy.OutreachDetail.as_view(),
        "outreach",
    ),
    route("v1/tags", people.Tags.as_view(), "tags"),
    route("v1/tags/<id:pk>", people.TagDetail.as_view(), "tag"),
    route("v1/tags/<id:pk>/taggings", people.TagTaggings.as_view(), "tag-taggings"),
    route("v1/tags/<id:pk>/taggings/<id:tid>", people.TaggingDetail.as_view(), "tagging"),
    # Anything else under /api/osdi/ (another version, a typo): OSDI's 404, not the site's page.
    re_path(r"^[\s\S]*$", base.UnknownAddress.as_view(), name="unknown"),
]

import pytest

pytestmark = pytest.mark.django_db


def test_organisations_are_public(api, org_a, org_b):
    body = api.get("/api/v1/organisations/").json()
    assert body["count"] == 2
    assert set(body["results"][0]) >= {"slug", "name", "country", "website"}
    assert api.get("/api/v1/organisations/org-a/").json()["name"] == "Organisation A"
    assert api.get("/api/v1/organisations/nope/").status_code == 404


def test_an_organiser_records_a_country_stage(api, organiser_a, campaign_a):
    api.force_authenticate(organiser_a)
    response = api.post(
        f"/api/v1/campaigns/{campaign_a.slug}/country-status/",
        {
            "country": "BO",
            "stage": "ratified",
            "date": "2013-04-15",
            "source_url": "https://normlex.ilo.org",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    api.force_authenticate(None)
    body = api.get(f"/api/v1/campaigns/{campaign_a.slug}/country-status/").json()
    assert [(r["country"], r["stage"]) for r in body["results"]] == [("BO", "ratified")]


@pytest.mark.parametrize(
    ("who", "code"), [(None, 401), ("viewer_a", 403), ("collector_a", 403), ("organiser_b", 403)]
)
def test_others_cannot_record_stages(api, request, campaign_a, who, code):
    if who:
        api.force_authenticate(request.getfixturevalue(who))
    response = api.post(
        f"/api/v1/campaigns/{campaign_a.slug}/country-status/",
        {"country": "BO", "stage": "ratified", "date": "2013-04-15"},
        format="json",
    )
    assert response.status_code == code


def test_bad_stage_fields_are_named(api, organiser_a, campaign_a):
    api.force_authenticate(organiser_a)
    response = api.post(
        f"/api/v1/campaigns/{campaign_a.slug}/country-status/",
        {"country": "ZZ", "stage": "won", "date": "yesterday", "source_url": "not a url"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"country", "stage", "date", "source_url"}


def test_stages_of_an_unknown_campaign_are_404(api, organiser_a):
    api.force_authenticate(organiser_a)
    response = api.post(
        "/api/v1/campaigns/nope/country-status/",
        {"country": "BO", "stage": "ratified", "date": "2013-04-15"},
        format="json",
    )
    assert response.status_code == 404

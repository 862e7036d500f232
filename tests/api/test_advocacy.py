import time

import pytest

from campaigns.models import Campaign, DecisionMaker, Engagement, OutreachActivity
from tallies import services as tallies
from tests.factories import CollectorFactory, sign

pytestmark = pytest.mark.django_db


def test_an_organiser_records_outreach(api, organiser_a, campaign_a, org_b):
    api.force_authenticate(organiser_a)
    response = api.post(
        f"/api/v1/campaigns/{campaign_a.slug}/outreach/",
        {
            "channel": "radio",
            "country": "bo",
            "date": "2014-03-08",
            "reach": 2_500_000,
            "description": "Spot on Radio Deseo",
            "partner": "org-b",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["partner"] == "org-b"
    assert OutreachActivity.objects.get().country.code == "BO"


@pytest.mark.parametrize(
    ("who", "code"), [(None, 401), ("viewer_a", 403), ("collector_a", 403), ("organiser_b", 403)]
)
def test_others_cannot_record_outreach(api, request, campaign_a, who, code):
    if who:
        api.force_authenticate(request.getfixturevalue(who))
    response = api.post(
        f"/api/v1/campaigns/{campaign_a.slug}/outreach/",
        {"channel": "radio", "country": "BO", "date": "2014-03-08", "reach": 10},
        format="json",
    )
    assert response.status_code == code
    assert not OutreachActivity.objects.exists()


def test_bad_outreach_fields_are_named(api, organiser_a, campaign_a):
    api.force_authenticate(organiser_a)
    response = api.post(
        f"/api/v1/campaigns/{campaign_a.slug}/outreach/",
        {"channel": "pigeon", "country": "ZZ", "date": "soon", "reach": -1, "partner": "nope"},
        format="json",
    )
    assert response.status_code == 400
    assert {"channel", "country", "date", "reach"} <= set(response.json())


def test_viewers_read_outreach_but_other_organisations_do_not(
    api, viewer_a, organiser_b, campaign_a
):
    OutreachActivity.objects.create(
        campaign=campaign_a, channel="tv", country="BO", date="2014-01-01", reach=100
    )
    api.force_authenticate(viewer_a)
    assert api.get(f"/api/v1/campaigns/{campaign_a.slug}/outreach/").json()["count"] == 1
    api.force_authenticate(organiser_b)
    assert api.get(f"/api/v1/campaigns/{campaign_a.slug}/outreach/").status_code == 403


def test_decision_makers_and_engagements(api, organiser_a, campaign_a):
    api.force_authenticate(organiser_a)
    response = api.post(
        "/api/v1/decision-makers/",
        {
            "organisation": "org-a",
            "name": "Diputada Ana Pérez",
            "role": "Presidenta",
            "institution": "Comisión de Trabajo",
            "country": "EC",
            "level": "national",
        },
        format="json",
    )
    assert response.status_code == 201
    maker = response.json()["id"]
    for stance, day in (("undecided", "2013-01-10"), ("champion", "2013-06-02")):
        response = api.post(
            f"/api/v1/campaigns/{campaign_a.slug}/engagements/",
            {
                "decision_maker": maker,
                "kind": "meeting",
                "date": day,
                "stance": stance,
                "notes": "Reunión",
            },
            format="json",
        )
        assert response.status_code == 201, response.json()
    assert Engagement.objects.filter(recorded_by=organiser_a).count() == 2
    tallies.campaign_tally_records(campaign_id=campaign_a.id)
    stats = api.get(f"/api/v1/campaigns/{campaign_a.slug}/stats/").json()
    assert stats["decision_makers"]["engaged"] == 1
    assert stats["decision_makers"]["by_stance"] == {"champion": 1}
    listed = api.get("/api/v1/decision-makers/?country=EC").json()
    assert [d["name"] for d in listed["results"]] == ["Diputada Ana Pérez"]


def test_another_organisations_decision_maker_cannot_be_engaged(
    api, organiser_a, campaign_a, org_b
):
    maker = DecisionMaker.objects.create(organisation=org_b, name="Ministro", country="PE")
    api.force_authenticate(organiser_a)
    response = api.post(
        f"/api/v1/campaigns/{campaign_a.slug}/engagements/",
        {"decision_maker": maker.id, "kind": "letter", "date": "2013-01-01", "stance": "opposed"},
        format="json",
    )
    assert response.status_code == 400
    assert "decision_maker" in response.json()


def test_decision_makers_are_private_to_their_organisation(api, organiser_b, org_a):
    DecisionMaker.objects.create(organisation=org_a, name="Alcaldesa", country="BO")
    api.force_authenticate(organiser_b)
    assert api.get("/api/v1/decision-makers/").json()["count"] == 0
    response = api.post(
        "/api/v1/decision-makers/",
        {"organisation": "org-a", "name": "X", "country": "BO"},
        format="json",
    )
    assert response.status_code == 403


def test_stats_have_the_contract_shape_and_cache_headers(api, campaign_a, organiser_a, org_a):
    collector = CollectorFactory(organisation=org_a, code="rosa")
    sign(campaign_a, email="a@example.org", country="BO", collector="rosa")
    sign(campaign_a, email="b@example.org", country="EC")
    tallies.campaign_tally(campaign_id=campaign_a.id)
    tallies.campaign_tally_records(campaign_id=campaign_a.id)
    response = api.get(f"/api/v1/campaigns/{campaign_a.slug}/stats/")
    assert response.status_code == 200
    body = response.json()
    assert set(body["signatures"]) >= {"total", "confirmed", "pending", "by_country", "by_day"}
    assert body["signatures"]["by_country"] == {"BO": 1, "EC": 1}
    assert set(body["reach"]) >= {"total", "by_channel", "by_country"}
    assert set(body["decision_makers"]) >= {"engaged", "by_stance", "growth_vs_baseline"}
    assert isinstance(body["countries"], list)
    assert body["tallied_at"]
    assert "by_collector" not in body["signatures"]
    assert "public" in response["Cache-Control"]
    assert "stale-while-revalidate" in response["Cache-Control"]
    assert response["Last-Modified"]
    again = api.get(
        f"/api/v1/campaigns/{campaign_a.slug}/stats/", HTTP_IF_NONE_MATCH=response["ETag"]
    )
    assert again.status_code == 304
    # Collector figures are for the campaign's organisers only.
    assert (
        "by_collector"
        not in api.get(f"/api/v1/campaigns/{campaign_a.slug}/stats/?include=private").json()[
            "signatures"
        ]
    )
    api.force_authenticate(organiser_a)
    private = api.get(f"/api/v1/campaigns/{campaign_a.slug}/stats/?include=private")
    assert private.json()["signatures"]["by_collector"] == {collector.code: 1}
    assert "private" in private["Cache-Control"]


def test_signature_count_and_campaign_detail_come_from_the_tally(api, campaign_a):
    sign(campaign_a, email="a@example.org")
    assert api.get(f"/api/v1/campaigns/{campaign_a.slug}/").json()["signature_count"] == 0
    tallies.campaign_tally(campaign_id=campaign_a.id)
    detail = api.get(f"/api/v1/campaigns/{campaign_a.slug}/")
    assert detail.json()["signature_count"] == 1
    assert detail.json()["progress"] == 0.001
    assert (
        api.get(
            f"/api/v1/campaigns/{campaign_a.slug}/", HTTP_IF_NONE_MATCH=detail["ETag"]
        ).status_code
        == 304
    )
    sign(campaign_a, email="b@example.org")
    tallies.campaign_tally(campaign_id=campaign_a.id)
    assert (
        api.get(
            f"/api/v1/campaigns/{campaign_a.slug}/", HTTP_IF_NONE_MATCH=detail["ETag"]
        ).status_code
        == 200
    )


def test_stats_of_drafts_and_unknown_campaigns_are_404(api, draft_a):
    assert api.get(f"/api/v1/campaigns/{draft_a.slug}/stats/").status_code == 404
    assert api.get("/api/v1/campaigns/nope/stats/").status_code == 404


def test_organisers_register_webhooks(api, organiser_a, viewer_a, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    api.force_authenticate(viewer_a)
    body = {"url": "http://127.0.0.1:9/hook", "secret": "s" * 20, "events": ["milestone"]}
    assert api.post("/api/v1/organisations/org-a/webhooks/", body, format="json").status_code == 403
    api.force_authenticate(organiser_a)
    response = api.post("/api/v1/organisations/org-a/webhooks/", body, format="json")
    assert response.status_code == 201
    assert "secret" not in response.json()
    listed = api.get("/api/v1/organisations/org-a/webhooks/").json()
    assert listed["count"] == 1


def test_the_signatures_list_is_for_organisers_only(
    api, campaign_a, organiser_a, viewer_a, collector_a, organiser_b, owner_a
):
    sign(campaign_a, email="a@example.org", postal_code="0201", comment="Sí")
    url = f"/api/v1/campaigns/{campaign_a.slug}/signatures/"
    assert api.get(url).status_code == 401
    for user, code in (
        (viewer_a, 403),
        (collector_a, 403),
        (organiser_b, 403),
        (organiser_a, 200),
        (owner_a, 200),
    ):
        api.force_authenticate(user)
        assert api.get(url).status_code == code
    row = api.get(url).json()["results"][0]
    assert (row["email"], row["postal_code"], row["comment"]) == ("a@example.org", "0201", "Sí")
    assert row["consent_version"] == 2


def test_the_signatures_list_filters(api, campaign_a, organiser_a, org_a):
    CollectorFactory(organisation=org_a, code="rosa")
    sign(campaign_a, email="a@example.org", country="BO", collector="rosa")
    sign(campaign_a, email="b@example.org", country="EC", source="embed")
    api.force_authenticate(organiser_a)
    url = f"/api/v1/campaigns/{campaign_a.slug}/signatures/"
    assert api.get(url + "?country=ec").json()["count"] == 1
    assert api.get(url + "?collector=rosa").json()["results"][0]["email"] == "a@example.org"
    assert api.get(url + "?source=embed").json()["count"] == 1
    assert api.get(url + "?status=pending").json()["count"] == 0
    assert api.get(url + "?created_after=2000-01-01T00:00:00Z").json()["count"] == 2
    assert api.get(url + "?status=bogus").status_code == 400


def test_organisers_reject_and_restore_a_signature(api, campaign_a, organiser_a, viewer_a):
    sign(campaign_a, email="bot@example.org")
    api.force_authenticate(organiser_a)
    listed = api.get(f"/api/v1/campaigns/{campaign_a.slug}/signatures/").json()["results"][0]
    url = f"/api/v1/campaigns/{campaign_a.slug}/signatures/{listed['id']}/"
    assert api.patch(url, {"status": "rejected"}, format="json").json()["status"] == "rejected"
    assert api.patch(url, {"status": "restored"}, format="json").json()["status"] == "confirmed"
    assert api.patch(url, {"status": "confirmed"}, format="json").status_code == 400
    api.force_authenticate(viewer_a)
    assert api.patch(url, {"status": "rejected"}, format="json").status_code == 403


def test_the_public_count_endpoint_is_small(api, campaign_a):
    body = api.get(f"/api/v1/campaigns/{campaign_a.slug}/count/").json()
    assert body == {"signature_count": 0, "goal": 1000, "progress": 0.0}


def test_the_public_stats_are_given_again_from_the_process_until_the_figures_change(
    api, campaign_a, django_assert_num_queries
):
    """The public answer is kept per process with the version its ETag names: given again
    after one small query, the same bytes and headers, and a new answer once the tally or
    the campaign changes; a campaign taken back to draft is no longer answered at all."""
    url = f"/api/v1/campaigns/{campaign_a.slug}/stats/"
    sign(campaign_a, email="a@example.org")
    tallies.campaign_tally(campaign_id=campaign_a.id)
    first = api.get(url)
    with django_assert_num_queries(1):
        again = api.get(url)
    assert again.status_code == 200
    assert again.content == first.content
    for header in ("ETag", "Last-Modified", "Cache-Control", "Content-Type"):
        assert again[header] == first[header]
    with django_assert_num_queries(1):
        assert api.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304

    sign(campaign_a, email="b@example.org")
    tallies.campaign_tally(campaign_id=campaign_a.id)
    counted = api.get(url)
    assert counted.json()["signatures"]["confirmed"] == 2
    assert counted["ETag"] != first["ETag"]
    assert api.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200

    campaign_a.status = Campaign.Status.DRAFT
    campaign_a.save()
    assert api.get(url).status_code == 404


def test_the_public_stats_ask_whether_the_figures_moved_at_most_once_per_window(
    api, campaign_a, settings, django_assert_num_queries
):
    """Within STATS_RECHECK_SECONDS a process gives its kept answer without a query (a new
    count shows up to that much later); after it, the next request asks and sees it."""
    settings.STATS_RECHECK_SECONDS = 2
    url = f"/api/v1/campaigns/{campaign_a.slug}/stats/"
    sign(campaign_a, email="a@example.org")
    tallies.campaign_tally(campaign_id=campaign_a.id)
    first = api.get(url)
    sign(campaign_a, email="b@example.org")
    tallies.campaign_tally(campaign_id=campaign_a.id)
    with django_assert_num_queries(0):
        assert api.get(url).content == first.content
    time.sleep(2.1)
    assert api.get(url).json()["signatures"]["confirmed"] == 2

"""The results API: who sees it, what organisers set and record, bad input answered with a
4xx, and the report files holding the same numbers as the JSON."""

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from campaigns.models import DecisionMaker, Engagement, OutreachActivity
from results.models import Indicator, IndicatorValue
from tallies.services import campaign_tally
from tests.factories import CampaignFactory, confirmed_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def framework(campaign_a, org_a):
    """A campaign with records and an indicator of its own with a breakdown."""
    confirmed_rows(campaign_a, 30, countries=("BO", "EC"))
    campaign_tally(campaign_id=campaign_a.id)
    OutreachActivity.objects.create(
        campaign=campaign_a, channel="radio", country="BO", date=date(2024, 3, 8), reach=90_000
    )
    maker = DecisionMaker.objects.create(organisation=org_a, name="Ministra", country="BO")
    Engagement.objects.create(
        decision_maker=maker,
        campaign=campaign_a,
        kind="meeting",
        date=date(2024, 4, 1),
        stance="supportive",
    )
    members = Indicator.objects.create(
        campaign=campaign_a, key="members", label="Union members", unit="members", baseline=1000
    )
    IndicatorValue.objects.create(
        indicator=members, date=date(2024, 6, 30), value=1940, breakdown={"women": 912, "men": 1028}
    )
    return campaign_a


URL = "/api/v1/campaigns/campaign-a/results/"


@pytest.mark.parametrize(
    ("who", "code"),
    [
        (None, 401),
        ("viewer_a", 200),
        ("collector_a", 403),
        ("organiser_a", 200),
        ("owner_a", 200),
        ("organiser_b", 403),
        ("superuser", 200),
    ],
)
def test_results_are_for_owners_organisers_and_viewers(api, request, framework, who, code):
    if who:
        api.force_authenticate(request.getfixturevalue(who))
    assert api.get(URL).status_code == code
    assert api.get("/api/v1/organisations/org-a/results/").status_code == code
    assert api.get(URL + "?format=xlsx").status_code == code


def test_another_organisations_draft_is_not_found(api, organiser_b, org_a):
    CampaignFactory(organisation=org_a, slug="secret", status="draft")
    api.force_authenticate(organiser_b)
    assert api.get("/api/v1/campaigns/secret/results/").status_code == 404


def test_a_viewer_sees_figures_but_not_who_collected(api, viewer_a, organiser_a, framework):
    api.force_authenticate(viewer_a)
    lines = {line["key"]: line for line in api.get(URL).json()["indicators"]}
    assert lines["signatures"]["actual"] == 30
    assert "collector" not in lines["signatures"]["breakdowns"]


def test_the_results_of_a_campaign(api, viewer_a, framework):
    api.force_authenticate(viewer_a)
    body = api.get(URL + "?from=2024-01-01&to=2024-12-31").json()
    assert body["period"] == {"from": "2024-01-01", "to": "2024-12-31"}
    lines = {line["key"]: line for line in body["indicators"]}
    assert lines["people_reached"]["actual"] == 90_000
    assert lines["people_reached"]["breakdowns"]["channel"] == [
        {"category": "radio", "value": 90_000, "share": 1}
    ]
    assert lines["decision_makers_supportive"]["actual"] == 1
    assert lines["decision_makers_engaged"]["breakdowns"]["stance"][0]["category"] == "supportive"
    members = lines["members"]
    assert members["actual"] == 1940
    assert members["change"] == {"absolute": 940, "ratio": 1.94}
    assert members["progress"] is None  # no target
    assert {c["category"]: c["share"] for c in members["breakdown"]} == {
        "women": 0.4701,
        "men": 0.5299,
    }


def test_an_organiser_sets_baselines_and_records_values(api, organiser_a, framework):
    api.force_authenticate(organiser_a)
    response = api.post(
        "/api/v1/campaigns/campaign-a/indicators/",
        {
            "key": "decision_makers_engaged",
            "baseline_from": "2011-01-01",
            "baseline_to": "2011-12-31",
            "target": 25,
            "due": "2026-12-31",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["source"] == "tally"
    response = api.post(
        "/api/v1/campaigns/campaign-a/indicators/",
        {"key": "awareness", "label": "Aware of C189", "unit": "%", "baseline": 12, "target": 36},
        format="json",
    )
    assert response.status_code == 201
    again = api.post(
        "/api/v1/campaigns/campaign-a/indicators/",
        {"key": "awareness", "target": 40},
        format="json",
    )
    assert again.status_code == 200
    assert again.json()["target"] == 40
    response = api.post(
        "/api/v1/campaigns/campaign-a/indicators/awareness/values/",
        {
            "date": "2024-11-30",
            "value": 36.5,
            "note": "Household survey, 1,200 respondents",
            "source_url": "https://example.org/survey",
            "breakdown": {"women": 38.0, "men": 35.0},
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    lines = {line["key"]: line for line in api.get(URL).json()["indicators"]}
    assert lines["awareness"]["actual"] == 36.5
    assert lines["awareness"]["change"]["ratio"] == round(36.5 / 12, 4)
    assert lines["decision_makers_engaged"]["baseline"] == 0
    assert lines["decision_makers_engaged"]["change"]["ratio"] is None  # baseline 0
    assert lines["decision_makers_engaged"]["baseline_from"] == "2011-01-01"
    values = api.get("/api/v1/campaigns/campaign-a/indicators/awareness/values/").json()
    assert values["results"][0]["note"] == "Household survey, 1,200 respondents"


@pytest.mark.parametrize(
    ("who", "code"), [(None, 401), ("viewer_a", 403), ("collector_a", 403), ("organiser_b", 403)]
)
def test_others_cannot_change_indicators(api, request, framework, who, code):
    if who:
        api.force_authenticate(request.getfixturevalue(who))
    response = api.post(
        "/api/v1/campaigns/campaign-a/indicators/", {"key": "x", "label": "X"}, format="json"
    )
    assert response.status_code == code
    response = api.post(
        "/api/v1/campaigns/campaign-a/indicators/members/values/",
        {"date": "2024-01-01", "value": 1},
        format="json",
    )
    assert response.status_code == code
    assert IndicatorValue.objects.count() == 1


@pytest.mark.parametrize(
    "query",
    [
        "from=yesterday",
        "to=2024-13-01",
        "from=2024-05-01&to=2024-04-01",
        "from=0001-01-01",
        "to=99999-01-01",
        "from=%00",
    ],
)
def test_a_bad_period_is_a_400(api, viewer_a, framework, query):
    api.force_authenticate(viewer_a)
    response = api.get(f"{URL}?{query}")
    assert response.status_code == 400
    assert set(response.json()) & {"from", "to"}
    assert api.get(f"{URL}?{query}&format=xlsx").status_code == 400


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("indicators/", {"key": "no spaces allowed", "label": "X"}),
        ("indicators/", {"key": "fresh"}),  # an indicator of one's own needs a label
        ("indicators/", {"key": "x", "label": "X", "baseline": "lots"}),
        ("indicators/", {"key": "x", "label": "X", "baseline": 1e300}),
        ("indicators/", {"key": "x", "label": "X", "baseline": 1, "baseline_from": "2020-01-01"}),
        (
            "indicators/",
            {"key": "x", "label": "X", "baseline_from": "2020-02-01", "baseline_to": "2020-01-01"},
        ),
        ("indicators/", {"key": "x", "label": "X", "baseline_breakdown": {"women": -1}}),
        ("indicators/", {"key": "x", "label": "X", "baseline_breakdown": ["women"]}),
        ("indicators/members/values/", {"date": "2024-01-01"}),
        ("indicators/members/values/", {"date": "someday", "value": 1}),
        ("indicators/members/values/", {"date": "2024-01-01", "value": "NaN"}),
        ("indicators/members/values/", {"date": "2024-01-01", "value": 1, "breakdown": {"w": "x"}}),
        ("indicators/members/values/", {"date": "2024-01-01", "value": 1, "source_url": "nope"}),
        ("indicators/signatures/values/", {"date": "2024-01-01", "value": 1}),
    ],
)
def test_bad_indicator_input_is_a_400(api, organiser_a, framework, path, body):
    api.force_authenticate(organiser_a)
    response = api.post(f"/api/v1/campaigns/campaign-a/{path}", body, format="json")
    assert response.status_code == 400, response.content
    assert isinstance(response.json(), dict)


def test_an_unknown_indicator_is_a_404(api, organiser_a, framework):
    api.force_authenticate(organiser_a)
    response = api.post(
        "/api/v1/campaigns/campaign-a/indicators/nothing/values/",
        {"date": "2024-01-01", "value": 1},
        format="json",
    )
    assert response.status_code == 404


def test_the_workbook_holds_the_numbers_of_the_json(api, organiser_a, framework):
    api.force_authenticate(organiser_a)
    body = api.get(URL + "?from=2020-01-01&to=2030-12-31", HTTP_ACCEPT_LANGUAGE="en").json()
    response = api.get(
        URL + "?from=2020-01-01&to=2030-12-31&format=xlsx", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames[:2] == ["Report", "Indicators"]
    assert "By country" in workbook.sheetnames
    assert "By channel" in workbook.sheetnames
    assert "Categories" in workbook.sheetnames
    rows = list(workbook["Indicators"].iter_rows(values_only=True))
    header, data = rows[0], rows[1:]
    by_key = {row[header.index("Key")]: row for row in data}
    for line in body["indicators"]:
        row = by_key[line["key"]]
        assert row[header.index("Actual")] == line["actual"]
        assert row[header.index("Baseline")] == line["baseline"]
        assert row[header.index("Actual ÷ baseline")] == line["change"]["ratio"]
    # Numbers are numbers, dates are dates.
    assert isinstance(by_key["signatures"][header.index("Actual")], int)
    about = dict(workbook["Report"].iter_rows(min_row=2, values_only=True))
    assert about["From"].date() == date(2020, 1, 1)
    countries = {
        (row[0], row[1]): row[2]
        for row in workbook["By country"].iter_rows(min_row=2, values_only=True)
    }
    lines = {line["key"]: line for line in body["indicators"]}
    for item in lines["signatures"]["breakdowns"]["country"]:
        assert countries[(lines["signatures"]["label"], item["category"])] == item["value"]
    categories = list(workbook["Categories"].iter_rows(min_row=2, values_only=True))
    assert ("Union members", "women", 912) in {row[:3] for row in categories}


def test_the_csv_and_the_workbook_speak_the_requesters_language(api, organiser_a, framework):
    api.force_authenticate(organiser_a)
    response = api.get(URL + "?format=csv", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    body = api.get(URL).json()
    assert len([r for r in rows[1:] if not r[0]]) == len(body["indicators"])
    workbook = load_workbook(
        io.BytesIO(api.get(URL + "?format=xlsx", HTTP_ACCEPT_LANGUAGE="es").content)
    )
    assert "Por país" in workbook.sheetnames  # "By country", in Spanish


def test_the_organisation_report_lists_each_campaign(api, viewer_a, framework, org_a):
    other = CampaignFactory(organisation=org_a, slug="campaign-b")
    confirmed_rows(other, 5, start=100)
    campaign_tally(campaign_id=other.id)
    api.force_authenticate(viewer_a)
    body = api.get("/api/v1/organisations/org-a/results/").json()
    totals = {line["key"]: line for line in body["indicators"]}
    assert totals["signatures"]["actual"] == 35
    assert {c["slug"] for c in body["campaigns"]} == {"campaign-a", "campaign-b"}
    assert totals["members"]["actual"] == 1940
    workbook = load_workbook(
        io.BytesIO(
            api.get(
                "/api/v1/organisations/org-a/results/?format=xlsx", HTTP_ACCEPT_LANGUAGE="en"
            ).content
        )
    )
    assert "Campaigns" in workbook.sheetnames

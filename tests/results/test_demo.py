"""The demo's results framework: "7 times more decision-makers engaged", "union membership up
94%, 2,075 new members" and "47% of new members female" come out of the demo's records, counted
as any campaign's are, and equal a recount of them."""

import pytest

from campaigns.models import Campaign, Engagement, Organisation, OutreachActivity
from demo import seed as demo
from results import selectors
from signatures.models import Signature

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture
def seeded(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        demo.seed()


def _lines(campaign: Campaign) -> dict:
    period = selectors.campaign_default_period(campaign)
    results = selectors.campaign_results(campaign=campaign, period=period)
    return {line["key"]: line for line in results["indicators"]}


def test_the_c189_demo_shows_seven_times_the_decision_makers_and_94_percent_more_members(
    seeded,
):
    c189 = Campaign.objects.get(slug="ratify-c189")
    lines = _lines(c189)
    engaged = lines["decision_makers_engaged"]
    baseline_makers = (
        Engagement.objects.filter(campaign=c189, date__year=2011)
        .values("decision_maker")
        .distinct()
        .count()
    )
    all_makers = Engagement.objects.filter(campaign=c189).values("decision_maker").distinct()
    assert engaged["baseline"] == baseline_makers
    assert engaged["actual"] == all_makers.count()
    assert engaged["change"]["ratio"] == 7
    assert engaged["baseline_from"].isoformat() == "2011-01-01"

    members = lines["union_members"]
    assert members["source"] == "recorded"
    assert members["change"]["absolute"] == 2075
    assert round(members["change"]["ratio"], 2) == 1.94
    assert lines["awareness"]["change"]["ratio"] == 3

    reached = sum(OutreachActivity.objects.filter(campaign=c189).values_list("reach", flat=True))
    assert lines["people_reached"]["actual"] == reached
    assert (
        lines["signatures"]["actual"]
        == Signature.objects.filter(campaign=c189, status="confirmed").count()
    )
    assert lines["countries_ratified"]["actual"] >= 1  # Bolivia


def test_the_niger_demo_shows_47_percent_women_among_the_new_members(seeded):
    niger = Campaign.objects.get(slug="eau-pastoralisme-niger")
    members = _lines(niger)["membres"]
    women = next(c for c in members["breakdown"] if c["category"] == "femmes")
    assert women["share_of_change"] == 0.47
    assert members["change"]["absolute"] == 1500
    campaigns = _lines(niger)["campagnes"]
    assert campaigns["change"]["ratio"] is None  # a baseline of 0: no ratio, no error
    assert campaigns["progress"] == 1


def test_the_programme_rolls_up_its_campaigns(seeded):
    care_lac = Organisation.objects.get(slug="care-lac")
    results = selectors.organisation_results(organisation=care_lac)
    totals = {line["key"]: line for line in results["indicators"]}
    assert totals["decision_makers_engaged"]["change"]["ratio"] == 7
    assert [c["slug"] for c in results["campaigns"]] == ["ratify-c189"]

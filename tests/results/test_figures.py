"""Results are counted from the records of the period: for any period, each built-in
indicator equals a recount of the rows themselves, and the arithmetic of change and progress
holds (ratio null where the baseline is 0, never a division error)."""

import random
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from campaigns import access
from campaigns.models import (
    CampaignPartner,
    CountryStatus,
    DecisionMaker,
    Engagement,
    OutreachActivity,
)
from results import selectors, services
from results.selectors import Period, change_of, progress_of
from signatures.bulk import signatures_insert
from tallies.services import campaign_tally
from tests.factories import CampaignFactory, CollectorFactory

pytestmark = pytest.mark.django_db

FIRST = date(2023, 1, 1)
DAYS = 400
STANCES = ["champion", "supportive", "undecided", "opposed"]


def _history(campaign, rng: random.Random, *, makers: list[DecisionMaker]) -> None:
    collector = CollectorFactory(organisation=campaign.organisation, code=f"rosa-{campaign.slug}")
    rows = []
    for n in range(600):
        day = FIRST + timedelta(days=rng.randrange(DAYS))
        moment = datetime.combine(day, time(rng.randrange(24), rng.randrange(60)), tzinfo=UTC)
        status = rng.choice(["confirmed", "confirmed", "confirmed", "pending", "rejected"])
        rows.append(
            {
                "campaign_id": campaign.id,
                "name": "x",
                "email": f"s{n}@example.org",
                "email_normalised": f"s{n}@example.org",
                "country": rng.choice(["BO", "EC", "PE"]),
                "region": rng.choice(["", "BO-L", "BO-C", "somewhere"]),
                "source": rng.choice(["web", "import", "field"]),
                "collector_id": collector.id if rng.random() < 0.3 else None,
                "status": status,
                "confirmed_at": moment if status == "confirmed" else None,
                "created": moment,
            }
        )
    signatures_insert(rows)
    campaign_tally(campaign_id=campaign.id)
    for _ in range(40):
        OutreachActivity.objects.create(
            campaign=campaign,
            channel=rng.choice(["radio", "tv", "sms"]),
            country=rng.choice(["BO", "EC"]),
            date=FIRST + timedelta(days=rng.randrange(DAYS)),
            reach=rng.randrange(1, 100_000),
        )
    for _ in range(60):
        Engagement.objects.create(
            decision_maker=rng.choice(makers),
            campaign=campaign,
            kind="meeting",
            date=FIRST + timedelta(days=rng.randrange(DAYS)),
            stance=rng.choice(STANCES),
        )
    for code in ("BO", "EC", "PE"):
        for stage in ("committee", "passed", "ratified", "in_force"):
            if rng.random() < 0.6:
                CountryStatus.objects.create(
                    campaign=campaign,
                    country=code,
                    stage=stage,
                    date=FIRST + timedelta(days=rng.randrange(DAYS)),
                )


@pytest.fixture
def world(org_a):
    rng = random.Random(18)
    makers = [
        DecisionMaker.objects.create(organisation=org_a, name=f"M{n}", country=c)
        for n, c in enumerate(["BO", "EC", "PE"] * 5)
    ]
    campaign = CampaignFactory(organisation=org_a, slug="c189")
    other = CampaignFactory(organisation=org_a, slug="other")
    _history(campaign, rng, makers=makers)
    _history(other, rng, makers=makers)
    return campaign, other


def _recount(campaigns, period: Period) -> dict:
    """The figures, counted the slow, obvious way from every row."""
    ids = [c.id for c in campaigns]
    signatures = Counter()
    for campaign in campaigns:
        for row in campaign.signatures.filter(status="confirmed"):
            if row.created.astimezone(UTC).date() in period:
                signatures[row.country.code] += 1
    reach = sum(
        o.reach for o in OutreachActivity.objects.filter(campaign_id__in=ids) if o.date in period
    )
    latest = {}
    for e in Engagement.objects.filter(campaign_id__in=ids).order_by("date", "id"):
        if e.date in period:
            latest[e.decision_maker_id] = e.stance
    first_ratified = {}
    for s in CountryStatus.objects.filter(campaign_id__in=ids).order_by("date", "id"):
        if s.stage in ("ratified", "in_force"):
            first_ratified.setdefault((s.campaign_id, s.country.code), s.date)
    return {
        "signatures": sum(signatures.values()),
        "signatures_by_country": dict(signatures),
        "people_reached": reach,
        "decision_makers_engaged": len(latest),
        "decision_makers_supportive": sum(s in ("champion", "supportive") for s in latest.values()),
        "countries_ratified": sum(when in period for when in first_ratified.values()),
    }


def _by_key(results: dict) -> dict:
    return {line["key"]: line for line in results["indicators"]}


periods = st.tuples(
    st.integers(min_value=-30, max_value=DAYS + 30), st.integers(min_value=0, max_value=DAYS)
).map(lambda t: Period(FIRST + timedelta(days=t[0]), FIRST + timedelta(days=t[0] + t[1])))


@hsettings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(period=periods)
def test_results_equal_a_recount_of_the_records_for_any_period(world, period):
    campaign, _other = world
    results = _by_key(selectors.campaign_results(campaign=campaign, period=period, private=True))
    expected = _recount([campaign], period)
    for key in (
        "signatures",
        "people_reached",
        "decision_makers_engaged",
        "decision_makers_supportive",
        "countries_ratified",
    ):
        assert results[key]["actual"] == expected[key], key
    by_country = {
        i["category"]: i["value"] for i in results["signatures"]["breakdowns"].get("country", [])
    }
    assert by_country == expected["signatures_by_country"]
    assert sum(p["value"] for p in results["signatures"]["series"]) == expected["signatures"]


@hsettings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(period=periods)
def test_the_organisation_counts_a_decision_maker_once_across_campaigns(world, period, org_a):
    campaign, other = world
    results = selectors.organisation_results(organisation=org_a, period=period)
    totals = _by_key(results)
    expected = _recount([campaign, other], period)
    for key in expected:
        if key in totals:
            assert totals[key]["actual"] == expected[key], key
    lines = {c["slug"]: _by_key({"indicators": c["indicators"]}) for c in results["campaigns"]}
    assert totals["signatures"]["actual"] == sum(
        lines[slug]["signatures"]["actual"] for slug in ("c189", "other")
    )
    # The same fifteen decision-makers are engaged by both campaigns: counted once.
    assert totals["decision_makers_engaged"]["actual"] <= 15


def test_a_baseline_period_gives_the_baseline_and_the_ratio(world):
    campaign, _other = world
    services.indicator_set(
        by=access.SYSTEM,
        campaign=campaign,
        key="people_reached",
        baseline_from=FIRST,
        baseline_to=FIRST + timedelta(days=99),
        target=5_000_000,
    )
    period = Period(FIRST + timedelta(days=100), FIRST + timedelta(days=DAYS))
    line = _by_key(selectors.campaign_results(campaign=campaign, period=period))["people_reached"]
    baseline = _recount([campaign], Period(FIRST, FIRST + timedelta(days=99)))["people_reached"]
    actual = _recount([campaign], period)["people_reached"]
    assert line["baseline"] == baseline
    assert line["baseline_from"] == FIRST
    assert line["actual"] == actual
    assert line["change"] == {"absolute": actual - baseline, "ratio": round(actual / baseline, 4)}
    assert line["progress"] == round((actual - baseline) / (5_000_000 - baseline), 4)


def test_change_and_progress_never_divide_by_zero():
    assert change_of(10, 0) == {"absolute": 10, "ratio": None}
    assert change_of(None, 5) == {"absolute": None, "ratio": None}
    assert change_of(21, 3) == {"absolute": 18, "ratio": 7}
    assert change_of(4282, 2207)["ratio"] == pytest.approx(1.94, abs=0.001)
    assert progress_of(5, 5, 5) is None
    assert progress_of(5, None, None) is None
    assert progress_of(15, 10, 20) == 0.5
    assert progress_of(4, 0, 8) == 0.5


def test_a_recorded_indicator_takes_its_latest_value_in_the_period(campaign_a):
    services.indicator_set(
        by=access.SYSTEM,
        campaign=campaign_a,
        key="union_members",
        label="Union members",
        unit="members",
        baseline=1000,
        baseline_breakdown={"women": 400, "men": 600},
        target=3000,
    )
    for day, value, women in ((date(2024, 1, 1), 1500, 650), (date(2024, 6, 1), 2000, 870)):
        services.indicator_value_record(
            by=access.SYSTEM,
            campaign=campaign_a,
            key="union_members",
            date=day,
            value=value,
            breakdown={"women": women, "men": value - women},
            note="Federation register",
            source_url="https://example.org/register",
        )
    results = selectors.campaign_results(
        campaign=campaign_a, period=Period(date(2024, 1, 1), date(2024, 3, 31))
    )
    line = _by_key(results)["union_members"]
    assert line["actual"] == 1500
    assert line["source"] == "recorded"
    line = _by_key(
        selectors.campaign_results(
            campaign=campaign_a, period=Period(date(2024, 1, 1), date(2024, 12, 31))
        )
    )["union_members"]
    assert line["actual"] == 2000
    assert line["change"] == {"absolute": 1000, "ratio": 2}
    assert line["progress"] == 0.5
    women = next(c for c in line["breakdown"] if c["category"] == "women")
    assert women["value"] == 870
    assert women["share"] == 0.435
    assert women["change"] == 470
    assert women["share_of_change"] == 0.47
    # Before any value: no actual, and nothing divides.
    line = _by_key(
        selectors.campaign_results(
            campaign=campaign_a, period=Period(date(2023, 1, 1), date(2023, 2, 1))
        )
    )["union_members"]
    assert line["actual"] is None
    assert line["change"] == {"absolute": None, "ratio": None}
    assert line["progress"] is None


def test_the_whole_life_takes_the_tallys_dimensions_and_equals_a_recount(world):
    campaign, _other = world
    period = Period(FIRST - timedelta(days=1), FIRST + timedelta(days=DAYS + 1))
    line = _by_key(selectors.campaign_results(campaign=campaign, period=period, private=True))[
        "signatures"
    ]
    expected = _recount([campaign], period)
    assert line["actual"] == expected["signatures"]
    by_country = {i["category"]: i["value"] for i in line["breakdowns"]["country"]}
    assert by_country == expected["signatures_by_country"]
    by_source = Counter(
        campaign.signatures.filter(status="confirmed").values_list("source", flat=True)
    )
    assert {i["category"]: i["value"] for i in line["breakdowns"]["source"]} == by_source


def test_a_cached_period_follows_a_change_on_one_of_its_days(world):
    campaign, _other = world
    period = Period(FIRST + timedelta(days=10), FIRST + timedelta(days=200))
    before = _by_key(selectors.campaign_results(campaign=campaign, period=period))["signatures"]
    start, end = period.moments
    row = campaign.signatures.filter(
        status="confirmed", created__gte=start, created__lt=end
    ).first()
    row.status = "rejected"
    row.save(update_fields=["status"])
    campaign_tally(campaign_id=campaign.id)
    campaign.refresh_from_db()
    campaign = type(campaign).objects.select_related("tally", "organisation").get(id=campaign.id)
    after = _by_key(selectors.campaign_results(campaign=campaign, period=period))["signatures"]
    assert after["actual"] == before["actual"] - 1
    country = {i["category"]: i["value"] for i in after["breakdowns"]["country"]}
    assert country == _recount([campaign], period)["signatures_by_country"]


def test_a_partner_counts_its_share_of_a_coalition_and_the_lead_sees_it_by_partner(org_a, org_b):
    lead = CampaignFactory(organisation=org_b, slug="coalition")
    CampaignPartner.objects.create(campaign=lead, organisation=org_a, status="active")
    moment = datetime(2024, 5, 1, 12, tzinfo=UTC)
    signatures_insert(
        {
            "campaign_id": lead.id,
            "name": "x",
            "email": f"p{n}@example.org",
            "email_normalised": f"p{n}@example.org",
            "country": "BO",
            "status": "confirmed",
            "confirmed_at": moment,
            "created": moment,
            "partner_id": org_a.id if n < 7 else None,
        }
        for n in range(10)
    )
    campaign_tally(campaign_id=lead.id)
    OutreachActivity.objects.create(
        campaign=lead, channel="radio", country="BO", date=date(2024, 5, 2), reach=500,
        partner=org_a,
    )  # fmt: skip
    whole = Period(date(2024, 1, 1), date(2024, 12, 31))
    lead = type(lead).objects.select_related("organisation", "tally").get(id=lead.id)
    line = _by_key(selectors.campaign_results(campaign=lead, period=whole))["signatures"]
    assert {i["category"]: i["value"] for i in line["breakdowns"]["partner"]} == {
        "org-a": 7,
        "org-b": 3,
    }
    part = Period(date(2024, 5, 1), date(2024, 5, 1))
    line = _by_key(selectors.campaign_results(campaign=lead, period=part))["signatures"]
    assert {i["category"]: i["value"] for i in line["breakdowns"]["partner"]} == {
        "org-a": 7,
        "org-b": 3,
    }
    results = selectors.organisation_results(organisation=org_a, period=whole)
    totals = _by_key(results)
    assert totals["signatures"]["actual"] == 7
    assert totals["people_reached"]["actual"] == 500
    assert [share["slug"] for share in results["shares"]] == ["coalition"]
    # The lead's own roll-up keeps the whole coalition's figures.
    lead_totals = _by_key(selectors.organisation_results(organisation=org_b, period=whole))
    assert lead_totals["signatures"]["actual"] == 10

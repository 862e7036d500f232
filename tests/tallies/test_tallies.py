import threading
from collections import Counter
from dataclasses import replace
from datetime import date

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaigns import records
from campaigns.models import DecisionMaker, Engagement
from signatures import channels, confirmation, review, services
from signatures.models import Signature
from signatures.selectors import consent_text_current
from tallies import services as tallies
from tallies.models import CampaignTally
from tests.factories import CampaignFactory, CollectorFactory, confirmed_rows, sign


def recount(campaign_id: int) -> dict:
    """The figures straight from the records, by status (the truth the tally must equal)."""
    rows = list(
        Signature.objects.filter(campaign_id=campaign_id).values_list(
            "status", "country", "created", "source", "collector_id"
        )
    )
    confirmed = [r for r in rows if r[0] == "confirmed"]
    return {
        "confirmed": len(confirmed),
        "pending": sum(r[0] == "pending" for r in rows),
        "rejected": sum(r[0] == "rejected" for r in rows),
        "by_country": dict(Counter(r[1] for r in confirmed)),
        "by_day": dict(Counter(r[2].date().isoformat() for r in confirmed)),
        "by_source": dict(Counter(r[3] for r in confirmed)),
        "by_collector": dict(Counter(str(r[4]) for r in confirmed if r[4])),
    }


def stored(campaign_id: int) -> dict:
    tally = CampaignTally.objects.get(campaign_id=campaign_id)
    return {field: getattr(tally, field) for field in recount(campaign_id)}


@pytest.mark.django_db
def test_a_tally_counts_what_changed_since_the_last_one(org_a):
    campaign = CampaignFactory(organisation=org_a, require_confirmation=True)
    for n in range(5):
        sign(campaign, email=f"p{n}@example.org", country="BO" if n % 2 else "EC")
    assert tallies.campaign_tally(campaign_id=campaign.id) == 5
    assert stored(campaign.id)["pending"] == 5
    assert tallies.campaign_tally(campaign_id=campaign.id) == 0  # nothing new: nothing to do

    token = confirmation.confirmation_token(
        signature_id=Signature.objects.order_by("id").first().id
    )
    confirmation.signature_confirm(token=token)
    assert tallies.campaign_tally(campaign_id=campaign.id) == 1
    assert stored(campaign.id) == recount(campaign.id)
    assert stored(campaign.id)["confirmed"] == 1


OPERATIONS = st.lists(
    st.one_of(
        st.tuples(
            st.just("sign"),
            st.integers(0, 30),
            st.sampled_from(["BO", "EC", "PE"]),
            st.sampled_from(["api", "web", "embed", "import", "field"]),
            st.booleans(),
        ),
        st.tuples(st.just("confirm"), st.integers(0, 30)),
        st.tuples(st.just("reject"), st.integers(0, 30)),
        st.tuples(st.just("restore"), st.integers(0, 30)),
        st.tuples(st.just("tally")),
    ),
    max_size=60,
)


# The API's channel, but any source may be claimed: every dimension of the tally gets rows.
ANY_SOURCE = replace(channels.API, sources=frozenset(Signature.Source.values))


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=OPERATIONS)
def test_after_quiet_every_figure_equals_a_recount(organiser_a, operations):
    campaign = CampaignFactory(
        organisation=organiser_a.memberships.get().organisation, require_confirmation=True
    )
    collector = CollectorFactory(organisation=campaign.organisation)
    for operation in operations:
        kind = operation[0]
        if kind == "sign":
            _, person, country, source, credited = operation
            services.signature_sign(
                campaign=campaign,
                signer={
                    "name": f"P{person}",
                    "email": f"p{person}@example.org",
                    "country": country,
                    "consent": True,
                    "source": source,
                    "collector": collector.code if credited else "",
                },
                channel=ANY_SOURCE,
                language="es",
            )
            continue
        if kind == "tally":
            tallies.campaign_tally(campaign_id=campaign.id)
            continue
        signature = Signature.objects.filter(
            campaign=campaign, email_normalised=f"p{operation[1]}@example.org"
        ).first()
        if signature is None:
            continue
        if kind == "confirm" and signature.status == "pending":
            confirmation.signature_confirm(
                token=confirmation.confirmation_token(signature_id=signature.id)
            )
        elif kind == "reject":
            review.signature_review(
                by=organiser_a, campaign=campaign, signature_id=signature.id, status="rejected"
            )
        elif kind == "restore":
            review.signature_review(
                by=organiser_a, campaign=campaign, signature_id=signature.id, status="restored"
            )
    tallies.campaign_tally(campaign_id=campaign.id)
    assert stored(campaign.id) == recount(campaign.id)
    assert (
        not Signature.objects.filter(campaign=campaign).exclude(counted=models_F_status()).exists()
    )


def models_F_status():
    return F("status")


@pytest.mark.django_db(transaction=True)
def test_a_row_committed_out_of_order_is_not_missed(org_a):
    campaign = CampaignFactory(organisation=org_a)
    consent_text_current(language="es")  # committed before the two signers race
    inside = threading.Event()
    release = threading.Event()

    def slow_signer():
        with transaction.atomic():
            sign(campaign, email="early@example.org")  # takes the lower id...
            inside.set()
            release.wait(10)  # ...but commits last
        connection.close()

    thread = threading.Thread(target=slow_signer)
    thread.start()
    inside.wait(10)
    sign(campaign, email="late@example.org")
    assert tallies.campaign_tally(campaign_id=campaign.id) == 1
    release.set()
    thread.join()
    assert tallies.campaign_tally(campaign_id=campaign.id) == 1
    assert stored(campaign.id)["confirmed"] == 2
    assert stored(campaign.id) == recount(campaign.id)


@pytest.mark.django_db(transaction=True)
def test_two_tallies_at_once_count_everything_once(org_a):
    campaign = CampaignFactory(organisation=org_a)
    confirmed_rows(campaign, 25_000)
    counts, errors = [], []

    def run():
        try:
            counts.append(tallies.campaign_tally(campaign_id=campaign.id))
        except Exception as error:  # a thread's exception would otherwise be only a warning
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(counts) == 3
    assert sum(counts) == 25_000
    assert stored(campaign.id)["confirmed"] == 25_000
    assert stored(campaign.id) == recount(campaign.id)


@pytest.mark.django_db
def test_a_tally_that_fails_halfway_leaves_nothing_behind(org_a):
    campaign = CampaignFactory(organisation=org_a)
    for n in range(3):
        sign(campaign, email=f"p{n}@example.org")  # new rows: counted without being marked
    confirmed_rows(campaign, 2)  # as an import stores them: counted, then marked
    # PostgreSQL refuses the tally's own write, after the signatures were marked counted.
    table = CampaignTally._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'disk full'; END $$"
        )
        cursor.execute(
            f"CREATE TRIGGER refuse BEFORE UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION refuse()"
        )
    with pytest.raises(DatabaseError):
        tallies.campaign_tally(campaign_id=campaign.id)
    assert not CampaignTally.objects.filter(campaign=campaign, confirmed__gt=0).exists()
    # Neither the marks nor which rows the counters hold survived the failed write.
    assert Signature.objects.filter(counted="").count() == 2
    assert not CampaignTally.objects.filter(campaign=campaign, counted_through__gt=0).exists()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER refuse ON {table}")
    tallies.campaign_tally(campaign_id=campaign.id)
    assert stored(campaign.id) == recount(campaign.id)


@pytest.mark.django_db
def test_reconciliation_corrects_and_logs_drift(org_a, caplog):
    campaign = CampaignFactory(organisation=org_a)
    for n in range(4):
        sign(campaign, email=f"p{n}@example.org", country="PE")
    tallies.campaign_tally(campaign_id=campaign.id)
    CampaignTally.objects.filter(campaign=campaign).update(
        confirmed=7, by_country={"PE": 1, "XX": 3}
    )
    drift = tallies.campaign_reconcile(campaign_id=campaign.id)
    assert set(drift) == {"confirmed", "by_country"}
    assert stored(campaign.id) == recount(campaign.id)
    assert "tally drift corrected" in caplog.text
    assert tallies.campaign_reconcile(campaign_id=campaign.id) == {}


@pytest.mark.django_db
def test_decision_makers_count_once_at_their_latest_stance(org_a, organiser_a):
    campaign = CampaignFactory(
        organisation=org_a, baseline_starts_on=date(2012, 1, 1), baseline_ends_on=date(2012, 12, 31)
    )
    makers = [
        DecisionMaker.objects.create(organisation=org_a, name=f"DM {n}", country="BO")
        for n in range(8)
    ]
    record = records.engagement_record
    # One engaged in the baseline year, seven after it: "7 times more decision-makers engaged".
    record(
        by=organiser_a,
        campaign=campaign,
        decision_maker=makers[0],
        kind="meeting",
        date=date(2012, 5, 1),
        stance="opposed",
    )
    record(
        by=organiser_a,
        campaign=campaign,
        decision_maker=makers[0],
        kind="vote",
        date=date(2014, 5, 1),
        stance="champion",
    )
    for maker in makers[1:]:
        record(
            by=organiser_a,
            campaign=campaign,
            decision_maker=maker,
            kind="letter",
            date=date(2013, 3, 1),
            stance="undecided",
        )
        record(
            by=organiser_a,
            campaign=campaign,
            decision_maker=maker,
            kind="meeting",
            date=date(2013, 6, 1),
            stance="supportive",
        )
    tallies.campaign_tally_records(campaign_id=campaign.id)
    figures = CampaignTally.objects.get(campaign=campaign).decision_makers
    assert figures["engaged"] == 8
    assert figures["by_stance"] == {"champion": 1, "supportive": 7}
    assert (figures["baseline"], figures["since_baseline"]) == (1, 8)
    assert figures["growth_vs_baseline"] == 8.0
    assert Engagement.objects.count() == 16

"""New signatures are counted without being written again (issue 19): the tally holds rows by
id, and ids commit out of their order, so it must neither miss a row committed late nor count
one twice, whatever the interleaving of signers and tallies."""

import random
import threading

import pytest
from django.db import connection, transaction

from signatures.models import Signature
from signatures.selectors import consent_text_current
from tallies import services as tallies
from tallies.models import CampaignTally
from tests.factories import CampaignFactory, sign
from tests.tallies.test_tallies import recount, stored


def row_version(signature_id: int) -> str:
    """The transaction that wrote the row's current version: it changes on every UPDATE."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT xmin::text FROM signatures_signature WHERE id = %s", [signature_id])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_a_new_signature_is_counted_without_being_written_again(org_a):
    campaign = CampaignFactory(organisation=org_a)
    signature_id = sign(campaign, email="once@example.org").signature_id
    written = row_version(signature_id)
    assert Signature.objects.get(id=signature_id).counted == "confirmed"  # as stored
    assert tallies.campaign_tally(campaign_id=campaign.id) == 1
    assert row_version(signature_id) == written
    assert stored(campaign.id)["confirmed"] == 1
    assert tallies.campaign_tally(campaign_id=campaign.id) == 0


@pytest.mark.django_db
def test_a_change_after_signing_is_still_counted_row_by_row(org_a, organiser_a):
    campaign = CampaignFactory(organisation=org_a, require_confirmation=True)
    signature_id = sign(campaign, email="later@example.org").signature_id
    # Confirmed before any tally: counted as stored (pending), then the change.
    Signature.objects.filter(id=signature_id).update(
        status="confirmed", confirmed_at=campaign.created
    )
    assert tallies.campaign_tally(campaign_id=campaign.id) == 1
    assert stored(campaign.id) == recount(campaign.id)
    assert Signature.objects.get(id=signature_id).counted == "confirmed"
    assert tallies.campaign_tally(campaign_id=campaign.id) == 0


@pytest.mark.django_db(transaction=True)
def test_an_open_transaction_holds_back_the_watermark_not_the_count(org_a):
    campaign = CampaignFactory(organisation=org_a)
    consent_text_current(language="es")
    inside, release = threading.Event(), threading.Event()
    early = {}

    def slow_signer():
        with transaction.atomic():
            early["id"] = sign(campaign, email="early@example.org").signature_id
            inside.set()
            release.wait(10)
        connection.close()

    thread = threading.Thread(target=slow_signer)
    thread.start()
    inside.wait(10)
    late = [sign(campaign, email=f"late{n}@example.org").signature_id for n in range(3)]
    # Every committed row is counted at once; the watermark stays below the open one.
    assert tallies.campaign_tally(campaign_id=campaign.id) == 3
    assert tallies.campaign_tally(campaign_id=campaign.id) == 0
    tally = CampaignTally.objects.get(campaign=campaign)
    assert tally.counted_through < early["id"] < min(late)
    assert sorted(tally.counted_beyond) == late
    release.set()
    thread.join()
    assert tallies.campaign_tally(campaign_id=campaign.id) == 1
    tally = CampaignTally.objects.get(campaign=campaign)
    assert tally.counted_through >= max(late)
    assert tally.counted_beyond == []
    assert stored(campaign.id)["confirmed"] == 4
    assert stored(campaign.id) == recount(campaign.id)


@pytest.mark.django_db(transaction=True)
def test_concurrent_commits_out_of_id_order_are_each_counted_once(org_a):
    """Signers hold their transactions open for random times (so ids commit out of order)
    while tallies run all the time; at the end every row is counted exactly once."""
    campaign = CampaignFactory(organisation=org_a)
    consent_text_current(language="es")
    signers_done = threading.Event()
    errors = []

    def signer(number: int) -> None:
        chance = random.Random(number)
        try:
            for n in range(15):
                with transaction.atomic():
                    sign(campaign, email=f"s{number}-{n}@example.org")
                    threading.Event().wait(chance.random() / 50)  # up to 20 ms open
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    def tallier() -> None:
        try:
            while not signers_done.is_set():
                tallies.campaign_tally(campaign_id=campaign.id)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    signers = [threading.Thread(target=signer, args=(n,)) for n in range(6)]
    talliers = [threading.Thread(target=tallier) for _ in range(2)]
    for thread in signers + talliers:
        thread.start()
    for thread in signers:
        thread.join()
    signers_done.set()
    for thread in talliers:
        thread.join()
    assert errors == []
    tallies.campaign_tally(campaign_id=campaign.id)
    assert Signature.objects.filter(campaign=campaign).count() == 90
    assert stored(campaign.id)["confirmed"] == 90
    assert stored(campaign.id) == recount(campaign.id)
    assert tallies.campaign_reconcile(campaign_id=campaign.id) == {}


@pytest.mark.django_db
def test_the_sweep_finds_new_rows_without_a_nudge_and_moves_quiet_campaigns_on(org_a):
    busy = CampaignFactory(organisation=org_a)
    quiet = CampaignFactory(organisation=org_a)
    sign(quiet, email="first@example.org")
    tallies.campaign_tally(campaign_id=quiet.id)
    for n in range(3):
        sign(busy, email=f"b{n}@example.org")  # the nudges were lost
    assert tallies.campaigns_with_uncounted_signatures() == [busy.id]
    assert tallies.tallies_sweep() == 1
    assert stored(busy.id)["confirmed"] == 3
    assert tallies.campaigns_with_uncounted_signatures() == []
    # Nothing was left to count for the quiet one: it now starts after the busy one's rows.
    newest = Signature.objects.filter(campaign=busy).latest("id").id
    assert CampaignTally.objects.get(campaign=quiet).counted_through >= newest
    sign(quiet, email="second@example.org")
    assert tallies.campaigns_with_uncounted_signatures() == [quiet.id]
    assert tallies.campaign_tally(campaign_id=quiet.id) == 1
    assert stored(quiet.id) == recount(quiet.id)

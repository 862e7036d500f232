"""A real worker, killed with SIGKILL in the middle of a tally."""

import time

import pytest

from campaigns.models import Campaign
from signatures.models import Signature
from tallies.models import CampaignTally
from tests.factories import CampaignFactory, confirmed_rows
from tests.stack import wait_for
from tests.tallies.test_tallies import recount, stored

pytestmark = pytest.mark.worker

ROWS = 300_000


def test_a_tally_killed_halfway_is_finished_exactly_by_the_next_worker(stack):
    campaign = CampaignFactory(status=Campaign.Status.OPEN)
    confirmed_rows(campaign, ROWS, email="k{n}@e.org", countries=("BO", "EC", "PE"))
    stack.start_worker()
    stack.send_task("tallies.tasks.campaign_tally", campaign.id)
    wait_for(
        lambda: (
            "campaign_tally" in stack.log("worker")
            and CampaignTally.objects.filter(campaign=campaign, confirmed__gt=0).exists()
        ),
        30,
        message=f"the tally never started:\n{stack.log('worker')}",
    )
    stack.kill("worker")
    halfway = CampaignTally.objects.get(campaign=campaign).confirmed
    assert 0 < halfway < ROWS, "the kill should land in the middle of the tally"
    # Committed batches are counted and marked; the batch in flight was rolled back.
    assert Signature.objects.filter(campaign=campaign).exclude(counted="").count() == halfway

    # Beat's sweep (every 5 s) finds the uncounted rows; nothing waits for the lost message.
    stack.start_worker("worker2")
    stack.start_beat()
    wait_for(
        lambda: CampaignTally.objects.get(campaign=campaign).confirmed == ROWS,
        60,
        message=f"the sweep did not finish the tally:\n{stack.log('worker2')}",
    )
    time.sleep(1)
    assert stored(campaign.id) == recount(campaign.id)

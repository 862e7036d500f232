"""Signing never counts: it nudges the tally (in `tallies`, a layer above) by the task's name.

`tallies.tasks` registers its task under this very name, so the two cannot drift apart.
"""

from core.nudge import nudge_on_commit

TALLY_TASK = "tallies.tasks.campaign_tally"


def tally_nudge_on_commit(*, campaign_id: int) -> None:
    """Have the campaign tallied soon after the current transaction commits."""
    nudge_on_commit(TALLY_TASK, campaign_id)

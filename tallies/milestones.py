"""Milestones: recorded once by the tally that crosses them, announced by email and webhooks.

Recording happens inside the tally's transaction (with the webhook deliveries it owes, an
outbox row each); the email goes out afterwards, outside any transaction: the milestone is
claimed with a lease, the mail server is talked to, and the outcome recorded in a second
short transaction. A worker that dies mid-send lets the lease lapse and the sweep sends again.
"""

import logging
import math
import smtplib
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from campaigns import access
from campaigns.models import Campaign
from core.queue import publish_on_commit
from tallies.models import CampaignTally, Milestone
from webhooks.services import milestone_deliveries_create

logger = logging.getLogger(__name__)

GOAL_PERCENTS = (25, 50, 75, 100)
ROUND_THRESHOLDS = tuple(10**n for n in range(3, 10))  # 1k, 10k, 100k, ... 1bn
ANNOUNCE_TASK = "tallies.tasks.milestone_announce"
LEASE = timedelta(minutes=5)


def record(tally: CampaignTally, kind: str, key: str, value: int) -> None:
    """Record a milestone once (a unique constraint decides), owe its announcements."""
    milestone, created = Milestone.objects.get_or_create(
        campaign_id=tally.campaign_id,
        kind=kind,
        key=str(key),
        defaults={"value": value, "reached_at": timezone.now()},
    )
    if created:
        milestone_deliveries_create(
            organisation_id=milestone.campaign.organisation_id,
            milestone_id=milestone.id,
            payload=_payload(milestone),
        )
        logger.info("milestone: campaign %s %s %s", tally.campaign_id, kind, key)
        publish_on_commit(ANNOUNCE_TASK, milestone.id)


def _payload(milestone: Milestone) -> dict:
    campaign = milestone.campaign
    return {
        "event": "milestone",
        "campaign": {"slug": campaign.slug, "title": campaign.title, "goal": campaign.goal},
        "milestone": {
            "kind": milestone.kind,
            "key": milestone.key,
            "value": milestone.value,
            "reached_at": milestone.reached_at.isoformat(),
        },
    }


def record_for_signatures(tally: CampaignTally) -> None:
    """The goal shares and round numbers the confirmed count has crossed."""
    confirmed = tally.confirmed
    goal = Campaign.objects.filter(id=tally.campaign_id).values_list("goal", flat=True).first()
    reached = []
    if goal:
        reached += [
            (Milestone.Kind.GOAL_PERCENT, percent)
            for percent in GOAL_PERCENTS
            if confirmed >= math.ceil(goal * percent / 100)
        ]
    reached += [(Milestone.Kind.SIGNATURES, n) for n in ROUND_THRESHOLDS if confirmed >= n]
    if not reached:
        return
    known = set(Milestone.objects.filter(campaign_id=tally.campaign_id).values_list("kind", "key"))
    for kind, key in reached:
        if (kind, str(key)) not in known:
            record(tally, kind, key, confirmed)


# --- Announcements ----------------------------------------------------------------------


def milestones_unannounced() -> list[int]:
    now = timezone.now()
    return list(
        Milestone.objects.filter(announced_at__isnull=True)
        .exclude(announcing_until__gt=now)
        .order_by("reached_at")
        .values_list("id", flat=True)[:500]
    )


def _claim(milestone_id: int):
    """Take the milestone for `LEASE`: a conditional UPDATE, so two workers never both send."""
    now = timezone.now()
    until = now + LEASE
    claimed = (
        Milestone.objects.filter(id=milestone_id, announced_at__isnull=True)
        .exclude(announcing_until__gt=now)
        .update(announcing_until=until)
    )
    return until if claimed else None


def milestone_announce(*, milestone_id: int) -> bool:
    """Email the milestone to the organisation's owners and organisers, once."""
    lease = _claim(milestone_id)
    if lease is None:
        return False
    milestone = Milestone.objects.select_related("campaign__organisation").get(id=milestone_id)
    campaign = milestone.campaign
    recipients = list(
        get_user_model()
        .objects.filter(access.members_with(campaign.organisation_id, access.MANAGERS))
        .filter(is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    if recipients:
        language = next(
            (code for code in campaign.languages if code in dict(settings.LANGUAGES)),
            settings.LANGUAGE_CODE,
        )
        with translation.override(language):
            context = {
                "milestone": milestone,
                "campaign": campaign,
                "url": f"{settings.SITE_URL}/c/{campaign.slug}/",
            }
            subject = render_to_string("tallies/email/milestone_subject.txt", context)
            body = render_to_string("tallies/email/milestone_body.txt", context)
        # Outside any transaction: a slow mail server holds no row lock.
        try:
            send_mail(" ".join(subject.split()), body, None, recipients)
        except (smtplib.SMTPException, OSError) as error:
            Milestone.objects.filter(id=milestone_id, announcing_until=lease).update(
                announcing_until=None  # the next sweep tries again
            )
            logger.warning("milestone %s email failed (%s)", milestone_id, type(error).__name__)
            return False
    with transaction.atomic():
        Milestone.objects.filter(id=milestone_id, announcing_until=lease).update(
            announced_at=timezone.now(), announcing_until=None
        )
    return True

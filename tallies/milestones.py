"""Milestones: recorded once by the tally that crosses them, announced by email and webhooks.

A coalition partner's share has milestones of its own (round numbers, and parts of the goal
the partner set for it), recorded only while the partner is active and announced to the
partner alone: its endpoints and its owners and organisers (a partner that has left hears of
none still owed). They are never among the campaign's milestones the public, the lead or
another partner sees. Each milestone keeps the goal it was reached against, so what its
webhook payload, its email and the dashboard say agree, however the goal moves later.

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
from campaigns.models import Campaign, CampaignPartner
from core.queue import publish_on_commit
from tallies.models import CampaignTally, Milestone
from webhooks.services import milestone_deliveries_create

logger = logging.getLogger(__name__)

GOAL_PERCENTS = (25, 50, 75, 100)
ROUND_THRESHOLDS = tuple(10**n for n in range(3, 10))  # 1k, 10k, 100k, ... 1bn
ANNOUNCE_TASK = "tallies.tasks.milestone_announce"
LEASE = timedelta(minutes=5)


def record(
    tally: CampaignTally,
    kind: str,
    key: str,
    value: int,
    *,
    partner_id: int | None = None,
    goal: int | None = None,
) -> None:
    """Record a milestone once (a unique constraint decides), owe its announcements. With
    `partner_id`, a coalition partner's share's: owed to that partner's endpoints only.
    `goal`: the goal it is reached against, kept with it for its announcements."""
    milestone, created = Milestone.objects.get_or_create(
        campaign_id=tally.campaign_id,
        partner_id=partner_id,
        kind=kind,
        key=str(key),
        defaults={"value": value, "reached_at": timezone.now(), "goal": goal},
    )
    if created:
        milestone_deliveries_create(
            organisation_id=partner_id or milestone.campaign.organisation_id,
            milestone_id=milestone.id,
            payload=_payload(milestone),
        )
        logger.info(
            "milestone: campaign %s %s %s%s",
            tally.campaign_id,
            kind,
            key,
            f" (partner {partner_id})" if partner_id else "",
        )
        publish_on_commit(ANNOUNCE_TASK, milestone.id)


def _payload(milestone: Milestone) -> dict:
    campaign = milestone.campaign
    payload = {
        "event": "milestone",
        "campaign": {"slug": campaign.slug, "title": campaign.title, "goal": campaign.goal},
        "milestone": {
            "kind": milestone.kind,
            "key": milestone.key,
            "value": milestone.value,
            "reached_at": milestone.reached_at.isoformat(),
        },
    }
    if milestone.partner_id:
        # A partner's share: `value` is its share, `goal` its own goal when the share reached
        # the milestone (None: it had none).
        partner = milestone.partner
        payload["partner"] = {
            "organisation": partner.slug,
            "name": partner.name,
            "goal": milestone.goal,
        }
    return payload


def _reached(confirmed: int, goal: int | None) -> list[tuple[str, int]]:
    """The goal shares and round numbers `confirmed` signatures have crossed."""
    reached = []
    if goal:
        reached += [
            (Milestone.Kind.GOAL_PERCENT, percent)
            for percent in GOAL_PERCENTS
            if confirmed >= math.ceil(goal * percent / 100)
        ]
    reached += [(Milestone.Kind.SIGNATURES, n) for n in ROUND_THRESHOLDS if confirmed >= n]
    return reached


def _partner_goals(tally: CampaignTally) -> dict[int, int | None]:
    """{organisation id: its goal} of the campaign's active partners with a share: one
    query, and none for a campaign no partner has brought a signature to."""
    if not tally.by_partner:
        return {}
    return dict(
        CampaignPartner.objects.filter(
            campaign_id=tally.campaign_id,
            status=CampaignPartner.Status.ACTIVE,
            organisation_id__in=[int(i) for i in tally.by_partner],
        ).values_list("organisation_id", "goal")
    )


def record_for_signatures(tally: CampaignTally) -> None:
    """The goal shares and round numbers the confirmed count has crossed; then each active
    coalition partner's, for its share (tally.by_partner) and its own goal."""
    goal = Campaign.objects.filter(id=tally.campaign_id).values_list("goal", flat=True).first()
    reached = [
        (None, kind, key, tally.confirmed, goal) for kind, key in _reached(tally.confirmed, goal)
    ]
    for partner_id, partner_goal in sorted(_partner_goals(tally).items()):
        share = tally.by_partner.get(str(partner_id), 0)
        reached += [
            (partner_id, kind, key, share, partner_goal)
            for kind, key in _reached(share, partner_goal)
        ]
    if not reached:
        return
    known = set(
        Milestone.objects.filter(campaign_id=tally.campaign_id).values_list(
            "partner_id", "kind", "key"
        )
    )
    for partner_id, kind, key, value, reached_goal in reached:
        if (partner_id, kind, str(key)) not in known:
            record(tally, kind, key, value, partner_id=partner_id, goal=reached_goal)


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


def _goal_of(milestone: Milestone) -> int | None:
    """The goal the milestone was reached against, kept with it (a goal set later changes
    nothing); for a campaign's milestone recorded before milestones kept theirs, the
    campaign's goal now, as its email always said."""
    if milestone.goal is None and not milestone.partner_id:
        return milestone.campaign.goal
    return milestone.goal


def _partner_active(milestone: Milestone) -> bool:
    return milestone.partner_id in access.active_partner_ids(milestone.campaign)


def milestone_announce(*, milestone_id: int) -> bool:
    """Email the milestone to the organisation's owners and organisers, once: the campaign's
    organisation's, or for a partner's share the partner's (never the lead's). A partner
    that has left hears of no more: its share's milestone is marked announced, unsent."""
    lease = _claim(milestone_id)
    if lease is None:
        return False
    milestone = Milestone.objects.select_related("campaign__organisation", "partner").get(
        id=milestone_id
    )
    campaign = milestone.campaign
    organisation_id = milestone.partner_id or campaign.organisation_id
    if milestone.partner_id and not _partner_active(milestone):
        recipients = []
    else:
        recipients = list(
            get_user_model()
            .objects.filter(access.members_with(organisation_id, access.MANAGERS))
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
                "partner": milestone.partner,
                # A share's figures are on the partner's dashboard, not on the public page.
                "url": f"{settings.SITE_URL}/dashboard/c/{campaign.slug}/"
                if milestone.partner_id
                else f"{settings.SITE_URL}/c/{campaign.slug}/",
                "goal": _goal_of(milestone),
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

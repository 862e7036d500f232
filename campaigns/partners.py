"""Coalitions: one campaign, a lead organisation (the campaign's own) and its partners.

Only the lead's owners change who the partners are. A partner is invited and joins when one
of its owners accepts; it joins at once when whoever asks owns both organisations, or runs
the installation. A partner may leave, and the lead may take a partner off: either way it
loses access, and the signatures that came through it stay counted, with the lead. Each step
is in the organisation's audit log (the lead's, and the partner's for what it did itself).

An active partner's owners and organisers may give its share a goal of its own; the tally
then records the share's milestones (tallies.milestones), which only the partner hears of.
Leaving clears it: a partner that comes back starts without one.

A partner's people (signatures.people: its records of the signers that came through it,
read through OSDI) follow its status: each change of status marks the row
(`people_current`), and the partner's next people sync prunes them once it has left.
"""

import re
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns import access, audit
from campaigns.access import Ability
from campaigns.models import Campaign, CampaignPartner, Organisation
from core.errors import Conflict
from core.nudge import nudge_on_commit

PARTNERS_MAX = 50
GOAL_MAX = 2_147_483_647  # what the column holds, as the campaign's own goal
# A partner's goal set under a share already past part of it: its milestones are recorded
# by this task of `tallies` (a layer above, which registers it under this very name).
MILESTONES_TASK = "tallies.tasks.campaign_milestones_record"
_SLUG = re.compile(r"[-a-zA-Z0-9_]+")  # Django's SlugField, as organisations' addresses are


def _require_lead_owner(by, campaign: Campaign) -> None:
    access.require(
        by,
        campaign.organisation_id,
        Ability.MANAGE_MEMBERS,
        _("Only the owners of the campaign's organisation choose its partners."),
    )


def _require_partner_owner(by, organisation_id: int) -> None:
    access.require(
        by,
        organisation_id,
        Ability.MANAGE_MEMBERS,
        _("Only the partner organisation's owners answer for it."),
    )


def partners_of(campaign: Campaign, *, current: bool = True) -> list[CampaignPartner]:
    """The campaign's partners, invited and active (with `current=False`, those gone too)."""
    rows = CampaignPartner.objects.filter(campaign=campaign).select_related("organisation")
    if current:
        rows = rows.exclude(status=CampaignPartner.Status.LEFT)
    return list(rows.order_by("organisation__name"))


def coalition_names(campaign: Campaign) -> list[str]:
    """The lead's name, then the active partners', for the public page and the embed."""
    active = CampaignPartner.objects.filter(
        campaign=campaign, status=CampaignPartner.Status.ACTIVE
    ).order_by("organisation__name")
    return [campaign.organisation.name, *active.values_list("organisation__name", flat=True)]


def partner_by_slug(campaign_id: int, slug: str) -> Organisation | None:
    """An active partner of the campaign by its address (`?partner=`), or None."""
    if not slug or len(slug) > 80 or not _SLUG.fullmatch(slug):
        return None  # not an address at all (a NUL byte, say): no query
    row = (
        CampaignPartner.objects.filter(
            campaign_id=campaign_id, status=CampaignPartner.Status.ACTIVE, organisation__slug=slug
        )
        .select_related("organisation")
        .first()
    )
    return row.organisation if row else None


def _touch(campaign: Campaign) -> None:
    """The campaign's answer lists its partners, and its figures their shares: a change of
    partners is a change of the campaign (its `modified`, which caches and ETags follow)."""
    Campaign.objects.filter(id=campaign.id).update(modified=timezone.now())


def _joins_at_once(by, organisation_id: int) -> bool:
    return access.is_superuser(by) or access.can(by, organisation_id, Ability.MANAGE_MEMBERS)


@transaction.atomic
def partners_set(*, by, campaign: Campaign, slugs: Iterable[str]) -> list[CampaignPartner]:
    """Make the campaign's partners exactly `slugs` (organisation addresses): new ones are
    invited (or join at once, see the module), missing ones are taken off. Returns the
    current partners."""
    _require_lead_owner(by, campaign)
    if isinstance(slugs, str) or not isinstance(slugs, list | tuple):
        raise ValidationError({"partners": [_("Give a list of organisation addresses.")]})
    wanted: list[str] = []
    for slug in slugs:
        if not isinstance(slug, str) or not slug.strip():
            raise ValidationError({"partners": [_("Give a list of organisation addresses.")]})
        if slug.strip() not in wanted:
            wanted.append(slug.strip())
    if len(wanted) > PARTNERS_MAX:
        raise ValidationError(
            {"partners": [_("A campaign has at most %(n)d partners.") % {"n": PARTNERS_MAX}]}
        )
    found = {o.slug: o for o in Organisation.objects.filter(slug__in=wanted)}
    unknown = [slug for slug in wanted if slug not in found]
    if unknown:
        raise ValidationError(
            {
                "partners": [
                    _("No organisation has the address “%(slug)s”.") % {"slug": slug}
                    for slug in unknown
                ]
            }
        )
    if campaign.organisation.slug in found:
        raise ValidationError(
            {"partners": [_("The campaign's own organisation leads it: it is not a partner.")]}
        )
    rows = {
        row.organisation_id: row
        for row in CampaignPartner.objects.select_for_update().filter(campaign=campaign)
    }
    now = timezone.now()
    wanted_ids = {found[slug].id for slug in wanted}
    for slug in wanted:
        organisation = found[slug]
        row = rows.get(organisation.id)
        if row is not None and row.status != CampaignPartner.Status.LEFT:
            continue
        at_once = _joins_at_once(by, organisation.id)
        status = CampaignPartner.Status.ACTIVE if at_once else CampaignPartner.Status.INVITED
        if row is None:
            row = CampaignPartner(campaign=campaign, organisation=organisation)
        _status_set(row, status)
        row.invited_by = access.person(by)
        row.accepted_at = now if at_once else None
        row.accepted_by = access.person(by) if at_once else None
        row.left_at = None
        row.goal = None  # one that comes back sets its goal afresh
        row.save()
        audit.record(
            by=by,
            organisation_id=campaign.organisation_id,
            action="partner.add" if at_once else "partner.invite",
            target=campaign,
            summary=organisation.name,
        )
    for organisation_id, row in rows.items():
        if organisation_id in wanted_ids or row.status == CampaignPartner.Status.LEFT:
            continue
        _leave(row, now)
        audit.record(
            by=by,
            organisation_id=campaign.organisation_id,
            action="partner.remove",
            target=campaign,
            summary=row.organisation.name,
        )
    _touch(campaign)
    return partners_of(campaign)


def _status_set(row: CampaignPartner, status: str) -> None:
    """Change the row's status; the partner's people follow at its next people sync."""
    if row.status != status:  # a new row starts as invited (and its people are current)
        row.people_current = False
    row.status = status


def _leave(row: CampaignPartner, now) -> None:
    """The partner is gone: no access, no goal of its own, its people of these signers to
    be pruned (signatures.people). Its signatures stay counted, with the lead."""
    _status_set(row, CampaignPartner.Status.LEFT)
    row.left_at = now
    row.goal = None
    row.save(update_fields=["status", "people_current", "left_at", "goal"])


def _row(campaign: Campaign, organisation: Organisation) -> CampaignPartner:
    row = (
        CampaignPartner.objects.select_for_update()
        .filter(campaign=campaign, organisation=organisation)
        .first()
    )
    if row is None or row.status == CampaignPartner.Status.LEFT:
        raise Conflict(_("This organisation is not a partner of the campaign."))
    return row


@transaction.atomic
def partner_accept(*, by, campaign: Campaign, organisation: Organisation) -> CampaignPartner:
    """The partner's owner accepts the invitation (accepting again changes nothing)."""
    _require_partner_owner(by, organisation.id)
    row = _row(campaign, organisation)
    if row.status == CampaignPartner.Status.INVITED:
        _status_set(row, CampaignPartner.Status.ACTIVE)
        row.accepted_at = timezone.now()
        row.accepted_by = access.person(by)
        row.save(update_fields=["status", "people_current", "accepted_at", "accepted_by"])
        _touch(campaign)
        for organisation_id in {campaign.organisation_id, organisation.id}:
            audit.record(
                by=by,
                organisation_id=organisation_id,
                action="partner.accept",
                target=campaign,
                summary=organisation.name,
            )
    return row


@transaction.atomic
def partner_leave(*, by, campaign: Campaign, organisation: Organisation) -> CampaignPartner:
    """The partner's owner declines the invitation or leaves the coalition. Its signatures
    stay counted, with the lead; its members no longer see the campaign nor, through OSDI,
    those signers (see `_leave`)."""
    _require_partner_owner(by, organisation.id)
    row = _row(campaign, organisation)
    _leave(row, timezone.now())
    _touch(campaign)
    for organisation_id in {campaign.organisation_id, organisation.id}:
        audit.record(
            by=by,
            organisation_id=organisation_id,
            action="partner.leave",
            target=campaign,
            summary=organisation.name,
        )
    return row


def _active_row(campaign: Campaign, organisation: Organisation, *, lock: bool) -> CampaignPartner:
    rows = CampaignPartner.objects.select_for_update() if lock else CampaignPartner.objects
    row = (
        rows.filter(campaign=campaign, organisation=organisation)
        .select_related("organisation")
        .first()
    )
    if row is None or row.status != CampaignPartner.Status.ACTIVE:
        raise Conflict(_("This organisation is not an active partner of the campaign."))
    return row


def partnership_get(*, by, campaign: Campaign, organisation: Organisation) -> CampaignPartner:
    """An active partner's partnership (its goal), for the partner's own members: its goal
    is the partner's, not the lead's nor the other partners'."""
    access.require(
        by,
        organisation.id,
        Ability.FOLLOW,
        _("Only the partner organisation's members see its goal."),
    )
    return _active_row(campaign, organisation, lock=False)


@transaction.atomic
def partner_goal_set(
    *, by, campaign: Campaign, organisation: Organisation, goal: int | None
) -> CampaignPartner:
    """An active partner's owners or organisers set its own goal for its share (None: no
    goal). The share's goal milestones count towards it: those it is past already are
    recorded soon after this commits (MILESTONES_TASK), the others as the share grows."""
    access.require(
        by,
        organisation.id,
        Ability.MANAGE,
        _("Only the partner organisation's owners and organisers set its goal."),
    )
    if goal is not None and (
        isinstance(goal, bool) or not isinstance(goal, int) or not 1 <= goal <= GOAL_MAX
    ):
        raise ValidationError({"goal": [_("A goal is a whole number of signatures, at least 1.")]})
    row = _active_row(campaign, organisation, lock=True)
    if row.goal != goal:
        before = row.goal
        row.goal = goal
        row.save(update_fields=["goal"])
        audit.record(
            by=by,
            organisation_id=organisation.id,
            action="partner.goal",
            target=campaign,
            changed={"goal": [before, goal]},
            summary=organisation.name,
        )
        if goal is not None:
            # The share may be past part of it already: have the milestones recorded now,
            # not at the share's next signature (or the hourly reconcile).
            nudge_on_commit(MILESTONES_TASK, campaign.id)
    return row


def invitations_for(by) -> list[CampaignPartner]:
    """Coalition invitations waiting for an answer from organisations `by` owns."""
    owned = access.organisation_ids(by, Ability.MANAGE_MEMBERS)
    return list(
        CampaignPartner.objects.filter(
            organisation_id__in=owned, status=CampaignPartner.Status.INVITED
        )
        .select_related("campaign", "campaign__organisation", "organisation")
        .order_by("created")
    )

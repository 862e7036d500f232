"""The records behind a campaign's figures: where its ask stands in each country, the outreach
that reached people, the decision-makers it targets and each engagement with them.

Each can be recorded, corrected and removed, by the campaign's owners and organisers, and every
change has the campaign's tally of records recomputed once it commits (a campaign has few such
rows, so it is recomputed, not adjusted). Field problems raise ValidationError keyed by field.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from campaigns import access, audit
from campaigns.models import (
    Campaign,
    CountryStatus,
    DecisionMaker,
    Engagement,
    Organisation,
    OutreachActivity,
)
from core.queue import publish_on_commit

# The tally of a campaign's records (in `tallies`, a layer above), started by name.
TALLY_RECORDS_TASK = "tallies.tasks.campaign_tally_records"

OUTREACH_FIELDS = {"channel", "country", "date", "reach", "description", "partner"}
STAGE_FIELDS = {"country", "stage", "date", "source_url", "note"}
ENGAGEMENT_FIELDS = {"decision_maker", "kind", "date", "stance", "notes"}
DECISION_MAKER_FIELDS = {"name", "role", "institution", "country", "level"}
_FIELDS = {
    "stage": STAGE_FIELDS,
    "outreach": OUTREACH_FIELDS,
    "engagement": ENGAGEMENT_FIELDS,
    "decision_maker": DECISION_MAKER_FIELDS,
}


def _retally(campaign_id: int) -> None:
    publish_on_commit(TALLY_RECORDS_TASK, campaign_id)


def _check_fields(fields: dict, allowed: set[str]) -> None:
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in sorted(unknown)})


def _kind(record) -> str:
    return {
        CountryStatus: "stage",
        OutreachActivity: "outreach",
        Engagement: "engagement",
        DecisionMaker: "decision_maker",
    }[type(record)]


@transaction.atomic
def _save(by, record):
    """Validate and save a new record of a campaign's, log it, then have its tally follow on
    commit."""
    record.full_clean()
    record.save()
    audit.record(
        by=by,
        organisation_id=record.campaign.organisation_id,
        action=f"{_kind(record)}.create",
        target=record,
    )
    _retally(record.campaign_id)
    return record


@transaction.atomic
def _correct(by, record, fields: dict, allowed: set[str]):
    """Change some fields of a campaign's record (a stage, outreach or engagement), with a
    trail of what it was."""
    access.require_manager(by, record.campaign.organisation_id)
    _check_fields(fields, allowed)
    before = audit.snapshot(type(record).objects.get(pk=record.pk), fields)
    for name, value in fields.items():
        setattr(record, name, value)
    record.full_clean()
    record.save()
    changed = audit.changes(before, record)
    if changed:
        audit.record(
            by=by,
            organisation_id=record.campaign.organisation_id,
            action=f"{_kind(record)}.update",
            target=record,
            changed=changed,
        )
    _retally(record.campaign_id)
    return record


@transaction.atomic
def _remove(by, record) -> None:
    access.require_manager(by, record.campaign.organisation_id)
    campaign_id = record.campaign_id
    audit.record(
        by=by,
        organisation_id=record.campaign.organisation_id,
        action=f"{_kind(record)}.remove",
        target=record,
        changed=audit.snapshot(record, _FIELDS[_kind(record)]),
    )
    record.delete()
    _retally(campaign_id)


# --- Country stages -------------------------------------------------------------------------


def country_status_record(
    *,
    by,
    campaign: Campaign,
    country: str,
    stage: str,
    date: date,
    source_url: str = "",
    note: str = "",
) -> CountryStatus:
    """Record a step of the campaign's ask in one country. Earlier steps stay as history."""
    access.require_manager(by, campaign.organisation_id)
    status = CountryStatus(
        campaign=campaign,
        country=country,
        stage=stage,
        date=date,
        source_url=source_url,
        note=note,
        recorded_by=access.person(by),
    )
    return _save(by, status)


def country_status_update(*, by, status: CountryStatus, **fields) -> CountryStatus:
    """Correct a recorded step (a wrong date, a typo in the source)."""
    return _correct(by, status, fields, STAGE_FIELDS)


def country_status_remove(*, by, status: CountryStatus) -> None:
    _remove(by, status)


# --- Outreach -------------------------------------------------------------------------------


def outreach_record(
    *,
    by,
    campaign: Campaign,
    channel: str,
    country: str,
    date: date,
    reach: int,
    description: str = "",
    partner: Organisation | None = None,
) -> OutreachActivity:
    """Record a communication action and the people it reached."""
    access.require_manager(by, campaign.organisation_id)
    activity = OutreachActivity(
        campaign=campaign,
        channel=channel,
        country=country,
        date=date,
        reach=reach,
        description=description,
        partner=partner,
        recorded_by=access.person(by),
    )
    return _save(by, activity)


def outreach_update(*, by, activity: OutreachActivity, **fields) -> OutreachActivity:
    """Correct an outreach record (a reach of 1,800,000 typed for 180,000, say)."""
    return _correct(by, activity, fields, OUTREACH_FIELDS)


def outreach_remove(*, by, activity: OutreachActivity) -> None:
    _remove(by, activity)


# --- Decision-makers and engagements ---------------------------------------------------------


@transaction.atomic
def decision_maker_create(*, by, organisation: Organisation, **fields) -> DecisionMaker:
    access.require_manager(by, organisation.id)
    _check_fields(fields, DECISION_MAKER_FIELDS)
    decision_maker = DecisionMaker(organisation=organisation, **fields)
    decision_maker.full_clean()
    decision_maker.save()
    audit.record(
        by=by,
        organisation_id=organisation.id,
        action="decision_maker.create",
        target=decision_maker,
    )
    return decision_maker


@transaction.atomic
def decision_maker_update(*, by, decision_maker: DecisionMaker, **fields) -> DecisionMaker:
    access.require_manager(by, decision_maker.organisation_id)
    _check_fields(fields, DECISION_MAKER_FIELDS)
    before = audit.snapshot(DecisionMaker.objects.get(pk=decision_maker.pk), fields)
    for name, value in fields.items():
        setattr(decision_maker, name, value)
    decision_maker.full_clean()
    decision_maker.save()
    changed = audit.changes(before, decision_maker)
    if changed:
        audit.record(
            by=by,
            organisation_id=decision_maker.organisation_id,
            action="decision_maker.update",
            target=decision_maker,
            changed=changed,
        )
    for campaign_id in _engaged_campaigns(decision_maker):  # their country or name changed
        _retally(campaign_id)
    return decision_maker


def _engaged_campaigns(decision_maker: DecisionMaker) -> set[int]:
    return set(
        Engagement.objects.filter(decision_maker=decision_maker).values_list(
            "campaign_id", flat=True
        )
    )


@transaction.atomic
def decision_maker_remove(*, by, decision_maker: DecisionMaker) -> None:
    """Remove a decision-maker and their engagements; the campaigns' figures follow."""
    access.require_manager(by, decision_maker.organisation_id)
    campaign_ids = _engaged_campaigns(decision_maker)
    audit.record(
        by=by,
        organisation_id=decision_maker.organisation_id,
        action="decision_maker.remove",
        target=decision_maker,
        changed=audit.snapshot(decision_maker, DECISION_MAKER_FIELDS),
        summary=f"{len(campaign_ids)} campaigns' engagements removed with them",
    )
    decision_maker.delete()
    for campaign_id in campaign_ids:
        _retally(campaign_id)


def engagement_decision_maker_check(campaign: Campaign, decision_maker: DecisionMaker) -> None:
    """A campaign engages the decision-makers its own organisation tracks."""
    if decision_maker.organisation_id != campaign.organisation_id:
        raise ValidationError(
            {"decision_maker": [_("This decision-maker is tracked by another organisation.")]}
        )


def engagement_record(
    *,
    by,
    campaign: Campaign,
    decision_maker: DecisionMaker,
    kind: str,
    date: date,
    stance: str,
    notes: str = "",
) -> Engagement:
    """Record an interaction with a decision-maker and the stance it showed."""
    access.require_manager(by, campaign.organisation_id)
    engagement_decision_maker_check(campaign, decision_maker)
    engagement = Engagement(
        campaign=campaign,
        decision_maker=decision_maker,
        kind=kind,
        date=date,
        stance=stance,
        notes=notes,
        recorded_by=access.person(by),
    )
    return _save(by, engagement)


def engagement_update(*, by, engagement: Engagement, **fields) -> Engagement:
    if "decision_maker" in fields:
        engagement_decision_maker_check(engagement.campaign, fields["decision_maker"])
    return _correct(by, engagement, fields, ENGAGEMENT_FIELDS)


def engagement_remove(*, by, engagement: Engagement) -> None:
    _remove(by, engagement)

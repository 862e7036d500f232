"""Changes to organisations, their members and their campaigns (the records behind a
campaign's figures are in `campaigns.records`).

Every caller (API, admin, pages, commands) goes through these functions, so the rules live
in one place. Field problems raise Django's ValidationError keyed by field.
"""

import logging
from datetime import datetime

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns import access, audit
from campaigns.access import Ability
from campaigns.models import Campaign, CampaignTranslation, Membership, Organisation, Role
from core.errors import NotAllowed

logger = logging.getLogger(__name__)


# What a campaign's owners and organisers set, in the order forms show it.
CAMPAIGN_FIELDS = (
    "slug",
    "title",
    "summary",
    "petition_text",
    "goal",
    "status",
    "outcome",
    "starts_on",
    "ends_on",
    "countries",
    "languages",
    "require_confirmation",
    "contact",
    "baseline_starts_on",
    "baseline_ends_on",
)


def _save_unique(campaign: Campaign) -> None:
    # full_clean() checked the slug, but another request may have taken it since.
    try:
        with transaction.atomic():
            campaign.save()
    except IntegrityError as error:
        raise ValidationError({"slug": [_("A campaign with this slug already exists.")]}) from error


def _save_translations(campaign: Campaign, translations: dict[str, dict]) -> None:
    for language, texts in translations.items():
        if texts is None:
            CampaignTranslation.objects.filter(campaign=campaign, language=language).delete()
            continue
        translation = CampaignTranslation.objects.filter(
            campaign=campaign, language=language
        ).first() or CampaignTranslation(campaign=campaign, language=language)
        for field in ("title", "summary", "petition_text"):
            if field in texts:
                setattr(translation, field, texts[field])
        try:
            translation.full_clean(exclude=["campaign"])
        except ValidationError as error:
            raise ValidationError({"translations": {language: error.message_dict}}) from error
        translation.save()


@transaction.atomic
def campaign_create(
    *,
    by,
    organisation: Organisation,
    translations: dict[str, dict] | None = None,
    closed_at: datetime | None = None,
    **fields,
) -> Campaign:
    """Create a campaign for `organisation`. `by` must own or organise it (or be access.SYSTEM).

    `closed_at` records when a closed campaign closed, for history brought in from elsewhere
    (the demo data, another tool); a campaign closed now closes now.
    """
    access.require_manager(by, organisation.id)
    unknown = set(fields) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in sorted(unknown)})
    campaign = Campaign(organisation=organisation, **fields)
    if campaign.status == Campaign.Status.CLOSED:
        campaign.closed_at = closed_at or timezone.now()
    campaign.full_clean()
    _save_unique(campaign)
    if translations:
        _save_translations(campaign, translations)
    audit.record(by=by, organisation_id=organisation.id, action="campaign.create", target=campaign)
    return campaign


@transaction.atomic
def campaign_update(
    *,
    by,
    campaign: Campaign,
    translations: dict[str, dict] | None = None,
    **fields,
) -> Campaign:
    """Change any of a campaign's fields. A campaign stays with its organisation."""
    access.require_manager(by, campaign.organisation_id)
    unknown = set(fields) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in sorted(unknown)})
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    before = audit.snapshot(campaign, [*fields, "status", "outcome"])
    for name, value in fields.items():
        setattr(campaign, name, value)
    if "status" in fields and campaign.status != Campaign.Status.CLOSED and "outcome" not in fields:
        # Reopening a campaign clears the outcome it had when closed.
        campaign.outcome = ""
    if campaign.status == Campaign.Status.CLOSED and campaign.closed_at is None:
        campaign.closed_at = timezone.now()  # the retention period counts from here
    elif campaign.status != Campaign.Status.CLOSED:
        campaign.closed_at = None
    campaign.full_clean()
    _save_unique(campaign)
    if translations:
        _save_translations(campaign, translations)
    changed = audit.changes(before, campaign)
    if translations:
        changed["translations"] = [None, sorted(translations)]
    if changed:
        audit.record(
            by=by,
            organisation_id=campaign.organisation_id,
            action="campaign.update",
            target=campaign,
            changed=changed,
        )
    return campaign


def membership_set(*, organisation: Organisation, user, role: str) -> Membership:
    membership, _created = Membership.objects.update_or_create(
        organisation=organisation, user=user, defaults={"role": role}
    )
    return membership


# --- Members and settings (owners) ----------------------------------------------------------


def _require_owner(by, organisation_id: int) -> None:
    access.require(
        by,
        organisation_id,
        Ability.MANAGE_MEMBERS,
        _("Only the organisation's owners manage members and settings."),
    )


@transaction.atomic
def member_set(*, by, organisation: Organisation, username: str, role: str) -> Membership:
    """Add a person to the organisation, or change their role."""
    _require_owner(by, organisation.id)
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise ValidationError({"username": [_("No user has this name.")]})
    if role not in dict(Membership._meta.get_field("role").choices):
        raise ValidationError({"role": [_("Choose owner, organiser, collector or viewer.")]})
    current = Membership.objects.filter(organisation=organisation, user=user).first()
    if current and current.role == Role.OWNER and role != Role.OWNER:
        _keep_an_owner(organisation, leaving=user)
    membership = membership_set(organisation=organisation, user=user, role=role)
    audit.record(
        by=by,
        organisation_id=organisation.id,
        action="member.set",
        target=membership,
        changed={"role": [current.role if current else None, role]},
    )
    return membership


@transaction.atomic
def member_remove(*, by, organisation: Organisation, user_id: int) -> None:
    _require_owner(by, organisation.id)
    membership = Membership.objects.filter(organisation=organisation, user_id=user_id).first()
    if membership is None:
        return
    if membership.role == Role.OWNER:
        _keep_an_owner(organisation, leaving=membership.user)
    audit.record(
        by=by,
        organisation_id=organisation.id,
        action="member.remove",
        target=membership,
        changed={"role": [membership.role, None]},
    )
    membership.delete()


def members_locked_out(*, organisation: Organisation) -> set[int]:
    """Ids of the organisation's members whose login is locked after failed attempts."""
    usernames = set(
        AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT)
        .exclude(username=None)
        .values_list("username", flat=True)
    )
    if not usernames:
        return set()
    return set(
        Membership.objects.filter(
            organisation=organisation, user__username__in=usernames
        ).values_list("user_id", flat=True)
    )


def member_unlock(*, by, organisation: Organisation, user_id: int) -> None:
    """An owner lets a member log in again after their login was locked by failed attempts."""
    _require_owner(by, organisation.id)
    membership = (
        Membership.objects.filter(organisation=organisation, user_id=user_id)
        .select_related("user")
        .first()
    )
    if membership is None:
        raise ValidationError({"user": [_("This person is not a member of the organisation.")]})
    axes_reset(username=membership.user.get_username())
    audit.record(by=by, organisation_id=organisation.id, action="member.unlock", target=membership)
    logger.info("login unlocked for user %s in organisation %s", user_id, organisation.slug)


def _keep_an_owner(organisation: Organisation, *, leaving) -> None:
    others = Membership.objects.filter(organisation=organisation, role=Role.OWNER).exclude(
        user=leaving
    )
    if not others.exists():
        raise ValidationError({"role": [_("An organisation keeps at least one owner.")]})


ORGANISATION_FIELDS = {"slug", "name", "country", "website", "description", "retention_months"}


@transaction.atomic
def organisation_create(*, by, **fields) -> Organisation:
    """A new organisation: for the installation's superusers (and the system)."""
    if not access.is_superuser(by):
        raise NotAllowed(_("Only the installation's administrators create organisations."))
    unknown = set(fields) - ORGANISATION_FIELDS
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in sorted(unknown)})
    organisation = Organisation(**fields)
    organisation.full_clean()
    organisation.save()
    audit.record(
        by=by,
        organisation_id=organisation.id,
        action="organisation.create",
        target=organisation,
        changed={name: [None, audit.snapshot(organisation, [name])[name]] for name in fields},
    )
    return organisation


@transaction.atomic
def organisation_update(*, by, organisation: Organisation, **fields) -> Organisation:
    """Change an organisation's details (its owners, or the installation's superusers)."""
    _require_owner(by, organisation.id)
    unknown = set(fields) - ORGANISATION_FIELDS
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in sorted(unknown)})
    before = audit.snapshot(organisation, fields)
    for name, value in fields.items():
        setattr(organisation, name, value)
    organisation.full_clean()
    organisation.save()
    if changed := audit.changes(before, organisation):
        audit.record(
            by=by,
            organisation_id=organisation.id,
            action="organisation.update",
            target=organisation,
            changed=changed,
        )
    return organisation


@transaction.atomic
def organisation_set_retention(*, by, organisation: Organisation, months: int | None) -> None:
    _require_owner(by, organisation.id)
    audit.record(
        by=by,
        organisation_id=organisation.id,
        action="organisation.retention",
        target=organisation,
        changed={"retention_months": [organisation.retention_months, months]},
    )
    organisation.retention_months = months
    organisation.full_clean()
    organisation.save(update_fields=["retention_months", "modified"])

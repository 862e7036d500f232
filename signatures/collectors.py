"""Collectors: the activists (and partners) signatures are credited to, each with a link."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from campaigns import access, audit
from campaigns import services as campaign_services
from campaigns.access import Ability
from campaigns.models import Membership, Organisation
from core.errors import NotAllowed
from signatures.models import Collector


@transaction.atomic
def collector_create(
    *, by, organisation: Organisation, name: str, code: str, username: str = ""
) -> Collector:
    """Add a collector: an activist with a link of their own, optionally linked to the account
    of a member of the organisation (members are added by owners, on the members page)."""
    if not access.can(by, organisation.id, Ability.MANAGE):
        raise NotAllowed(_("Only the organisation's organisers may do this."))
    user = None
    if username:
        membership = (
            Membership.objects.filter(organisation=organisation, user__username=username)
            .select_related("user")
            .first()
        )
        if membership is None:  # says nothing about accounts outside the organisation
            raise ValidationError(
                {"username": [_("No member of this organisation has this username.")]}
            )
        user = membership.user
    collector = Collector(organisation=organisation, name=name, code=code, user=user)
    collector.full_clean()
    collector.save()
    audit.record(
        by=by, organisation_id=organisation.id, action="collector.create", target=collector
    )
    return collector


@transaction.atomic
def member_remove(*, by, organisation: Organisation, user_id: int) -> None:
    """Remove a person from the organisation. Their collector link stays (its signatures
    keep their credit) but is no longer theirs."""
    campaign_services.member_remove(by=by, organisation=organisation, user_id=user_id)
    Collector.objects.filter(organisation=organisation, user_id=user_id).update(user=None)


@transaction.atomic
def collector_update(*, by, collector: Collector, **fields) -> Collector:
    """Rename a collector, or deactivate (and reactivate) their link. Their code stays: it is
    printed on sheets and in links already handed out."""
    if not access.can(by, collector.organisation_id, Ability.MANAGE):
        raise NotAllowed(_("Only the organisation's organisers may do this."))
    unknown = set(fields) - {"name", "active"}
    if unknown:
        raise ValidationError({name: _("This cannot be changed.") for name in sorted(unknown)})
    before = audit.snapshot(Collector.objects.get(pk=collector.pk), fields)
    for name, value in fields.items():
        setattr(collector, name, value)
    collector.full_clean()
    collector.save()
    changed = audit.changes(before, collector)
    if changed:
        audit.record(
            by=by,
            organisation_id=collector.organisation_id,
            action="collector.update",
            target=collector,
            changed=changed,
        )
    return collector

"""The audit log: who changed what, and when, in an organisation — for its owners to read.

Every correction to the records behind the figures (outreach, decision-makers, engagements,
country stages), every change to a campaign, a member, a collector or a webhook, every bulk
review and every erasure writes one entry, in the same transaction as the change itself: a
change is never logged without happening, nor happens without being logged.

An entry names the record by kind, id and a short label, and lists the fields that changed
with their old and new values. It never holds a signer's details: a review or an erasure is
logged by its counts.
"""

from collections.abc import Iterable

from django.db import models

from campaigns import access
from campaigns.models import AuditEntry


def _plain(value):
    """A value as the log keeps it (JSON): dates as ISO text, choices and objects as text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, models.Model):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict:
    """The current values of `fields`, to compare with after a change."""
    return {name: _plain(getattr(instance, name)) for name in fields}


def changes(before: dict, instance: models.Model) -> dict[str, list]:
    """{field: [old, new]} for the fields of `before` whose value changed on `instance`."""
    after = snapshot(instance, before)
    return {name: [before[name], after[name]] for name in before if before[name] != after[name]}


def record(
    *,
    by,
    organisation_id: int,
    action: str,
    target: models.Model | None = None,
    changed: dict | None = None,
    summary: str = "",
) -> AuditEntry:
    """Log one change. `action` is "<kind>.<verb>", e.g. "outreach.update"."""
    return AuditEntry.objects.create(
        organisation_id=organisation_id,
        actor=access.person(by),
        actor_name=getattr(access.person(by), "username", "") or "system",
        action=action,
        target_type=target._meta.model_name if target is not None else "",
        target_id=target.pk if target is not None else None,
        target_label=str(target)[:200] if target is not None else "",
        changes=changed or {},
        summary=summary[:300],
    )


def entries_for(*, by, organisation_id: int):
    """The organisation's log, newest first, for its owners."""
    access.require(by, organisation_id, access.Ability.MANAGE_MEMBERS)
    return AuditEntry.objects.filter(organisation_id=organisation_id).order_by("-created", "-id")

"""Tags on people (OSDI's tags and taggings): made on demand, given once, taken away
whatever the way in. A person's taggings are part of their record, so tagging or untagging
someone changes their `modified`."""

import unicodedata
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns import access
from campaigns.access import Ability
from campaigns.models import Organisation
from signatures.models import Person, Tag, Tagging

TAG_MAX = 100


def require_signers(by, organisation_id: int) -> None:
    """People and tags are signers' details: the organisation's owners and organisers."""
    access.require(
        by,
        organisation_id,
        Ability.SEE_SIGNERS,
        _("Only the organisation's owners and organisers change its people and tags."),
    )


def text_clean(value, field: str, errors: dict, *, max_length: int) -> str:
    """A text field as another system sent it: trimmed, or an error in `errors`."""
    if value is None:
        return ""
    if not isinstance(value, str):
        errors[field] = [_("Enter text.")]
        return ""
    value = value.strip()
    if len(value) > max_length:
        errors[field] = [
            _("Use at most %(max)d characters (this has %(n)d).")
            % {"max": max_length, "n": len(value)}
        ]
    elif any(unicodedata.category(ch) in ("Cc", "Cs") for ch in value):
        errors[field] = [_("Remove the control characters.")]
    return value


def tag_names_clean(names: Iterable[str]) -> list[str]:
    """Tag names as sent, checked (ValidationError keyed "tags"), without repeats."""
    errors: dict[str, list] = {}
    kept: list[str] = []
    for name in names:
        text = text_clean(name, "tags", errors, max_length=TAG_MAX)
        if "tags" in errors:
            break
        if not text:
            errors["tags"] = [_("A tag needs a name.")]
            break
        if text not in kept:
            kept.append(text)
    if errors:
        raise ValidationError(errors)
    return kept


def taggings_add(person: Person, names: Iterable[str]) -> bool:
    """Tag the person with each of `names` (checked ones; tags made as needed), inside the
    caller's transaction. Returns whether any tagging is new."""
    added = False
    for name in names:
        tag, _created = Tag.objects.get_or_create(organisation_id=person.organisation_id, name=name)
        _tagging, new = Tagging.objects.get_or_create(tag=tag, person=person)
        added = added or new
    return added


@transaction.atomic
def tag_create(*, by, organisation: Organisation, name: str) -> tuple[Tag, bool]:
    """The organisation's tag of this name, made if it has none: (tag, created)."""
    require_signers(by, organisation.id)
    name = tag_names_clean([name])[0]
    return Tag.objects.get_or_create(organisation=organisation, name=name)


@transaction.atomic
def tagging_add(*, by, tag: Tag, person: Person) -> tuple[Tagging, bool]:
    """Tag the person (once: tagging again answers the same tagging). (tagging, created)."""
    require_signers(by, tag.organisation_id)
    if person.organisation_id != tag.organisation_id:
        raise ValidationError({"person": [_("This person belongs to another organisation.")]})
    tagging, created = Tagging.objects.get_or_create(tag=tag, person=person)
    if created:  # their taggings are part of what a CRM syncs of a person
        Person.objects.filter(id=person.id).update(modified=tagging.created)
    return tagging, created


@transaction.atomic
def tagging_remove(*, by, tag: Tag, person: Person | None = None, tagging_id=None) -> bool:
    """Untag: by the tagging's id, or by the person. Removing what is not there changes
    nothing (it may have gone already). Returns whether a tagging was removed."""
    require_signers(by, tag.organisation_id)
    taggings = Tagging.objects.filter(tag=tag)
    if tagging_id is not None:
        taggings = taggings.filter(id=tagging_id)
    if person is not None:
        taggings = taggings.filter(person=person)
    people = list(taggings.values_list("person_id", flat=True))
    removed, _counts = taggings.delete()
    if removed:
        Person.objects.filter(id__in=people).update(modified=timezone.now())
    return bool(removed)

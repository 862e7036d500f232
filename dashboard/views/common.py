"""What every dashboard page shares: fetching what it is about, and showing a service's
refusal on the form that caused it."""

from django.core.exceptions import ValidationError

from campaigns import access
from campaigns.access import Ability
from campaigns.models import Campaign, Organisation
from tallies.selectors import with_tally


def page_campaign(request, slug: str, ability: Ability, *, partners: bool = False) -> Campaign:
    """access.campaign_for, as the dashboard asks it: its pages are for members, so to anyone
    else a campaign they cannot open does not exist (404), and the tally comes along.
    `partners`: a coalition partner's members too (the page keeps to their share)."""
    return access.campaign_for(
        request.user,
        slug,
        ability,
        queryset=with_tally(Campaign.objects.select_related("organisation")),
        members_only=True,
        partners=partners,
    )


def page_organisation(request, slug: str, ability: Ability) -> Organisation:
    return access.organisation_for(request.user, slug, ability, members_only=True)


def apply_errors(form, error: ValidationError) -> None:
    for field, messages_ in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages_)

"""Whether a person may open an organisation's results page (owners, organisers, viewers)."""

from django import template

from campaigns import access
from campaigns.access import Ability

register = template.Library()


@register.filter
def follows_results(organisation, user) -> bool:
    return access.can(user, organisation.id, Ability.FOLLOW)

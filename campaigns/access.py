"""Who may do what. The API's permission classes, the pages and the admin all ask here.

Roles, from most to least: owner (members and settings), organiser (everything about
campaigns, including signers' details), collector (their own link, count and imports),
viewer (dashboards without signers' details). A superuser may do everything.
"""

from collections.abc import Iterable

from django.db.models import Q

from campaigns.models import Membership, Role

MANAGERS = (Role.OWNER, Role.ORGANISER)
IMPORTERS = (Role.OWNER, Role.ORGANISER, Role.COLLECTOR)
MEMBERS = (Role.OWNER, Role.ORGANISER, Role.COLLECTOR, Role.VIEWER)


def roles_of(user) -> dict[int, str]:
    """{organisation_id: role} for this user, read once per user object (i.e. per request)."""
    if user is None or not user.is_authenticated:
        return {}
    cached = getattr(user, "_voces_roles", None)
    if cached is None:
        cached = dict(Membership.objects.filter(user=user).values_list("organisation_id", "role"))
        user._voces_roles = cached
    return cached


def _is_superuser(user) -> bool:
    return user is not None and user.is_authenticated and user.is_superuser


def organisation_ids(user, roles: Iterable[str] = MEMBERS) -> set[int]:
    wanted = set(roles)
    return {org_id for org_id, role in roles_of(user).items() if role in wanted}


def organisation_filter(user, roles: Iterable[str], field: str = "organisation_id") -> Q:
    """A filter to rows of the organisations where the user has one of `roles`, by `field`.

    Q() for a superuser (every row). Note that `Q(...) | Q()` is `Q(...)` in Django, so test
    the result (`if not q`) before OR-ing it with another condition.
    """
    if _is_superuser(user):
        return Q()
    return Q(**{f"{field}__in": organisation_ids(user, roles)})


def has_role(user, organisation_id: int, roles: Iterable[str]) -> bool:
    if _is_superuser(user):
        return True
    return roles_of(user).get(organisation_id) in set(roles)


def can_manage_campaigns(user, organisation_id: int) -> bool:
    """Create and edit campaigns, statuses, outreach and decision-makers."""
    return has_role(user, organisation_id, MANAGERS)


def can_see_signers(user, organisation_id: int) -> bool:
    """See signers' email, postal code and comment."""
    return has_role(user, organisation_id, MANAGERS)


def is_member(user, organisation_id: int) -> bool:
    return has_role(user, organisation_id, MEMBERS)


def can_import(user, organisation_id: int) -> bool:
    """Import paper sheets (collectors import their own)."""
    return has_role(user, organisation_id, IMPORTERS)


def can_manage_members(user, organisation_id: int) -> bool:
    """Members, roles and the organisation's settings: owners only."""
    return has_role(user, organisation_id, (Role.OWNER,))


def role_in(user, organisation_id: int) -> str | None:
    if _is_superuser(user):
        return Role.OWNER
    return roles_of(user).get(organisation_id)

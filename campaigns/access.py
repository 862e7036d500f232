"""Who may do what: the one place that says it. The API, the pages, the admin and the services
all ask here, and no role name appears anywhere else.

Roles, from most to least: owner (members and settings), organiser (everything about
campaigns, including signers' details), collector (their own link, count and imports),
viewer (dashboards without signers' details). A superuser may do everything, and so may the
installation itself (`SYSTEM`: tasks, commands, the demo data), which is not a person.

Fetch and check in one call: `campaign_for(user, slug, Ability.SEE_SIGNERS)` answers the
campaign or raises NotAuthenticated (401), NotFound (404: it does not exist, or the user may
not know that it does) or NotAllowed (403).
"""

import enum
from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from campaigns.models import Campaign, CampaignPartner, Membership, Organisation, Role
from core.errors import NotAllowed, NotAuthenticated, NotFound


class Ability(enum.Enum):
    """What a person does, each with the roles that may do it."""

    # Belong to the organisation: its records, the paper sheet, their own collector QR code.
    BELONG = ("belong", (Role.OWNER, Role.ORGANISER, Role.COLLECTOR, Role.VIEWER))
    # Follow its campaigns on the dashboard (figures, never signers' details).
    FOLLOW = ("follow", (Role.OWNER, Role.ORGANISER, Role.VIEWER))
    # Import paper sheets (collectors import the sheets they collected).
    IMPORT = ("import", (Role.OWNER, Role.ORGANISER, Role.COLLECTOR))
    # Collect signatures in the field app and send them in batches.
    COLLECT = ("collect", (Role.OWNER, Role.ORGANISER, Role.COLLECTOR))
    # Create and edit campaigns, statuses, outreach, decision-makers, collectors, webhooks.
    MANAGE = ("manage", (Role.OWNER, Role.ORGANISER))
    # See, export, review and erase signers' details.
    SEE_SIGNERS = ("see_signers", (Role.OWNER, Role.ORGANISER))
    # Members, roles and the organisation's settings.
    MANAGE_MEMBERS = ("manage_members", (Role.OWNER,))

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(self.value[1])


# The roles that hear about milestones (and may see signers).
MANAGERS = tuple(Ability.MANAGE.roles)

# What a coalition partner's members may do on the lead's campaign, each in their own role:
# follow it, collect and import for it, and see the signers who came through their
# organisation (never the others'). Editing the campaign and its records stays with the lead.
PARTNER_ABILITIES = frozenset(
    {Ability.BELONG, Ability.FOLLOW, Ability.IMPORT, Ability.COLLECT, Ability.SEE_SIGNERS}
)


class _System:
    """The installation acting on its own behalf (a task, a command, the demo data)."""

    is_authenticated = True
    is_superuser = True
    is_active = True
    pk = id = None

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = _System()


def person(by):
    """The user behind an action, or None when it is the system (for `recorded_by` fields)."""
    return None if by is SYSTEM or by is None or not by.is_authenticated else by


def roles_of(user) -> dict[int, str]:
    """{organisation_id: role} for this user, read once per user object (i.e. per request)."""
    if user is None or not user.is_authenticated or user is SYSTEM:
        return {}
    cached = getattr(user, "_voces_roles", None)
    if cached is None:
        cached = dict(Membership.objects.filter(user=user).values_list("organisation_id", "role"))
        user._voces_roles = cached
    return cached


def is_superuser(user) -> bool:
    """The installation's administrators (and the installation itself, SYSTEM)."""
    return user is not None and user.is_authenticated and user.is_superuser


def can(user, organisation_id: int, ability: Ability) -> bool:
    """May `user` do `ability` in this organisation?"""
    if is_superuser(user):
        return True
    return roles_of(user).get(organisation_id) in ability.roles


def role_in(user, organisation_id: int) -> str | None:
    if is_superuser(user):
        return Role.OWNER
    return roles_of(user).get(organisation_id)


def is_only_collector(user, organisation_id: int) -> bool:
    """A collector sees their own link and imports, not their colleagues'."""
    return role_in(user, organisation_id) == Role.COLLECTOR


def organisation_ids(user, ability: Ability = Ability.BELONG) -> set[int]:
    return {org_id for org_id, role in roles_of(user).items() if role in ability.roles}


def organisation_filter(user, ability: Ability, field: str = "organisation_id") -> Q:
    """A filter to rows of the organisations where the user may do `ability`, by `field`.

    Q() for a superuser (every row). Note that `Q(...) | Q()` is `Q(...)` in Django, so test
    the result (`if not q`) before OR-ing it with another condition.
    """
    if is_superuser(user):
        return Q()
    return Q(**{f"{field}__in": organisation_ids(user, ability)})


def require(user, organisation_id: int, ability: Ability, message: str = "") -> None:
    """Raise NotAllowed unless `user` may do `ability` in the organisation."""
    if not can(user, organisation_id, ability):
        raise NotAllowed(message or _("You may not do this in this organisation."))


def require_manager(by, organisation_id: int) -> None:
    """What most changes need: the organisation's owners or organisers (or the system)."""
    require(
        by,
        organisation_id,
        Ability.MANAGE,
        _("Only the organisation's owners and organisers may do this."),
    )


def active_partner_ids(campaign: Campaign) -> frozenset[int]:
    """The organisations that are active partners of the campaign (read once per object)."""
    cached = getattr(campaign, "_voces_partners", None)
    if cached is None:
        cached = frozenset(
            CampaignPartner.objects.filter(
                campaign_id=campaign.id, status=CampaignPartner.Status.ACTIVE
            ).values_list("organisation_id", flat=True)
        )
        if isinstance(campaign, Campaign):  # a frozen view of one (signing's) keeps none
            campaign._voces_partners = cached
    return cached


def acting_partner(user, campaign: Campaign, ability: Ability = Ability.BELONG) -> int | None:
    """The partner organisation through which `user` does `ability` on the campaign: None
    when they may do it as the lead (its members, superusers, the system), else an active
    partner's id where their role allows it (the first, should they belong to several)."""
    if can(user, campaign.organisation_id, ability) or ability not in PARTNER_ABILITIES:
        return None
    roles = roles_of(user)
    for organisation_id in sorted(active_partner_ids(campaign)):
        if roles.get(organisation_id) in ability.roles:
            return organisation_id
    return None


def can_on_campaign(user, campaign: Campaign, ability: Ability) -> bool:
    """May `user` do `ability` on this campaign, as the lead's member or a partner's?"""
    return (
        can(user, campaign.organisation_id, ability)
        or acting_partner(user, campaign, ability) is not None
    )


def signatures_filter(user, campaign: Campaign, field: str = "partner_id") -> Q:
    """The campaign's signatures whose signers' details `user` may see: all of them for the
    lead's owners and organisers, those that came through their organisation for a partner's,
    none for anyone else."""
    if can(user, campaign.organisation_id, Ability.SEE_SIGNERS):
        return Q()
    partner = acting_partner(user, campaign, Ability.SEE_SIGNERS)
    if partner is None:
        return Q(pk__in=[])
    return Q(**{field: partner})


def _authenticated(user) -> None:
    if user is None or not user.is_authenticated:
        raise NotAuthenticated(_("Log in, or send your API token."))


def campaign_for(
    user,
    slug: str,
    ability: Ability,
    *,
    queryset: QuerySet[Campaign] | None = None,
    members_only: bool = False,
    partners: bool = False,
) -> Campaign:
    """The campaign `slug`, if `user` may do `ability` on it.

    `partners`: a coalition partner's members are let in too, for what PARTNER_ABILITIES
    allows them — only where the caller then keeps to their share (`signatures_filter`).

    NotFound when it does not exist or the user may not know that it does: another
    organisation's draft, or (`members_only`, for the dashboard) any campaign of an
    organisation the user does not belong to. NotAllowed when they know it but may not do this.
    """
    _authenticated(user)
    queryset = Campaign.objects.select_related("organisation") if queryset is None else queryset
    campaign = queryset.filter(slug=slug).first()
    if campaign is None:
        raise NotFound(_("No campaign has this address."))
    belongs = can(user, campaign.organisation_id, Ability.BELONG)
    if partners and not belongs and acting_partner(user, campaign, Ability.BELONG) is not None:
        # A coalition partner's member: what their role allows, on their share of it.
        if not can_on_campaign(user, campaign, ability):
            raise NotAllowed(_("You may not do this in this organisation."))
        return campaign
    if not belongs and (members_only or not campaign.is_public):
        raise NotFound(_("No campaign has this address."))
    require(user, campaign.organisation_id, ability)
    return campaign


def organisation_for(
    user, slug: str, ability: Ability, *, members_only: bool = False
) -> Organisation:
    """The organisation `slug`, if `user` may do `ability` in it (see `campaign_for`)."""
    _authenticated(user)
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        raise NotFound(_("No organisation has this address."))
    if members_only and not can(user, organisation.id, Ability.BELONG):
        raise NotFound(_("No organisation has this address."))
    require(user, organisation.id, ability)
    return organisation


def members_with(organisation_id: int, roles: Iterable[str]) -> Q:
    """Users holding one of `roles` in the organisation (a filter on the user model)."""
    return Q(memberships__organisation_id=organisation_id, memberships__role__in=list(roles))

"""Inviting a colleague into an organisation: an owner names an email address and a role, the
person gets a signed link that expires, and opening it lets them join — with the account they
are logged in with, or with a new one whose username and password they choose there.

An invitation is pending until it is accepted, revoked, or past `expires_at` (7 days); an
organisation has at most one pending invitation per address (the database says so). The link
carries the invitation's id, signed with SECRET_KEY under a salt of its own and good for the
same 7 days; the row decides the rest, so a revoked or used link stops working at once.

The email goes out after the invitation is committed, within the owner's request: sending
may fail (an SMTP server down), and then the owner is told and copies the link instead; the
members page shows the link of every pending invitation either way.
"""

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from campaigns import access, audit
from campaigns.access import Ability
from campaigns.models import Invitation, Membership, Organisation, Role
from core.errors import Conflict, DomainError

logger = logging.getLogger(__name__)

INVITATION_MAX_AGE = timedelta(days=7)
INVITATION_SALT = "campaigns.invitation"


def email_normalised(email: str) -> str:
    """An account's address as invitations keep it: stripped, in lower case."""
    return (email or "").strip().lower()


# --- The link ----------------------------------------------------------------------------


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps(invitation.id, salt=INVITATION_SALT)


def invitation_url(invitation: Invitation) -> str:
    """The link the invited person opens (on the installation's public address)."""
    path = reverse("dashboard:invitation", kwargs={"token": invitation_token(invitation)})
    return settings.SITE_URL + path


def _invitation_id(token: str) -> int:
    try:
        invitation_id = signing.loads(
            token, salt=INVITATION_SALT, max_age=INVITATION_MAX_AGE.total_seconds()
        )
    except signing.SignatureExpired:
        raise DomainError(
            _("This invitation has expired. Ask the person who invited you for a new one."),
            code="expired_invitation",
            status=410,
        ) from None
    except signing.BadSignature:
        raise DomainError(
            _("This invitation link is not valid. Check that you copied all of it."),
            code="invalid_invitation",
        ) from None
    if not isinstance(invitation_id, int):
        raise DomainError(_("This invitation link is not valid."), code="invalid_invitation")
    return invitation_id


def _usable(invitation: Invitation | None) -> Invitation:
    """The invitation, if it can still be accepted; else a DomainError saying why (410)."""
    if invitation is None:
        raise DomainError(
            _("This invitation no longer exists. Ask the person who invited you for a new one."),
            code="gone_invitation",
            status=410,
        )
    if invitation.accepted_at is not None:
        raise DomainError(
            _("This invitation has already been accepted. Log in to open the dashboard."),
            code="accepted_invitation",
            status=410,
        )
    if invitation.revoked_at is not None:
        raise DomainError(
            _("This invitation was withdrawn. Ask the person who invited you for a new one."),
            code="revoked_invitation",
            status=410,
        )
    if invitation.expires_at <= timezone.now():
        raise DomainError(
            _("This invitation has expired. Ask the person who invited you for a new one."),
            code="expired_invitation",
            status=410,
        )
    return invitation


def invitation_for_token(token: str) -> Invitation:
    """The pending invitation a link was made for, with its organisation and who invited.

    Raises DomainError: 400 for a link that was not made here or was cut short, 410 for one
    that expired, was revoked or was used already."""
    invitation_id = _invitation_id(token)
    return _usable(
        Invitation.objects.select_related("organisation", "invited_by")
        .filter(pk=invitation_id)
        .first()
    )


# --- Reads --------------------------------------------------------------------------------


def invitations_pending(*, organisation: Organisation):
    """The organisation's invitations still waiting for an answer, newest first."""
    return (
        Invitation.objects.filter(
            organisation=organisation,
            accepted_at=None,
            revoked_at=None,
            expires_at__gt=timezone.now(),
        )
        .select_related("invited_by")
        .order_by("-created", "-id")
    )


def _inviter_name(user) -> str:
    if user is None:
        return "Voces"
    return user.get_full_name() or user.get_username()


# --- Changes ------------------------------------------------------------------------------


def _require_owner(by, organisation_id: int) -> None:
    access.require(
        by,
        organisation_id,
        Ability.MANAGE_MEMBERS,
        _("Only the organisation's owners invite people."),
    )


@transaction.atomic
def invitation_create(*, by, organisation: Organisation, email: str, role: str) -> Invitation:
    """Invite `email` into the organisation with `role`, and email them the link once the
    invitation is committed. Owners only. An address already invited (and still pending) or
    belonging to a member is refused; an expired invitation to it is replaced.

    After it returns, `emailed_at` says whether the email went out (None: it could not be
    sent, or the caller's transaction has not committed yet)."""
    _require_owner(by, organisation.id)
    email = email_normalised(email)
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": [_("Enter a valid email address.")]}) from None
    if role not in Role.values:
        raise ValidationError({"role": [_("Choose owner, organiser, collector or viewer.")]})
    members = Membership.objects.filter(organisation=organisation, user__email__iexact=email)
    if members.exists():
        raise ValidationError({"email": [_("Someone with this email is already a member.")]})
    # One pending invitation per address: lock what is there, so two owners pressing at once
    # make one invitation and one clear refusal, not an IntegrityError.
    waiting = (
        Invitation.objects.select_for_update()
        .filter(organisation=organisation, email=email, accepted_at=None, revoked_at=None)
        .first()
    )
    now = timezone.now()
    if waiting is not None and waiting.expires_at > now:
        raise ValidationError(
            {
                "email": [
                    _(
                        "This address has an invitation waiting already. Copy its link below, "
                        "or revoke it to send a new one."
                    )
                ]
            }
        )
    if waiting is not None:  # expired: the new invitation takes its place
        waiting.revoked_at = now
        waiting.save(update_fields=["revoked_at"])
    invitation = Invitation(
        organisation=organisation,
        email=email,
        role=role,
        invited_by=access.person(by),
        expires_at=now + INVITATION_MAX_AGE,
    )
    invitation.full_clean()
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:  # another request invited the same address a moment ago
        raise ValidationError(
            {"email": [_("This address has an invitation waiting already.")]}
        ) from None
    audit.record(
        by=by,
        organisation_id=organisation.id,
        action="invitation.create",
        target=invitation,
        changed={"role": [None, role]},
    )
    language = translation.get_language() or settings.LANGUAGE_CODE
    transaction.on_commit(lambda: invitation_send(invitation, language=language))
    return invitation


def invitation_send(invitation: Invitation, *, language: str) -> bool:
    """Email the invitation's link, in `language`. Records when it went out; a failure to
    send is logged and answered False (the owner copies the link instead)."""
    organisation = invitation.organisation
    context = {
        "organisation": organisation,
        "inviter": _inviter_name(invitation.invited_by),
        "url": invitation_url(invitation),
        "days": INVITATION_MAX_AGE.days,
    }
    with translation.override(language):
        context["role"] = str(invitation.get_role_display()).lower()
        subject = render_to_string("campaigns/email/invitation_subject.txt", context)
        body = render_to_string("campaigns/email/invitation_body.txt", context)
    try:
        send_mail(" ".join(subject.split()), body, None, [invitation.email])
    except (smtplib.SMTPException, OSError) as error:
        logger.warning(
            "invitation %s to organisation %s could not be emailed: %s",
            invitation.id,
            organisation.slug,
            error.__class__.__name__,
        )
        return False
    invitation.emailed_at = timezone.now()
    Invitation.objects.filter(pk=invitation.pk).update(emailed_at=invitation.emailed_at)
    return True


@transaction.atomic
def invitation_revoke(*, by, invitation: Invitation) -> Invitation:
    """Withdraw a pending invitation: its link stops working at once. Owners only."""
    _require_owner(by, invitation.organisation_id)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation was accepted already: remove the member instead."))
    if invitation.revoked_at is not None:
        return invitation
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit.record(
        by=by,
        organisation_id=invitation.organisation_id,
        action="invitation.revoke",
        target=invitation,
        changed={"revoked_at": [None, invitation.revoked_at.isoformat()]},
    )
    return invitation


def _new_user(*, username: str | None, password: str | None, email: str):
    """A new account for the invited person, checked as Django checks one (the username's
    rules, the installation's password validators)."""
    user_model = get_user_model()
    user = user_model(username=user_model.normalize_username((username or "").strip()))
    user.email = email
    errors: dict[str, list[str]] = {}
    try:
        user.full_clean(exclude=["password"], validate_unique=True)
    except ValidationError as error:
        errors.update(error.message_dict)
    username_taken = user_model.objects.filter(username__iexact=user.get_username())
    if "username" not in errors and username_taken.exists():
        errors["username"] = [_("This username is taken. Choose another.")]
    if not password:
        errors["password"] = [_("Choose a password.")]
    else:
        try:
            validate_password(password, user=user)
        except ValidationError as error:
            errors["password"] = list(error.messages)
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # the same username chosen a moment ago, elsewhere
        taken = _("This username is taken. Choose another.")
        raise ValidationError({"username": [taken]}) from None
    return user


def invitation_accept(
    *,
    token: str,
    user=None,
    username: str | None = None,
    password: str | None = None,
) -> Membership:
    """Join the organisation an invitation is for, with its role: as `user` (the person is
    logged in), or as a new account with `username` and `password` (and the invited email).

    Raises DomainError for a link that is not valid (400) or no longer usable (410),
    Conflict (409) when `user` is a member already, ValidationError for a username or
    password the rules refuse."""
    invitation_id = _invitation_id(token)
    with transaction.atomic():
        invitation = _usable(
            Invitation.objects.select_for_update()
            .select_related("organisation")
            .filter(pk=invitation_id)
            .first()
        )
        organisation = invitation.organisation
        if user is not None and user.is_authenticated:
            if Membership.objects.filter(organisation=organisation, user=user).exists():
                raise Conflict(
                    _("You are a member of %(organisation)s already.")
                    % {"organisation": organisation.name}
                )
        else:
            user = _new_user(username=username, password=password, email=invitation.email)
        membership = Membership.objects.create(
            organisation=organisation, user=user, role=invitation.role
        )
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        audit.record(
            by=user,
            organisation_id=organisation.id,
            action="invitation.accept",
            target=invitation,
            changed={"role": [None, invitation.role], "member": [None, user.get_username()]},
        )
    logger.info("invitation %s accepted in organisation %s", invitation.id, organisation.slug)
    return membership

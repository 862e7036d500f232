"""Signers' rights, members and settings, new organisations, logging out."""

import json
from functools import partial

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import logout as sign_out
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from campaigns import access, audit, invitations, services
from campaigns.access import Ability
from campaigns.models import Membership, Role
from dashboard import forms
from dashboard.views.common import apply_errors, page_organisation
from signatures import rights
from signatures.collectors import member_remove

# --- Signers' rights, members ------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def signers(request, org: str):
    """Find a signer by email, give them a copy, erase their details. Every step is a POST, so
    no signer's email is ever in a URL (and so in an access log or a browser's history)."""
    organisation = page_organisation(request, org, Ability.SEE_SIGNERS)
    form = forms.SignerForm(request.POST or None)
    action = request.POST.get("action", "find")
    context = {"organisation": organisation, "form": form, "found": None, "people": None}
    if form.is_valid():
        email = form.cleaned_data["email"]
        if action == "export":
            return _signer_copy(organisation, email)
        if action == "erase-confirmed":
            erased = rights.signer_erase(by=request.user, organisation=organisation, email=email)
            messages.success(
                request,
                _("%(n)d signatures erased. They stay counted, anonymously.") % {"n": erased},
            )
            return redirect("dashboard:signers", organisation.slug)
        context["found"] = rights.signer_signatures(organisation=organisation, email=email)
        context["people"] = rights.signer_people_export(organisation=organisation, email=email)
        context["confirm_erase"] = action == "erase"
    return render(request, "dashboard/signers.html", context, status=400 if form.errors else 200)


def _signer_copy(organisation, email: str) -> HttpResponse:
    body = {
        "email": email,
        "organisation": organisation.name,
        "exported_at": timezone.now().isoformat(),
        "signatures": rights.signer_export(organisation=organisation, email=email),
        "people": rights.signer_people_export(organisation=organisation, email=email),
    }
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="signer.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def signer_export(request, org: str):
    """The copy for the signer, as a download (a POST: the email stays out of the URL)."""
    organisation = page_organisation(request, org, Ability.SEE_SIGNERS)
    form = forms.SignerForm(request.POST)
    if not form.is_valid():
        return HttpResponse(status=400)
    return _signer_copy(organisation, form.cleaned_data["email"])


# What each role may do, as the members page says it beside the role selects.
ROLE_POWERS = {
    Role.OWNER: gettext_lazy("members, roles and settings, and all that organisers do"),
    Role.ORGANISER: gettext_lazy("everything about campaigns, including signers' details"),
    Role.COLLECTOR: gettext_lazy("their own collector link, count and paper imports"),
    Role.VIEWER: gettext_lazy("the dashboards, without signers' details"),
}


class _Invalid(Exception):
    """A form sent back with errors: they are shown on it."""


def _dry_run(change) -> None:
    """Run `change` and undo it. It raises what the service would refuse, so a confirmation
    step says "not possible" before asking, in the service's own words."""
    with transaction.atomic():
        change()
        transaction.set_rollback(True)


def _role_name(role: str) -> str:
    return str(Role(role).label).lower()


def _person(user) -> str:
    return user.get_full_name() or user.get_username()


def _show_on(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        apply_errors(form, error)
    else:
        form.add_error(None, error.messages)


@login_required
@require_http_methods(["GET", "POST"])
def members(request, org: str):
    """Members, pending invitations and settings, for the organisation's owners. Removing a
    member, changing a member's role and revoking an invitation ask first: the POST without
    `confirmed=1` answers with the question (or with why it cannot be done), and Confirm sends
    it again with `confirmed=1`. A service's refusal is shown on the page, never a 500."""
    organisation = page_organisation(request, org, Ability.MANAGE_MEMBERS)
    post = request.POST
    has_owner = Membership.objects.filter(organisation=organisation, role=Role.OWNER).exists()
    page_forms = {
        "invite_form": forms.InvitationForm(
            post if "invite" in post else None,
            prefix="invite",
            # An organisation without an owner (a superuser just made it) needs its first.
            initial=None if has_owner else {"role": Role.OWNER},
        ),
        "member_form": forms.MemberForm(post if "username" in post and "row" not in post else None),
        "retention_form": forms.RetentionForm(
            post if "retention" in post else None,
            initial={"retention_months": organisation.retention_months},
        ),
    }
    confirm = None
    status = 200
    if request.method == "POST":
        asked = post.get("confirmed") != "1"
        try:
            outcome = _members_act(request, organisation, confirmed=not asked, **page_forms)
        except ValidationError as error:
            bound = next((form for form in page_forms.values() if form.is_bound), None)
            if bound is not None:
                _show_on(bound, error)
            for message in error.messages:  # also said above the forms: the page is long
                messages.error(request, message)
            # Asked to confirm a removal or a role change, "this is not possible" is the
            # answer to a question; anywhere else the request was refused.
            asking = asked and any(key in post for key in ("remove", "revoke", "row"))
            status = 200 if asking and bound is None else 400
        except _Invalid:
            status = 400
        except (ValueError, KeyError):
            messages.error(request, _("That change is not possible."))
            status = 400
        else:
            if not isinstance(outcome, dict):
                return outcome
            confirm = outcome
    return render(
        request,
        "dashboard/members.html",
        {
            "organisation": organisation,
            "memberships": sorted(  # owners first, then down the roles
                Membership.objects.filter(organisation=organisation).select_related("user"),
                key=lambda m: (Role.values.index(m.role), m.user.get_username().casefold()),
            ),
            "roles": Role.choices,
            "role_powers": [(Role(role).label, power) for role, power in ROLE_POWERS.items()],
            "has_owner": has_owner,
            "locked": services.members_locked_out(organisation=organisation),
            "pending": [
                (invitation, invitations.invitation_url(invitation))
                for invitation in invitations.invitations_pending(organisation=organisation)
            ],
            "confirm": confirm,
            **page_forms,
        },
        status=status,
    )


def _members_act(request, organisation, *, confirmed, invite_form, member_form, retention_form):
    """Do what the members page's POST asks: a redirect when done, a question to confirm."""
    post = request.POST
    if "unlock" in post:
        services.member_unlock(
            by=request.user, organisation=organisation, user_id=int(post["unlock"])
        )
        messages.success(request, _("Their login is unlocked: they can log in again."))
        return redirect("dashboard:members", organisation.slug)
    if "remove" in post:
        return _member_remove(request, organisation, int(post["remove"]), confirmed)
    if "revoke" in post:
        return _invitation_revoke(request, organisation, int(post["revoke"]), confirmed)
    if "retention" in post:
        if not retention_form.is_valid():
            raise _Invalid
        services.organisation_set_retention(
            by=request.user,
            organisation=organisation,
            months=retention_form.cleaned_data["retention_months"],
        )
        messages.success(request, _("Saved."))
        return redirect("dashboard:members", organisation.slug)
    if "invite" in post:
        if not invite_form.is_valid():
            raise _Invalid
        _invitation_create(request, organisation, **invite_form.cleaned_data)
        return redirect("dashboard:members", organisation.slug)
    if "username" in post:
        form = member_form if member_form.is_bound else forms.MemberForm(post)  # a row's form
        if not form.is_valid():
            if form is not member_form:  # nothing on the page to show it on
                raise ValueError
            raise _Invalid
        return _member_set(request, organisation, confirmed, **form.cleaned_data)
    raise ValueError


def _membership(organisation, **lookup) -> Membership:
    membership = (
        Membership.objects.filter(organisation=organisation, **lookup)
        .select_related("user")
        .first()
    )
    if membership is None:
        raise ValidationError(_("This person is not a member of the organisation."))
    return membership


def _back_to_members(request, organisation):
    """The members page again, or the dashboard's home for an owner who just removed or
    demoted themselves (their roles, read once per request, are read afresh here)."""
    me = get_user_model().objects.get(pk=request.user.pk)
    if not access.can(me, organisation.id, Ability.MANAGE_MEMBERS):
        return redirect("dashboard:home")
    return redirect("dashboard:members", organisation.slug)


def _member_remove(request, organisation, user_id: int, confirmed: bool):
    membership = _membership(organisation, user_id=user_id)
    person = _person(membership.user)
    change = partial(member_remove, by=request.user, organisation=organisation, user_id=user_id)
    if not confirmed:
        _dry_run(change)
        return {
            "question": _("Remove %(person)s from %(organisation)s?")
            % {"person": person, "organisation": organisation.name},
            "detail": _(
                "They will no longer see its campaigns. The signatures they collected stay "
                "counted, and their collector link keeps working, no longer in their name."
            ),
            "fields": {"remove": user_id},
            "button": _("Yes, remove them"),
        }
    change()
    messages.success(
        request,
        _("%(person)s is no longer a member of %(organisation)s.")
        % {"person": person, "organisation": organisation.name},
    )
    return _back_to_members(request, organisation)


def _member_set(request, organisation, confirmed: bool, *, username: str, role: str):
    current = (
        Membership.objects.filter(organisation=organisation, user__username=username)
        .select_related("user")
        .first()
    )
    if current is not None and current.role == role:
        messages.success(
            request,
            _("%(person)s is %(role)s already: nothing changed.")
            % {"person": _person(current.user), "role": _role_name(role)},
        )
        return redirect("dashboard:members", organisation.slug)
    change = partial(
        services.member_set,
        by=request.user,
        organisation=organisation,
        username=username,
        role=role,
    )
    if current is not None and not confirmed:
        _dry_run(change)
        return {
            "question": _("Change %(person)s's role from %(old)s to %(new)s?")
            % {
                "person": _person(current.user),
                "old": _role_name(current.role),
                "new": _role_name(role),
            },
            "detail": _("As %(role)s, they may see and do: %(powers)s.")
            % {"role": _role_name(role), "powers": ROLE_POWERS[role]},
            "fields": {"username": username, "role": role, "row": "1"},
            "button": _("Yes, change the role"),
        }
    membership = change()
    person = _person(membership.user)
    if current is None:
        message = _("%(person)s joined %(organisation)s as %(role)s.") % {
            "person": person,
            "organisation": organisation.name,
            "role": _role_name(role),
        }
    else:
        message = _("%(person)s is now %(role)s.") % {"person": person, "role": _role_name(role)}
    messages.success(request, message)
    return _back_to_members(request, organisation)


def _invitation_create(request, organisation, *, email: str, role: str) -> None:
    invitation = invitations.invitation_create(
        by=request.user, organisation=organisation, email=email, role=role
    )
    if invitation.emailed_at is not None:
        messages.success(
            request,
            _("An invitation to join as %(role)s is on its way to %(email)s.")
            % {"role": _role_name(role), "email": invitation.email},
        )
    else:
        messages.warning(
            request,
            _(
                "The email to %(email)s could not be sent; copy this link instead and send it "
                "to them yourself: %(url)s"
            )
            % {"email": invitation.email, "url": invitations.invitation_url(invitation)},
        )


def _invitation_revoke(request, organisation, invitation_id: int, confirmed: bool):
    invitation = (
        invitations.invitations_pending(organisation=organisation).filter(pk=invitation_id).first()
    )
    if invitation is None:
        raise ValidationError(_("This invitation is no longer waiting: nothing to revoke."))
    if not confirmed:
        return {
            "question": _("Revoke the invitation sent to %(email)s?") % {"email": invitation.email},
            "detail": _("Its link stops working at once. You can invite them again later."),
            "fields": {"revoke": invitation.id},
            "button": _("Yes, revoke it"),
        }
    invitations.invitation_revoke(by=request.user, invitation=invitation)
    messages.success(
        request, _("The invitation to %(email)s is revoked.") % {"email": invitation.email}
    )
    return redirect("dashboard:members", organisation.slug)


@login_required
@require_http_methods(["GET", "POST"])
def organisation_new(request):
    """A new organisation, made by an installation's superuser; its first owner is invited
    next, from its members page."""
    if not access.is_superuser(request.user):
        raise PermissionDenied(_("Only the installation's administrators create organisations."))
    form = forms.OrganisationForm(request.POST or None)
    if form.is_valid():
        try:
            organisation = services.organisation_create(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                _("%(organisation)s is created. Now invite its first owner.")
                % {"organisation": organisation.name},
            )
            return redirect("dashboard:members", organisation.slug)
    return render(
        request,
        "dashboard/organisation_form.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@require_POST
def logout(request):
    sign_out(request)
    # `next`: back to where the person was going (an invitation, to accept as someone else).
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("dashboard:login")


@login_required
def audit_log(request, org: str):
    """Who changed what, and when: the organisation's owners read its log."""
    organisation = page_organisation(request, org, Ability.MANAGE_MEMBERS)
    entries = audit.entries_for(by=request.user, organisation_id=organisation.id)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "dashboard/audit.html", {"organisation": organisation, "page": page})

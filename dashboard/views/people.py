"""Signers' rights, members and settings, logging out."""

import json

from django.contrib import messages
from django.contrib.auth import logout as sign_out
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from campaigns import audit, services
from campaigns.access import Ability
from campaigns.models import Membership
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


@login_required
@require_http_methods(["GET", "POST"])
def members(request, org: str):
    organisation = page_organisation(request, org, Ability.MANAGE_MEMBERS)
    member_form = forms.MemberForm(request.POST if "username" in request.POST else None)
    retention_form = forms.RetentionForm(
        request.POST if "retention" in request.POST else None,
        initial={"retention_months": organisation.retention_months},
    )
    if request.method == "POST":
        try:
            if "remove" in request.POST or "unlock" in request.POST:
                user_id = int(request.POST.get("remove") or request.POST["unlock"])
                if "remove" in request.POST:
                    member_remove(by=request.user, organisation=organisation, user_id=user_id)
                else:
                    services.member_unlock(
                        by=request.user, organisation=organisation, user_id=user_id
                    )
            elif "retention" in request.POST:
                if not retention_form.is_valid():
                    raise ValidationError(retention_form.errors.as_data())
                services.organisation_set_retention(
                    by=request.user,
                    organisation=organisation,
                    months=retention_form.cleaned_data["retention_months"],
                )
            else:
                if not member_form.is_valid():
                    raise ValidationError(member_form.errors.as_data())
                services.member_set(
                    by=request.user, organisation=organisation, **member_form.cleaned_data
                )
        except ValidationError as error:
            if member_form.is_bound and hasattr(error, "error_dict"):
                apply_errors(member_form, error)
            for message in error.messages:  # said above the forms, whichever one it was
                messages.error(request, message)
        except ValueError:
            messages.error(request, _("That change is not possible."))
        else:
            messages.success(request, _("Saved."))
            return redirect("dashboard:members", organisation.slug)
    return render(
        request,
        "dashboard/members.html",
        {
            "organisation": organisation,
            "memberships": Membership.objects.filter(organisation=organisation)
            .select_related("user")
            .order_by("role", "user__username"),
            "locked": services.members_locked_out(organisation=organisation),
            "member_form": member_form,
            "retention_form": retention_form,
        },
    )


@require_POST
def logout(request):
    sign_out(request)
    return redirect("dashboard:login")


@login_required
def audit_log(request, org: str):
    """Who changed what, and when: the organisation's owners read its log."""
    organisation = page_organisation(request, org, Ability.MANAGE_MEMBERS)
    entries = audit.entries_for(by=request.user, organisation_id=organisation.id)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "dashboard/audit.html", {"organisation": organisation, "page": page})

"""Signatures: paper imports, the export, and reviewing signatures."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from campaigns.access import Ability
from core.errors import DomainError
from dashboard import forms, selectors
from dashboard.views.common import apply_errors, page_campaign
from signatures import imports
from signatures.exports import signatures_csv_response
from signatures.models import ImportJob, Signature
from signatures.selectors import import_visible, own_collector
from signatures.services import signature_set_status

# --- Import, export -----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def import_csv(request, slug: str):
    campaign = page_campaign(request, slug, Ability.IMPORT)
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        own = own_collector(user=request.user, organisation_id=campaign.organisation_id)
        try:
            job = imports.signatures_import(
                by=request.user,
                campaign=campaign,
                content=upload.read(),
                filename=upload.name,
                default_collector=own,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return redirect("dashboard:import-status", job.id)
    return render(
        request,
        "dashboard/import.html",
        {
            "campaign": campaign,
            "form": form,
            "header": ",".join(imports.HEADER),
        },
        status=400 if form.errors else 200,
    )


@login_required
def import_status(request, pk: int):
    job = get_object_or_404(ImportJob.objects.select_related("campaign"), id=pk)
    if not import_visible(request.user, job):
        raise PermissionDenied
    running = job.state not in (ImportJob.State.DONE, ImportJob.State.FAILED)
    return render(
        request,
        "dashboard/import_status.html",
        {
            "job": job,
            "campaign": job.campaign,
            "running": running,
        },
    )


@login_required
def export_csv(request, slug: str):
    return signatures_csv_response(page_campaign(request, slug, Ability.SEE_SIGNERS))


@login_required
@require_http_methods(["GET", "POST"])
def signatures(request, slug: str):
    """Recent signatures, to review: reject a bot, restore a rejected person."""
    campaign = page_campaign(request, slug, Ability.SEE_SIGNERS)
    if request.method == "POST":
        signature_id = request.POST.get("id", "")
        if not signature_id.isdigit():
            raise Http404
        signature = get_object_or_404(Signature, campaign=campaign, id=int(signature_id))
        try:
            signature_set_status(
                by=request.user, signature=signature, status=request.POST.get("status", "")
            )
        except (ValidationError, DomainError):
            messages.error(request, _("That change is not possible."))
        return redirect(
            f"{reverse('dashboard:signatures', args=[slug])}?status={request.GET.get('status', '')}"
        )
    status = request.GET.get("status", "")
    return render(
        request,
        "dashboard/signatures.html",
        {
            "campaign": campaign,
            "signatures": selectors.recent_signatures(campaign=campaign, status=status),
            "status": status,
            "statuses": Signature.Status.choices,
        },
    )

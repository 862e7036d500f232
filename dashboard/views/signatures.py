"""Signatures: paper imports, the export, and reviewing signatures."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from campaigns import access
from campaigns.access import Ability
from core.errors import DomainError
from dashboard import forms, selectors
from dashboard.views.common import apply_errors, page_campaign
from signatures import imports, review
from signatures.exports import TooManyRows, signatures_csv_response, signatures_xlsx_response
from signatures.models import ImportJob, Signature
from signatures.selectors import import_for, own_collector

# --- Import, export -----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def import_csv(request, slug: str):
    campaign = page_campaign(request, slug, Ability.IMPORT, partners=True)
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        # A coalition partner's member imports as the partner, credited to its collector.
        partner = access.acting_partner(request.user, campaign, Ability.IMPORT)
        own = own_collector(user=request.user, organisation_id=partner or campaign.organisation_id)
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
            "header": ",".join(imports.sheet_columns(campaign)),
        },
        status=400 if form.errors else 200,
    )


@login_required
def import_status(request, pk: int):
    job = import_for(request.user, pk)
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
    campaign = page_campaign(request, slug, Ability.SEE_SIGNERS, partners=True)
    partner_id = access.acting_partner(request.user, campaign, Ability.SEE_SIGNERS)
    return signatures_csv_response(campaign, partner_id=partner_id)


@login_required
def export_xlsx(request, slug: str):
    campaign = page_campaign(request, slug, Ability.SEE_SIGNERS, partners=True)
    partner_id = access.acting_partner(request.user, campaign, Ability.SEE_SIGNERS)
    try:
        return signatures_xlsx_response(campaign, partner_id=partner_id)
    except TooManyRows:
        messages.error(
            request, _("Too many signatures for a spreadsheet: download the CSV instead.")
        )
        return redirect("dashboard:campaign", campaign.slug)


# --- Reviewing signatures -------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def signatures(request, slug: str):
    """Review signatures: filter and search them, see the busiest addresses, reject or restore
    one, or every one that matches (`?review=` first shows what a dry run counts; its form
    posts the real review). Filters travel in the query string, POSTs included."""
    campaign = page_campaign(request, slug, Ability.SEE_SIGNERS, partners=True)
    form = forms.SignatureFilterForm(
        request.GET, collectors=selectors.review_collectors(campaign=campaign, user=request.user)
    )
    where = form.where() if form.is_valid() else None  # None: the filters are not valid
    if request.method == "POST":
        if "bulk" in request.POST:
            _review_all(request, campaign, where, request.POST["bulk"])
            return redirect(_this_page(request, slug, without=("review", "page")))
        _review_one(request, campaign)
        return redirect(_this_page(request, slug, without=("review",)))
    asked = request.GET.get("review", "")
    preview = None
    if where and asked in review.REVIEW_STATUSES:
        preview = review.signatures_review(
            by=request.user, campaign=campaign, status=asked, where=where, dry_run=True
        )
    return render(
        request,
        "dashboard/signatures.html",
        {
            "campaign": campaign,
            "form": form,
            "filtered": bool(where),
            "page": None
            if where is None
            else selectors.recent_signatures(
                campaign=campaign, where=where, page=request.GET.get("page"), user=request.user
            ),
            "preview": preview,
            "asked": asked,
            "busiest": selectors.busiest_addresses_recent(campaign=campaign, user=request.user),
            "partner_column": selectors.review_partner_column(campaign=campaign, user=request.user),
        },
        status=400 if form.errors else 200,
    )


def _this_page(request, slug: str, *, without: tuple[str, ...]) -> str:
    """The review page with the query it was opened with, less `without`."""
    query = request.GET.copy()
    for name in without:
        query.pop(name, None)
    url = reverse("dashboard:signatures", args=[slug])
    return f"{url}?{query.urlencode()}" if query else url


def _review_all(request, campaign, where, status: str) -> None:
    if not where:
        messages.error(
            request, _("Choose at least one filter first: a review never means every signature.")
        )
        return
    try:
        result = review.signatures_review(
            by=request.user, campaign=campaign, status=status, where=where
        )
    except (ValidationError, DomainError):
        messages.error(request, _("That change is not possible."))
        return
    values = {"changed": result.changed, "matched": result.matched}
    if not result.changed:
        messages.info(request, _("No signature needed changing."))
    elif status == Signature.Status.REJECTED:
        messages.success(
            request,
            ngettext(
                "%(changed)d signature rejected, of %(matched)d that match.",
                "%(changed)d signatures rejected, of %(matched)d that match.",
                result.changed,
            )
            % values,
        )
    else:
        messages.success(
            request,
            ngettext(
                "%(changed)d signature restored, of %(matched)d that match.",
                "%(changed)d signatures restored, of %(matched)d that match.",
                result.changed,
            )
            % values,
        )


def _review_one(request, campaign) -> None:
    """A row's own button: the same review, for that signature."""
    signature_id = request.POST.get("id", "")
    if not signature_id.isdigit():
        raise Http404
    status = request.POST.get("status", "")
    try:
        result = review.signature_review(
            by=request.user, campaign=campaign, signature_id=int(signature_id), status=status
        )
    except (ValidationError, DomainError):
        messages.error(request, _("That change is not possible."))
        return
    if not result.matched:
        raise Http404
    if not result.changed:
        messages.info(request, _("That signature was left as it was."))
    elif status == Signature.Status.REJECTED:
        messages.success(request, _("Signature rejected."))
    else:
        messages.success(request, _("Signature restored."))

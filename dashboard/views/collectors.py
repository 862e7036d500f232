"""Collectors: their links and QR codes, a collector's own page, the paper sheet."""

import io

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from campaigns import access
from campaigns.access import Ability
from campaigns.models import Campaign
from campaigns.selectors import campaign_content
from dashboard import forms, selectors
from dashboard.views.common import apply_errors, page_campaign
from signatures.collectors import collector_create
from signatures.models import Collector
from signatures.selectors import consent_text_current_text
from tallies.selectors import campaign_tally_of

# --- Collectors, paper sheets ---------------------------------------------------------------


def _collector_link(request, campaign: Campaign, collector: Collector) -> str:
    return request.build_absolute_uri(
        reverse("public:campaign", args=[campaign.slug]) + f"?ref={collector.code}"
    )


@login_required
@require_http_methods(["GET", "POST"])
def collectors(request, slug: str):
    # Collector figures are for the organisers (as in the API's stats), who also add collectors.
    campaign = page_campaign(request, slug, Ability.MANAGE)
    form = forms.CollectorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            collector_create(
                by=request.user, organisation=campaign.organisation, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Collector added."))
            return redirect("dashboard:collectors", campaign.slug)
    tally = campaign_tally_of(campaign)
    rows = [
        (c, n, _collector_link(request, campaign, c))
        for c, n in selectors.collector_board(campaign=campaign, tally=tally)
    ]
    return render(
        request,
        "dashboard/collectors.html",
        {
            "campaign": campaign,
            "rows": rows,
            "form": form,
            "can_manage": True,  # page_campaign(..., MANAGE) let only managers in
        },
        status=400 if form.errors else 200,
    )


@login_required
def collector_qr(request, slug: str, code: str):
    campaign = page_campaign(request, slug, Ability.BELONG)
    collector = get_object_or_404(Collector, organisation=campaign.organisation, code=code)
    if (
        access.is_only_collector(request.user, campaign.organisation_id)
        and collector.user_id != request.user.id
    ):
        raise PermissionDenied
    qr = segno.make(_collector_link(request, campaign, collector), error="m")
    svg = io.BytesIO()
    qr.save(svg, kind="svg", scale=6, border=2, dark="#1d2430", title=collector.name)
    response = HttpResponse(svg.getvalue(), content_type="image/svg+xml")
    response["Content-Disposition"] = f'inline; filename="{collector.code}.svg"'
    return response


@login_required
def me(request):
    """A collector's own page: their link, QR code and count for each campaign."""
    profiles = []
    for collector in Collector.objects.filter(user=request.user, active=True).select_related(
        "organisation"
    ):
        profiles.append(
            (
                collector,
                [
                    (campaign, count, _collector_link(request, campaign, collector))
                    for campaign, count in selectors.collector_counts(collector=collector)
                    if campaign.is_public
                ],
            )
        )
    return render(request, "dashboard/me.html", {"profiles": profiles})


@login_required
def sheet(request, slug: str):
    """A paper sheet to print: the petition, the consent text and numbered rows."""
    campaign = page_campaign(request, slug, Ability.BELONG)
    language = request.LANGUAGE_CODE
    return render(
        request,
        "dashboard/sheet.html",
        {
            "campaign": campaign,
            "content": campaign_content(campaign=campaign, language=language),
            "consent_text": consent_text_current_text(
                language=language,
                campaign_id=campaign.id,
                organisation=campaign.organisation.name,
            ),
            "rows": range(1, 21),
        },
    )

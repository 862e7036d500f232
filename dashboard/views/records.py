"""Recording the records behind a campaign's figures: outreach, stages, decision-makers
and engagements, through the same services as the API."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from campaigns import records
from campaigns.access import Ability
from campaigns.models import Campaign
from dashboard import forms
from dashboard.views.common import apply_errors, page_campaign


def _record(request, campaign: Campaign, form_class, service, title, **form_kwargs):
    form = form_class(request.POST or None, **form_kwargs)
    if request.method == "POST" and form.is_valid():
        try:
            service(campaign, form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("dashboard:campaign", campaign.slug)
    return render(
        request,
        "dashboard/form.html",
        {"campaign": campaign, "form": form, "title": title},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def outreach_new(request, slug: str):
    return _record(
        request,
        page_campaign(request, slug, Ability.MANAGE),
        forms.OutreachForm,
        lambda campaign, data: records.outreach_record(by=request.user, campaign=campaign, **data),
        _("Record outreach"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def stage_new(request, slug: str):
    return _record(
        request,
        page_campaign(request, slug, Ability.MANAGE),
        forms.StageForm,
        lambda campaign, data: records.country_status_record(
            by=request.user, campaign=campaign, **data
        ),
        _("Record a country's stage"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def decision_maker_new(request, slug: str):
    return _record(
        request,
        page_campaign(request, slug, Ability.MANAGE),
        forms.DecisionMakerForm,
        lambda campaign, data: records.decision_maker_create(
            by=request.user, organisation=campaign.organisation, **data
        ),
        _("Add a decision-maker"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def engagement_new(request, slug: str):
    campaign = page_campaign(request, slug, Ability.MANAGE)
    return _record(
        request,
        campaign,
        forms.EngagementForm,
        lambda campaign, data: records.engagement_record(
            by=request.user, campaign=campaign, **data
        ),
        _("Record an engagement"),
        organisation=campaign.organisation,
    )

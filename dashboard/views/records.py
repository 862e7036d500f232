"""Recording and correcting the records behind a campaign's figures: outreach, country stages,
decision-makers and engagements, through the same services as the API. Every change is in the
audit log (the services write it) and the campaign's tally follows it on commit. Removing asks
first: a GET shows what goes, a POST removes it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import models
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format, number_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from django.views.decorators.http import require_http_methods
from django_countries.fields import Country

from campaigns import access, records
from campaigns.access import Ability
from campaigns.models import Campaign, CountryStatus
from campaigns.selectors import campaign_country_history
from dashboard import forms, selectors
from dashboard.views.common import apply_errors, page_campaign


def _back(request, campaign: Campaign, kind: str) -> str:
    """Where to go after a change: the page the organiser came from (`next`, one of this
    campaign's dashboard pages), else the campaign's page at that kind of record."""
    home = reverse("dashboard:campaign", args=[campaign.slug])
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate.startswith(home) and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return f"{home}#records-{kind}"


def _initial(record, form_class) -> dict:
    """A record's values as its form shows them (a country by code, a relation by id)."""
    initial = {}
    for name in form_class.base_fields:
        if name == "confirm":
            continue
        value = getattr(record, name)
        if isinstance(value, Country):
            value = value.code
        elif isinstance(value, models.Model):
            value = value.pk
        initial[name] = value
    return initial


def _form_page(request, campaign, form, *, title, kind, save, done, record=None):
    """Show the form; on a valid POST, call `save(fields)` and go back with `done` said."""
    if request.method == "POST" and form.is_valid():
        try:
            save(form.record_fields())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, done)
            return redirect(_back(request, campaign, kind))
    return render(
        request,
        "dashboard/form.html",
        {
            "campaign": campaign,
            "form": form,
            "title": title,
            "record": record,
            "next": request.POST.get("next") or request.GET.get("next") or "",
            "cancel_url": _back(request, campaign, kind),
            "remove_url": (
                reverse(f"dashboard:{_URL_KIND[kind]}-remove", args=[campaign.slug, record.pk])
                if record is not None
                else ""
            ),
        },
        # Only asking "are you sure?" is no bad request: the form is fine, and waits for a tick.
        status=400 if set(form.errors) - {"confirm"} else 200,
    )


def _confirm_page(request, campaign, *, kind, title, question, consequences, remove, done):
    """GET: what removing takes away, and a button; POST: remove it."""
    if request.method == "POST":
        remove()
        messages.success(request, done)
        return redirect(_back(request, campaign, kind))
    return render(
        request,
        "dashboard/confirm.html",
        {
            "campaign": campaign,
            "title": title,
            "question": question,
            "consequences": consequences,
            "button": _("Yes, remove it"),
            "next": request.GET.get("next", ""),
            "cancel_url": _back(request, campaign, kind),
        },
    )


_URL_KIND = {
    "outreach": "outreach",
    "stages": "stage",
    "engagements": "engagement",
    "decision_makers": "decision-maker",
}
FIGURES_FOLLOW = gettext_noop("Saved. The campaign's figures follow in a few seconds.")


# --- Outreach -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def outreach_new(request, slug: str):
    campaign = page_campaign(request, slug, Ability.MANAGE)
    return _form_page(
        request,
        campaign,
        forms.OutreachForm(request.POST or None, campaign=campaign),
        title=_("Record outreach"),
        kind="outreach",
        save=lambda data: records.outreach_record(by=request.user, campaign=campaign, **data),
        done=_(FIGURES_FOLLOW),
    )


@login_required
@require_http_methods(["GET", "POST"])
def outreach_edit(request, slug: str, pk: int):
    campaign = page_campaign(request, slug, Ability.MANAGE)
    activity = get_object_or_404(selectors.campaign_outreach(campaign=campaign), pk=pk)
    form = forms.OutreachForm(
        request.POST or None, campaign=campaign, initial=_initial(activity, forms.OutreachForm)
    )
    return _form_page(
        request,
        campaign,
        form,
        title=_("Correct outreach"),
        kind="outreach",
        save=lambda data: records.outreach_update(by=request.user, activity=activity, **data),
        done=_(FIGURES_FOLLOW),
        record=activity,
    )


@login_required
@require_http_methods(["GET", "POST"])
def outreach_remove(request, slug: str, pk: int):
    campaign = page_campaign(request, slug, Ability.MANAGE)
    activity = get_object_or_404(selectors.campaign_outreach(campaign=campaign), pk=pk)
    return _confirm_page(
        request,
        campaign,
        kind="outreach",
        title=_("Remove outreach"),
        question=_(
            "Remove this outreach record (%(channel)s, %(country)s, %(date)s, %(reach)s people "
            "reached)?"
        )
        % {
            "channel": activity.get_channel_display(),
            "country": activity.country.code,
            "date": date_format(activity.date),
            "reach": number_format(activity.reach, force_grouping=True),
        },
        consequences=[_("The campaign's figures will be recomputed.")],
        remove=lambda: records.outreach_remove(by=request.user, activity=activity),
        done=_("Outreach record removed. The campaign's figures follow in a few seconds."),
    )


# --- Country stages -------------------------------------------------------------------------


def _stage_form(request, campaign, *, record=None) -> forms.StageForm:
    return forms.StageForm(
        request.POST or None,
        campaign=campaign,
        history=list(campaign_country_history(campaign=campaign)),
        record_id=record.pk if record is not None else None,
        initial=_initial(record, forms.StageForm) if record is not None else None,
    )


@login_required
@require_http_methods(["GET", "POST"])
def stage_new(request, slug: str):
    campaign = page_campaign(request, slug, Ability.MANAGE)
    return _form_page(
        request,
        campaign,
        _stage_form(request, campaign),
        title=_("Record a country's stage"),
        kind="stages",
        save=lambda data: records.country_status_record(by=request.user, campaign=campaign, **data),
        done=_(FIGURES_FOLLOW),
    )


@login_required
@require_http_methods(["GET", "POST"])
def stage_edit(request, slug: str, pk: int):
    campaign = page_campaign(request, slug, Ability.MANAGE)
    status = get_object_or_404(selectors.campaign_stages(campaign=campaign), pk=pk)
    return _form_page(
        request,
        campaign,
        _stage_form(request, campaign, record=status),
        title=_("Correct a country's stage"),
        kind="stages",
        save=lambda data: records.country_status_update(by=request.user, status=status, **data),
        done=_(FIGURES_FOLLOW),
        record=status,
    )


def _stage_after_removal(campaign: Campaign, status: CountryStatus) -> str:
    """What removing a step does to where that country stands."""
    steps = [
        step
        for step in campaign_country_history(campaign=campaign)
        if step.country.code == status.country.code
    ]
    if steps[-1].pk != status.pk:  # an earlier step: the current stage stays
        return _("%(country)s stays at “%(stage)s”.") % {
            "country": status.country.name,
            "stage": steps[-1].get_stage_display(),
        }
    if len(steps) == 1:
        return _("%(country)s will then have no stage recorded.") % {"country": status.country.name}
    return _("%(country)s will then stand at “%(stage)s” (%(date)s).") % {
        "country": status.country.name,
        "stage": steps[-2].get_stage_display(),
        "date": date_format(steps[-2].date),
    }


@login_required
@require_http_methods(["GET", "POST"])
def stage_remove(request, slug: str, pk: int):
    campaign = page_campaign(request, slug, Ability.MANAGE)
    status = get_object_or_404(selectors.campaign_stages(campaign=campaign), pk=pk)
    return _confirm_page(
        request,
        campaign,
        kind="stages",
        title=_("Remove a country's stage"),
        question=_("Remove this step (%(country)s: %(stage)s, %(date)s)?")
        % {
            "country": status.country.name,
            "stage": status.get_stage_display(),
            "date": date_format(status.date),
        },
        consequences=[
            _stage_after_removal(campaign, status),
            _("The campaign's figures will be recomputed."),
        ],
        remove=lambda: records.country_status_remove(by=request.user, status=status),
        done=_("Step removed. The campaign's figures follow in a few seconds."),
    )


# --- Decision-makers ------------------------------------------------------------------------


def _decision_maker(campaign: Campaign, pk: int):
    """One of the campaign's organisation's decision-makers (they are the organisation's)."""
    return get_object_or_404(
        selectors.organisation_decision_makers(organisation_id=campaign.organisation_id), pk=pk
    )


@login_required
@require_http_methods(["GET", "POST"])
def decision_maker_new(request, slug: str):
    campaign = page_campaign(request, slug, Ability.MANAGE)
    return _form_page(
        request,
        campaign,
        forms.DecisionMakerForm(request.POST or None, campaign=campaign),
        title=_("Add a decision-maker"),
        kind="decision_makers",
        save=lambda data: records.decision_maker_create(
            by=request.user, organisation=campaign.organisation, **data
        ),
        done=_("Saved."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def decision_maker_edit(request, slug: str, pk: int):
    campaign = page_campaign(request, slug, Ability.MANAGE)
    decision_maker = _decision_maker(campaign, pk)
    form = forms.DecisionMakerForm(
        request.POST or None,
        campaign=campaign,
        initial=_initial(decision_maker, forms.DecisionMakerForm),
    )
    return _form_page(
        request,
        campaign,
        form,
        title=_("Correct a decision-maker"),
        kind="decision_makers",
        save=lambda data: records.decision_maker_update(
            by=request.user, decision_maker=decision_maker, **data
        ),
        done=_("Saved. The figures of the campaigns that engaged them follow in a few seconds."),
        record=decision_maker,
    )


@login_required
@require_http_methods(["GET", "POST"])
def decision_maker_remove(request, slug: str, pk: int):
    campaign = page_campaign(request, slug, Ability.MANAGE)
    decision_maker = _decision_maker(campaign, pk)
    counts = selectors.decision_maker_engagements(decision_maker=decision_maker)
    if counts.engagements:
        consequences = [
            ngettext(
                "Their %(n)d engagement is removed with them.",
                "Their %(n)d engagements are removed with them.",
                counts.engagements,
            )
            % {"n": counts.engagements},
            ngettext(
                "The figures of the %(n)d campaign they were engaged in will be recomputed.",
                "The figures of the %(n)d campaigns they were engaged in will be recomputed.",
                counts.campaigns,
            )
            % {"n": counts.campaigns},
        ]
    else:
        consequences = [_("They have no engagements recorded: no figure changes.")]
    return _confirm_page(
        request,
        campaign,
        kind="decision_makers",
        title=_("Remove a decision-maker"),
        question=_("Remove %(who)s (%(country)s) from %(organisation)s's decision-makers?")
        % {
            "who": forms.decision_maker_label(decision_maker),
            "country": decision_maker.country.name,
            "organisation": campaign.organisation.name,
        },
        consequences=consequences,
        remove=lambda: records.decision_maker_remove(
            by=request.user, decision_maker=decision_maker
        ),
        done=_("Decision-maker removed."),
    )


# --- Engagements ----------------------------------------------------------------------------


def _engagement_form(request, campaign, *, record=None) -> forms.EngagementForm:
    return forms.EngagementForm(
        request.POST or None,
        campaign=campaign,
        decision_makers=selectors.decision_makers_to_choose(
            organisation_id=campaign.organisation_id
        ),
        initial=_initial(record, forms.EngagementForm) if record is not None else None,
    )


@login_required
@require_http_methods(["GET", "POST"])
def engagement_new(request, slug: str):
    campaign = page_campaign(request, slug, Ability.MANAGE)
    return _form_page(
        request,
        campaign,
        _engagement_form(request, campaign),
        title=_("Record an engagement"),
        kind="engagements",
        save=lambda data: records.engagement_record(by=request.user, campaign=campaign, **data),
        done=_(FIGURES_FOLLOW),
    )


@login_required
@require_http_methods(["GET", "POST"])
def engagement_edit(request, slug: str, pk: int):
    campaign = page_campaign(request, slug, Ability.MANAGE)
    engagement = get_object_or_404(selectors.campaign_engagements(campaign=campaign), pk=pk)
    return _form_page(
        request,
        campaign,
        _engagement_form(request, campaign, record=engagement),
        title=_("Correct an engagement"),
        kind="engagements",
        save=lambda data: records.engagement_update(by=request.user, engagement=engagement, **data),
        done=_(FIGURES_FOLLOW),
        record=engagement,
    )


@login_required
@require_http_methods(["GET", "POST"])
def engagement_remove(request, slug: str, pk: int):
    campaign = page_campaign(request, slug, Ability.MANAGE)
    engagement = get_object_or_404(selectors.campaign_engagements(campaign=campaign), pk=pk)
    return _confirm_page(
        request,
        campaign,
        kind="engagements",
        title=_("Remove an engagement"),
        question=_("Remove this engagement (%(kind)s with %(who)s, %(date)s: %(stance)s)?")
        % {
            "kind": engagement.get_kind_display(),
            "who": engagement.decision_maker.name,
            "date": date_format(engagement.date),
            "stance": engagement.get_stance_display(),
        },
        consequences=[
            _("The decision-maker's stance on this campaign becomes their previous one."),
            _("The campaign's figures will be recomputed."),
        ],
        remove=lambda: records.engagement_remove(by=request.user, engagement=engagement),
        done=_("Engagement removed. The campaign's figures follow in a few seconds."),
    )


# --- Every record of one kind ---------------------------------------------------------------

_LIST_TITLES = {
    "outreach": gettext_noop("Outreach"),
    "stages": gettext_noop("Country stages"),
    "engagements": gettext_noop("Engagements"),
    "decision_makers": gettext_noop("Decision-makers"),
}


@login_required
def record_list(request, slug: str, kind: str):
    """Every record of one kind, most recent first, 50 a page."""
    campaign = page_campaign(request, slug, Ability.FOLLOW)
    return render(
        request,
        "dashboard/records.html",
        {
            "campaign": campaign,
            "kind": kind,
            "title": _(_LIST_TITLES[kind]),
            "page": selectors.campaign_records_page(
                campaign=campaign, kind=kind, page=request.GET.get("page")
            ),
            "can_manage": access.can(request.user, campaign.organisation_id, Ability.MANAGE),
        },
    )

"""The organisers' home and each campaign's page: figures from the tallies (and, for a
coalition partner, its own share, whose goal its owners and organisers set there)."""

import dataclasses

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campaigns import access, partners
from campaigns.access import Ability
from campaigns.models import CampaignPartner, Stance
from core.errors import DomainError
from dashboard import charts, forms, selectors
from dashboard.views.common import page_campaign
from dashboard.views.partners import partner_share_links
from signatures.models import Collector
from tallies.selectors import campaign_tally_of


@login_required
def home(request):
    campaigns = [
        (campaign, campaign_tally_of(campaign))
        for campaign in selectors.campaigns_for(request.user)
    ]
    own_collectors = Collector.objects.filter(user=request.user, active=True)
    if not campaigns and own_collectors.exists():
        return redirect("dashboard:me")
    return render(
        request,
        "dashboard/home.html",
        {
            "campaigns": campaigns,
            "organisations": [
                (
                    organisation,
                    access.can(request.user, organisation.id, Ability.SEE_SIGNERS),
                    access.can(request.user, organisation.id, Ability.MANAGE_MEMBERS),
                )
                for organisation in selectors.organisations_for(request.user)
            ],
            "has_collector_page": own_collectors.exists(),
            # Coalition invitations waiting for an owner's answer.
            "partner_invitations": partners.invitations_for(request.user),
        },
    )


@login_required
def campaign(request, slug: str):
    campaign = page_campaign(request, slug, Ability.FOLLOW, partners=True)
    return _campaign_page(request, campaign)


def _campaign_page(
    request, campaign, *, goal_form=None, partner_id: int | None = None, status: int = 200
):
    """The campaign's page; `partner_id`: for the active partnership a form was posted for
    (one of the user's, who may belong to several partners), else the one they act through."""
    country = request.GET.get("country", "")
    stance = request.GET.get("stance", "")
    if partner_id not in access.active_partner_ids(campaign):
        partner_id = access.acting_partner(request.user, campaign)
    figures = selectors.campaign_figures(
        campaign=campaign, user=request.user, country=country, stance=stance, partner_id=partner_id
    )
    # Seen by a coalition partner's member: which partnership, and what it hands out.
    as_partner = (
        next((p for p in partners.partners_of(campaign) if p.organisation_id == partner_id), None)
        if partner_id
        else None
    )
    partner_links = (
        partner_share_links(request, campaign, as_partner.organisation.slug) if as_partner else None
    )
    # A partner's owners and organisers set its own goal for its share.
    if as_partner is None or not access.can(request.user, partner_id, Ability.MANAGE):
        goal_form = None
    elif goal_form is None:
        goal_form = forms.PartnerGoalForm(initial={"goal": as_partner.goal})
    context = {
        **{field.name: getattr(figures, field.name) for field in dataclasses.fields(figures)},
        "campaign": campaign,
        "as_partner": as_partner,
        "partner_owner": partner_id is not None
        and access.can(request.user, partner_id, Ability.MANAGE_MEMBERS),
        "partner_links": partner_links,
        "goal_form": goal_form,
        "stances": Stance.choices,
        "filter_country": country,
        "filter_stance": stance,
        "daily_chart": charts.columns(figures.daily, title=_("Confirmed signatures per day")),
        "country_chart": charts.bars(figures.by_country, title=_("Signatures by country")),
        "source_chart": charts.bars(figures.by_source, title=_("Signatures by source")),
        "reach_channel_chart": charts.bars(
            figures.reach_channels, title=_("People reached by channel")
        ),
        "reach_month_chart": charts.columns(
            figures.reach_months, title=_("People reached per month"), label_every=1
        ),
    }
    if figures.board is not None:
        context["board_chart"] = charts.bars(
            [(c.name, n) for c, n in figures.board[:10]], title=_("Signatures by collector")
        )
    return render(request, "dashboard/campaign.html", context, status=status)


@login_required
@require_POST
def partner_goal(request, slug: str, org: str):
    """A coalition partner's owners and organisers set its own goal for its share, from its
    view of the campaign (empty: no goal). A goal that is no goal shows that page again, the
    error on the field."""
    partnership = (
        CampaignPartner.objects.filter(campaign__slug=slug, organisation__slug=org)
        .select_related("organisation")
        .first()
    )
    if partnership is None or not access.can(
        request.user, partnership.organisation_id, Ability.BELONG
    ):
        raise Http404  # not theirs to know of
    if not access.can(request.user, partnership.organisation_id, Ability.MANAGE):
        raise PermissionDenied
    campaign = page_campaign(request, slug, Ability.FOLLOW, partners=True)  # still a partner
    form = forms.PartnerGoalForm(request.POST)
    if not form.is_valid():
        return _campaign_page(
            request,
            campaign,
            goal_form=form,
            partner_id=partnership.organisation_id,
            status=400,
        )
    goal = form.cleaned_data["goal"]
    organisation = partnership.organisation
    try:
        partners.partner_goal_set(
            by=request.user, campaign=campaign, organisation=organisation, goal=goal
        )
    except DomainError as error:
        if error.status == 403:
            raise PermissionDenied from error
        messages.error(request, error.message)
        return redirect("dashboard:home")
    if goal is None:
        message = _("%(name)s has no goal of its own now.") % {"name": organisation.name}
    else:
        message = _("The goal of %(name)s is %(goal)s signatures.") % {
            "name": organisation.name,
            "goal": number_format(goal, force_grouping=True),
        }
    messages.success(request, message)
    return redirect("dashboard:campaign", campaign.slug)

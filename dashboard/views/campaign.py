"""The organisers' home and each campaign's page: figures from the tallies."""

import dataclasses

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from campaigns import access, partners
from campaigns.access import Ability
from campaigns.models import Stance
from dashboard import charts, selectors
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
    country = request.GET.get("country", "")
    stance = request.GET.get("stance", "")
    figures = selectors.campaign_figures(
        campaign=campaign, user=request.user, country=country, stance=stance
    )
    partner_id = access.acting_partner(request.user, campaign)
    # Seen by a coalition partner's member: which partnership, and what it hands out.
    as_partner = (
        next((p for p in partners.partners_of(campaign) if p.organisation_id == partner_id), None)
        if partner_id
        else None
    )
    partner_links = (
        partner_share_links(request, campaign, as_partner.organisation.slug) if as_partner else None
    )
    context = {
        **{field.name: getattr(figures, field.name) for field in dataclasses.fields(figures)},
        "campaign": campaign,
        "as_partner": as_partner,
        "partner_owner": partner_id is not None
        and access.can(request.user, partner_id, Ability.MANAGE_MEMBERS),
        "partner_links": partner_links,
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
    return render(request, "dashboard/campaign.html", context)

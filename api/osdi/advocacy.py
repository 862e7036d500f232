"""OSDI advocacy campaigns and their outreaches (engagements with decision-makers, read-only)."""

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from rest_framework.response import Response

from api.osdi import hal
from api.osdi.base import OSDIView, filterable
from api.osdi.petitions import _visible_campaigns
from campaigns import access
from campaigns.access import Ability
from campaigns.models import Campaign, Engagement

CAMPAIGNS = filterable("advocacy_campaign")
OUTREACHES = filterable("outreach", modified="created")

# --- Advocacy campaigns and their outreaches (engagements, read-only) ------------------------


def _advocacy_campaigns(request, campaigns: list[Campaign]) -> list[dict]:
    ids = [c.id for c in campaigns]
    targets = hal.campaign_targets(ids)
    outreaches = hal.campaign_outreach_counts(ids)
    return [
        hal.advocacy_campaign(request, c, targets[c.id], outreaches.get(c.id, 0)) for c in campaigns
    ]


class AdvocacyCampaigns(OSDIView):
    def get(self, request):
        campaigns = self.filtered(_visible_campaigns(request), CAMPAIGNS)
        return self.collection(
            campaigns,
            "osdi:advocacy_campaigns",
            represent_page=lambda page: _advocacy_campaigns(request, page),
        )


class AdvocacyCampaignDetail(OSDIView):
    def get(self, request, pk):
        campaign = get_object_or_404(_visible_campaigns(request), id=pk)
        return Response(_advocacy_campaigns(request, [campaign])[0])


def _engagements(view, pk) -> QuerySet:
    view.require_token()
    campaign = get_object_or_404(_visible_campaigns(view.request), id=pk)
    if not access.can(view.request.user, campaign.organisation_id, Ability.BELONG):
        raise Http404
    return Engagement.objects.filter(campaign=campaign).select_related("decision_maker")


class Outreaches(OSDIView):
    def get(self, request, pk):
        engagements = self.filtered(_engagements(self, pk).order_by("id"), OUTREACHES)
        return self.collection(engagements, "osdi:outreaches", lambda e: hal.outreach(request, e))


class OutreachDetail(OSDIView):
    def get(self, request, pk, oid):
        return Response(hal.outreach(request, get_object_or_404(_engagements(self, pk), id=oid)))

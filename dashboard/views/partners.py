"""Coalitions on the dashboard: the lead's owners choose a campaign's partners; a partner's
owners accept or decline an invitation and may leave (its own goal is set on its view of the
campaign, dashboard.views.campaign). Every step goes through campaigns.partners, which keeps
the audit log."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from campaigns import access, partners
from campaigns.access import Ability
from campaigns.models import Campaign, CampaignPartner
from core.errors import DomainError
from dashboard import forms
from dashboard.views.common import apply_errors, page_campaign
from signatures.embed import embed_snippet


@dataclass(frozen=True)
class PartnerLinks:
    """What a partner hands out: its link to the petition and its embed snippet."""

    link: str
    embed_snippet: str


def partner_share_links(request, campaign: Campaign, partner_slug: str) -> PartnerLinks:
    query = "?" + urlencode({"partner": partner_slug})
    link = request.build_absolute_uri(reverse("public:campaign", args=[campaign.slug]) + query)
    embed = request.build_absolute_uri(reverse("public:embed", args=[campaign.slug]) + query)
    return PartnerLinks(link, embed_snippet(embed_url=embed, title=campaign.title))


@login_required
@require_http_methods(["GET", "POST"])
def campaign_partners(request, slug: str):
    """The lead's owners: who partners in the campaign, inviting one more, taking one off
    (after a confirmation)."""
    campaign = page_campaign(request, slug, Ability.FOLLOW)
    is_owner = access.can(request.user, campaign.organisation_id, Ability.MANAGE_MEMBERS)
    form = forms.PartnerInviteForm(request.POST or None)
    confirm = None
    status = 200
    if request.method == "POST":
        if not is_owner:
            raise PermissionDenied
        current = [p.organisation.slug for p in partners.partners_of(campaign)]
        removing = request.POST.get("remove", "")
        if removing:
            if removing not in current:
                raise Http404
            if request.POST.get("confirmed") != "yes":
                confirm = next(
                    p for p in partners.partners_of(campaign) if p.organisation.slug == removing
                )
            else:
                partners.partners_set(
                    by=request.user, campaign=campaign, slugs=[s for s in current if s != removing]
                )
                messages.success(request, _("The partner no longer takes part in the campaign."))
                return redirect("dashboard:campaign-partners", campaign.slug)
        elif form.is_valid():
            slug_added = form.cleaned_data["organisation"]
            try:
                rows = partners.partners_set(
                    by=request.user, campaign=campaign, slugs=[*current, slug_added]
                )
            except ValidationError as error:
                apply_errors(
                    form, ValidationError({"organisation": error.message_dict["partners"]})
                )
                status = 400
            else:
                added = next(p for p in rows if p.organisation.slug == slug_added)
                if added.status == CampaignPartner.Status.ACTIVE:
                    messages.success(
                        request, _("%(name)s is a partner now.") % {"name": added.organisation.name}
                    )
                else:
                    messages.success(
                        request,
                        _("%(name)s is invited: one of its owners accepts on their dashboard.")
                        % {"name": added.organisation.name},
                    )
                return redirect("dashboard:campaign-partners", campaign.slug)
        else:
            status = 400
    return render(
        request,
        "dashboard/partners.html",
        {
            "campaign": campaign,
            "partners": [
                (p, partner_share_links(request, campaign, p.organisation.slug))
                for p in partners.partners_of(campaign)
            ],
            "form": form,
            "is_owner": is_owner,
            "confirm": confirm,
        },
        status=status,
    )


def _invitation(request, slug: str, org: str) -> tuple[Campaign, CampaignPartner]:
    row = (
        CampaignPartner.objects.filter(campaign__slug=slug, organisation__slug=org)
        .select_related("campaign", "campaign__organisation", "organisation")
        .first()
    )
    if row is None or not access.can(request.user, row.organisation_id, Ability.BELONG):
        raise Http404
    return row.campaign, row


@login_required
@require_POST
def partner_answer(request, slug: str, org: str):
    """A partner's owner accepts the invitation, declines it, or leaves the coalition."""
    campaign, row = _invitation(request, slug, org)
    if not access.can(request.user, row.organisation_id, Ability.MANAGE_MEMBERS):
        raise PermissionDenied
    answer = request.POST.get("answer", "")
    try:
        if answer == "accept":
            partners.partner_accept(
                by=request.user, campaign=campaign, organisation=row.organisation
            )
            messages.success(
                request,
                _("%(name)s now takes part in “%(campaign)s”.")
                % {"name": row.organisation.name, "campaign": campaign.title},
            )
            return redirect("dashboard:campaign", campaign.slug)
        active = row.status == CampaignPartner.Status.ACTIVE
        if answer == "leave" and active and request.POST.get("confirmed") != "yes":
            return render(
                request,
                "dashboard/confirm.html",
                {
                    "campaign": campaign,
                    "title": _("Leave the coalition"),
                    "question": _("Should %(name)s leave “%(campaign)s”?")
                    % {"name": row.organisation.name, "campaign": campaign.title},
                    "consequences": [
                        _(
                            "Its members will no longer see the campaign or its signers. "
                            "The signatures that came through it stay counted, with the lead."
                        )
                    ],
                    "button": _("Yes, leave"),
                    "cancel_url": reverse("dashboard:campaign", args=[campaign.slug]),
                    "hidden": [("answer", "leave"), ("confirmed", "yes")],
                },
            )
        if answer == "leave":
            partners.partner_leave(
                by=request.user, campaign=campaign, organisation=row.organisation
            )
            messages.success(
                request,
                _("%(name)s no longer takes part in “%(campaign)s”.")
                % {"name": row.organisation.name, "campaign": campaign.title},
            )
            return redirect("dashboard:home")
    except DomainError as error:
        if error.status == 403:
            raise PermissionDenied from error
        messages.error(request, error.message)
        return redirect("dashboard:home")
    raise Http404

"""Collectors: their links and QR codes, a collector's own page, the paper sheet."""

import io
from dataclasses import dataclass
from urllib.parse import quote, urlencode

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from campaigns import access
from campaigns.access import Ability
from campaigns.models import Campaign, Organisation
from campaigns.selectors import campaign_content
from dashboard import forms, selectors
from dashboard.views.common import apply_errors, page_campaign
from signatures import imports
from signatures.collectors import collector_create, collector_update
from signatures.models import Collector
from signatures.selectors import consent_text_current_text
from tallies.selectors import campaign_tally_of

# --- Collectors, paper sheets ---------------------------------------------------------------


def _collector_link(request, campaign: Campaign, collector: Collector) -> str:
    """The collector's link; a coalition partner's collector's names the partner too, so the
    signatures are the partner's (and the code is looked up among its collectors)."""
    query = {"ref": collector.code}
    if collector.organisation_id != campaign.organisation_id:
        query = {"partner": collector.organisation.slug, **query}
    return request.build_absolute_uri(
        reverse("public:campaign", args=[campaign.slug]) + "?" + urlencode(query)
    )


def _collectors_organisation(request, campaign: Campaign):
    """Whose collectors the page manages: the lead's, for its owners and organisers; a
    coalition partner's, for the partner's. Anyone else may not."""
    if access.can(request.user, campaign.organisation_id, Ability.MANAGE):
        return campaign.organisation
    partner = access.acting_partner(request.user, campaign)
    if partner is not None and access.can(request.user, partner, Ability.MANAGE):
        return Organisation.objects.get(id=partner)
    raise PermissionDenied


@dataclass(frozen=True)
class Share:
    """A collector's link, and the plain links that share it where the phone has no share
    sheet (static/js/share.js adds the copy button and the phone's own share sheet)."""

    url: str
    title: str
    text: str
    label: str  # whose link it is, for screen readers ("Copy link of Rosa Apaza")

    @property
    def whatsapp(self) -> str:
        return f"https://wa.me/?text={quote(f'{self.text} {self.url}')}"

    @property
    def email(self) -> str:
        body = f"{self.text}\n\n{self.url}"
        return f"mailto:?{urlencode({'subject': self.title, 'body': body}, quote_via=quote)}"


def _share(request, campaign: Campaign, collector: Collector) -> Share:
    return Share(
        url=_collector_link(request, campaign, collector),
        title=campaign.title,
        text=_("Sign the petition “%(title)s”:") % {"title": campaign.title},
        label=collector.name,
    )


@dataclass(frozen=True)
class CollectorRow:
    collector: Collector
    count: int
    share: Share
    synced: int = 0  # new signatures sent from the field app


def _code_taken_on_its_field(error: ValidationError) -> ValidationError:
    """The database's unique (organisation, code) speaks of the whole record ("Collector with
    this Organisation and Code already exists"); say it by the field the organiser can fix."""
    if not hasattr(error, "error_dict"):
        return error
    whole = error.error_dict.get(NON_FIELD_ERRORS, [])
    others = [e for e in whole if "code" not in (e.params or {}).get("unique_check", ())]
    if len(others) == len(whole):
        return error
    fields = {k: v for k, v in error.error_dict.items() if k != NON_FIELD_ERRORS}
    fields.setdefault("code", []).append(
        ValidationError(
            _("Another collector of this organisation already has this code: choose another."),
            code="unique",
        )
    )
    if others:
        fields[NON_FIELD_ERRORS] = others
    return ValidationError(fields)


def _collectors_page(request, campaign: Campaign, *, form, organisation, confirm=None, status=200):
    tally = campaign_tally_of(campaign)
    synced = selectors.collector_synced(campaign=campaign)
    rows = [
        CollectorRow(c, n, _share(request, campaign, c), synced.get(c.id, 0))
        for c, n in selectors.collector_board(campaign=campaign, tally=tally, user=request.user)
        if isinstance(c, Collector) and c.organisation_id == organisation.id
    ]
    rows.sort(key=lambda row: not row.collector.active)  # stable: by count within each
    return render(
        request,
        "dashboard/collectors.html",
        {
            "campaign": campaign,
            "organisation": organisation,
            "rows": rows,
            "form": form,
            "confirm": confirm,
            "can_manage": True,  # page_campaign(..., MANAGE) let only managers in
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def collectors(request, slug: str):
    # Collector figures are for the organisers (as in the API's stats), who also add collectors.
    campaign = page_campaign(request, slug, Ability.BELONG, partners=True)
    organisation = _collectors_organisation(request, campaign)
    form = forms.CollectorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            collector = collector_create(
                by=request.user, organisation=organisation, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, _code_taken_on_its_field(error))
        else:
            messages.success(request, _("Collector added: %(name)s.") % {"name": collector.name})
            return redirect(_collector_anchor(campaign, collector))
    return _collectors_page(
        request,
        campaign,
        form=form,
        organisation=organisation,
        status=400 if form.errors else 200,
    )


def _collector_anchor(campaign: Campaign, collector: Collector) -> str:
    return reverse("dashboard:collectors", args=[campaign.slug]) + f"#collector-{collector.code}"


@login_required
@require_POST
def collector_active(request, slug: str, code: str):
    """Deactivate a collector's link (after a confirmation: signatures made through it from
    then on are no longer credited to them) or reactivate it. What they collected stays."""
    campaign = page_campaign(request, slug, Ability.BELONG, partners=True)
    organisation = _collectors_organisation(request, campaign)
    collector = get_object_or_404(Collector, organisation=organisation, code=code)
    active = request.POST.get("active")
    if active not in ("true", "false"):
        return HttpResponseBadRequest()
    if active == "false" and request.POST.get("confirmed") != "yes":
        return _collectors_page(
            request,
            campaign,
            form=forms.CollectorForm(),
            organisation=organisation,
            confirm=collector,
        )
    collector_update(by=request.user, collector=collector, active=active == "true")
    if active == "true":
        message = _("%(name)s's link is active again.")
    else:
        message = _("%(name)s's link is deactivated. The signatures already collected stay theirs.")
    messages.success(request, message % {"name": collector.name})
    return redirect(_collector_anchor(campaign, collector))


@login_required
def collector_qr(request, slug: str, code: str):
    campaign = page_campaign(request, slug, Ability.BELONG, partners=True)
    # The lead's collectors, or a coalition partner's own for the partner's members.
    organisation_id = access.acting_partner(request.user, campaign) or campaign.organisation_id
    collector = get_object_or_404(
        Collector.objects.select_related("organisation"), organisation_id=organisation_id, code=code
    )
    if (
        access.is_only_collector(request.user, organisation_id)
        and collector.user_id != request.user.id
    ):
        raise PermissionDenied
    qr = segno.make(_collector_link(request, campaign, collector), error="m")
    svg = io.BytesIO()
    qr.save(svg, kind="svg", scale=6, border=2, dark="#1d2430", title=collector.name)
    response = HttpResponse(svg.getvalue(), content_type="image/svg+xml")
    response["Content-Disposition"] = f'inline; filename="{collector.code}.svg"'
    return response


@dataclass(frozen=True)
class MyCampaign:
    campaign: Campaign
    count: int
    share: Share


@login_required
def me(request):
    """A collector's own page: their link, QR code and count for each campaign. A link the
    organisers deactivated stays listed, with its count, but is no longer handed out."""
    profiles = []
    for collector in (
        Collector.objects.filter(user=request.user)
        .select_related("organisation")
        .order_by("-active", "organisation__name")
    ):
        campaigns = [
            MyCampaign(campaign, count, _share(request, campaign, collector))
            for campaign, count in selectors.collector_counts(collector=collector)
            if campaign.is_public
        ]
        campaigns.sort(key=lambda item: not item.campaign.is_open)
        profiles.append((collector, campaigns))
    return render(request, "dashboard/me.html", {"profiles": profiles})


@login_required
def sheet(request, slug: str):
    """A paper sheet to print: the petition, the consent text and numbered rows; with
    `?collector=<code>`, the collector's name and code printed on it (a collector: their own)."""
    campaign = page_campaign(request, slug, Ability.BELONG, partners=True)
    language = request.LANGUAGE_CODE
    collector = None
    organisation_id = access.acting_partner(request.user, campaign) or campaign.organisation_id
    if code := request.GET.get("collector", ""):
        found = Collector.objects.filter(organisation_id=organisation_id, code=code[:40])
        if access.is_only_collector(request.user, organisation_id):
            found = found.filter(user=request.user)
        collector = found.first()
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
            "phone_column": "phone" in imports.sheet_columns(campaign),
            "collector": collector,
        },
    )

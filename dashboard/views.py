"""The organisers' pages. Every figure comes from the tallies; every change goes through the
same services as the API; every page asks campaigns.access who may see it."""

import io
import json

import segno
from django.contrib import messages
from django.contrib.auth import logout as sign_out
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_countries import countries

from campaigns import access, services
from campaigns.access import Ability
from campaigns.models import Campaign, Membership, Organisation, OutreachActivity, Stance
from campaigns.selectors import campaign_content
from core.errors import DomainError
from dashboard import charts, forms, selectors
from signatures import imports, rights
from signatures.collectors import collector_create, member_remove
from signatures.exports import signatures_csv_response
from signatures.models import Collector, ImportJob, Signature
from signatures.selectors import consent_text_current_text, import_visible, own_collector
from signatures.services import signature_set_status
from tallies.selectors import campaign_tally_of, milestones_of, with_tally


def _campaign(request, slug: str, ability: Ability) -> Campaign:
    """access.campaign_for, as the dashboard asks it: its pages are for members, so to anyone
    else a campaign they cannot open does not exist (404), and the tally comes along."""
    return access.campaign_for(
        request.user,
        slug,
        ability,
        queryset=with_tally(Campaign.objects.select_related("organisation")),
        members_only=True,
    )


def _organisation(request, slug: str, ability: Ability) -> Organisation:
    return access.organisation_for(request.user, slug, ability, members_only=True)


def _apply_errors(form, error: ValidationError) -> None:
    for field, messages_ in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages_)


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
        },
    )


@login_required
def campaign(request, slug: str):
    campaign = _campaign(request, slug, Ability.FOLLOW)
    tally = campaign_tally_of(campaign)
    country = request.GET.get("country", "")
    stance = request.GET.get("stance", "")
    by_country = sorted(
        ((countries.name(code) or code, n) for code, n in tally.by_country.items()),
        key=lambda item: -item[1],
    )
    sources = dict(Signature.Source.choices)
    by_source = sorted(
        ((sources.get(code, code), n) for code, n in tally.by_source.items()),
        key=lambda item: -item[1],
    )
    reach = tally.reach or {}
    channels = dict(OutreachActivity.Channel.choices)
    daily = selectors.daily_series(tally.by_day)
    can_see_signers = access.can(request.user, campaign.organisation_id, Ability.SEE_SIGNERS)
    reach_channels = sorted(
        ((channels.get(c, c), n) for c, n in (reach.get("by_channel") or {}).items()),
        key=lambda item: -item[1],
    )
    reach_countries = sorted(
        ((countries.name(c) or c, n) for c, n in (reach.get("by_country") or {}).items()),
        key=lambda item: -item[1],
    )
    reach_months = sorted((reach.get("by_month") or {}).items())
    context = {
        "campaign": campaign,
        "tally": tally,
        "can_manage": access.can(request.user, campaign.organisation_id, Ability.MANAGE),
        "can_see_signers": can_see_signers,
        "projection": selectors.campaign_projection(campaign=campaign, tally=tally),
        "daily": daily,
        "daily_chart": charts.columns(daily, title=_("Confirmed signatures per day")),
        "by_country": by_country,
        "country_chart": charts.bars(by_country, title=_("Signatures by country")),
        "by_source": by_source,
        "source_chart": charts.bars(by_source, title=_("Signatures by source")),
        "reach": reach,
        "reach_channels": reach_channels,
        "reach_channel_chart": charts.bars(reach_channels, title=_("People reached by channel")),
        "reach_countries": reach_countries,
        "reach_months": reach_months,
        "reach_month_chart": charts.columns(
            reach_months, title=_("People reached per month"), label_every=1
        ),
        "decision_makers": tally.decision_makers or {},
        "stance_counts": [
            (value, label, (tally.decision_makers or {}).get("by_stance", {}).get(value, 0))
            for value, label in Stance.choices
        ],
        "dm_board": selectors.decision_maker_board(
            campaign=campaign, country=country, stance=stance
        ),
        "stances": Stance.choices,
        "filter_country": country,
        "filter_stance": stance,
        "dm_countries": sorted({c.code for c in campaign.countries}),
        "timeline": selectors.stage_timeline(campaign=campaign),
        "milestones": milestones_of(campaign),
    }
    if can_see_signers:  # the page shows collectors to those who may see signers only
        board = selectors.collector_board(campaign=campaign, tally=tally)
        context["board"] = board
        context["board_chart"] = charts.bars(
            [(c.name, n) for c, n in board[:10]], title=_("Signatures by collector")
        )
    return render(request, "dashboard/campaign.html", context)


def _record(request, campaign: Campaign, form_class, service, title, **form_kwargs):
    form = form_class(request.POST or None, **form_kwargs)
    if request.method == "POST" and form.is_valid():
        try:
            service(campaign, form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
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
        _campaign(request, slug, Ability.MANAGE),
        forms.OutreachForm,
        lambda campaign, data: services.outreach_record(by=request.user, campaign=campaign, **data),
        _("Record outreach"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def stage_new(request, slug: str):
    return _record(
        request,
        _campaign(request, slug, Ability.MANAGE),
        forms.StageForm,
        lambda campaign, data: services.country_status_record(
            by=request.user, campaign=campaign, **data
        ),
        _("Record a country's stage"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def decision_maker_new(request, slug: str):
    return _record(
        request,
        _campaign(request, slug, Ability.MANAGE),
        forms.DecisionMakerForm,
        lambda campaign, data: services.decision_maker_create(
            by=request.user, organisation=campaign.organisation, **data
        ),
        _("Add a decision-maker"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def engagement_new(request, slug: str):
    campaign = _campaign(request, slug, Ability.MANAGE)
    return _record(
        request,
        campaign,
        forms.EngagementForm,
        lambda campaign, data: services.engagement_record(
            by=request.user, campaign=campaign, **data
        ),
        _("Record an engagement"),
        organisation=campaign.organisation,
    )


# --- Collectors, paper sheets ---------------------------------------------------------------


def _collector_link(request, campaign: Campaign, collector: Collector) -> str:
    return request.build_absolute_uri(
        reverse("public:campaign", args=[campaign.slug]) + f"?ref={collector.code}"
    )


@login_required
@require_http_methods(["GET", "POST"])
def collectors(request, slug: str):
    # Collector figures are for the organisers (as in the API's stats), who also add collectors.
    campaign = _campaign(request, slug, Ability.MANAGE)
    form = forms.CollectorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            collector_create(
                by=request.user, organisation=campaign.organisation, **form.cleaned_data
            )
        except ValidationError as error:
            _apply_errors(form, error)
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
            "can_manage": True,  # _campaign(..., MANAGERS) let only managers in
        },
        status=400 if form.errors else 200,
    )


@login_required
def collector_qr(request, slug: str, code: str):
    campaign = _campaign(request, slug, Ability.BELONG)
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
    campaign = _campaign(request, slug, Ability.BELONG)
    language = request.LANGUAGE_CODE
    return render(
        request,
        "dashboard/sheet.html",
        {
            "campaign": campaign,
            "content": campaign_content(campaign=campaign, language=language),
            "consent_text": consent_text_current_text(language=language),
            "rows": range(1, 21),
        },
    )


# --- Import, export -----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def import_csv(request, slug: str):
    campaign = _campaign(request, slug, Ability.IMPORT)
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
            _apply_errors(form, error)
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
    return signatures_csv_response(_campaign(request, slug, Ability.SEE_SIGNERS))


@login_required
@require_http_methods(["GET", "POST"])
def signatures(request, slug: str):
    """Recent signatures, to review: reject a bot, restore a rejected person."""
    campaign = _campaign(request, slug, Ability.SEE_SIGNERS)
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


# --- Signers' rights, members ------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def signers(request, org: str):
    organisation = _organisation(request, org, Ability.SEE_SIGNERS)
    form = forms.SignerForm(request.POST or request.GET or None)
    found = None
    if form.is_valid():
        email = form.cleaned_data["email"]
        if request.method == "POST":
            erased = rights.signer_erase(by=request.user, organisation=organisation, email=email)
            messages.success(
                request,
                _("%(n)d signatures erased. They stay counted, anonymously.") % {"n": erased},
            )
            return redirect("dashboard:signers", organisation.slug)
        found = rights.signer_signatures(organisation=organisation, email=email)
    return render(
        request,
        "dashboard/signers.html",
        {"organisation": organisation, "form": form, "found": found},
    )


@login_required
def signer_export(request, org: str):
    organisation = _organisation(request, org, Ability.SEE_SIGNERS)
    form = forms.SignerForm(request.GET)
    if not form.is_valid():
        return HttpResponse(status=400)
    email = form.cleaned_data["email"]
    body = {
        "email": email,
        "organisation": organisation.name,
        "exported_at": timezone.now().isoformat(),
        "signatures": rights.signer_export(organisation=organisation, email=email),
    }
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="signer.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def members(request, org: str):
    organisation = _organisation(request, org, Ability.MANAGE_MEMBERS)
    member_form = forms.MemberForm(request.POST if "username" in request.POST else None)
    retention_form = forms.RetentionForm(
        request.POST if "retention" in request.POST else None,
        initial={"retention_months": organisation.retention_months},
    )
    if request.method == "POST":
        try:
            if "remove" in request.POST:
                member_remove(
                    by=request.user, organisation=organisation, user_id=int(request.POST["remove"])
                )
            elif "retention" in request.POST and retention_form.is_valid():
                services.organisation_set_retention(
                    by=request.user,
                    organisation=organisation,
                    months=retention_form.cleaned_data["retention_months"],
                )
            elif member_form.is_valid():
                services.member_set(
                    by=request.user, organisation=organisation, **member_form.cleaned_data
                )
            else:
                raise ValidationError({})
        except (ValidationError, ValueError) as error:
            if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
                _apply_errors(member_form, error)
            messages.error(request, _("That change is not possible."))
        else:
            messages.success(request, _("Saved."))
            return redirect("dashboard:members", organisation.slug)
    return render(
        request,
        "dashboard/members.html",
        {
            "organisation": organisation,
            "memberships": Membership.objects.filter(organisation=organisation)
            .select_related("user")
            .order_by("role", "user__username"),
            "member_form": member_form,
            "retention_form": retention_form,
        },
    )


@require_POST
def logout(request):
    sign_out(request)
    return redirect("dashboard:login")

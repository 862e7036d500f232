"""Creating and editing a campaign from the dashboard — its fields, translations, consent
texts and lifecycle — through the same services as the API, and a preview of its public page.

Who may do what: creating and editing need Ability.MANAGE (owners and organisers); the
preview needs Ability.FOLLOW, so a viewer can proofread a draft before it opens.
"""

import copy

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from campaigns import access
from campaigns.access import Ability
from campaigns.models import RESERVED_SLUGS, Campaign, Organisation
from campaigns.selectors import (
    campaign_content,
    campaign_country_stages,
    campaign_other_languages,
    sign_form_countries,
)
from campaigns.services import campaign_create, campaign_update
from core.errors import NotAllowed
from dashboard import forms
from dashboard.views.common import apply_errors, page_campaign
from signatures.consent import PRIVACY_NOTE
from signatures.embed import embed_snippet
from signatures.models import ConsentText
from signatures.selectors import (
    consent_text_current,
    consent_text_for_page,
    consent_texts_of,
)
from signatures.services import consent_text_create
from tallies.selectors import campaign_signature_count


def _managed_organisations(user):
    return Organisation.objects.filter(
        access.organisation_filter(user, Ability.MANAGE, field="id")
    ).order_by("name")


def _free_slug(title: str) -> str:
    """The title as an address no campaign has yet: `ratify-c189`, else `ratify-c189-2`…"""
    base = slugify(title)[:72].strip("-_") or "campaign"
    taken = set(Campaign.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    taken |= RESERVED_SLUGS
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _both_valid(form, translations, *, default_language: str) -> bool:
    """The campaign's fields, then its translations, which must not repeat the first
    language as the form now gives it (the language the campaign's own texts are in)."""
    form_valid = form.is_valid()
    if form_valid:
        translations.content_language = (form.cleaned_data["languages"] or [default_language])[0]
    return translations.is_valid() and form_valid


def _with_translated_languages(
    languages: list[str], changes: dict, *, default_language: str
) -> tuple[list[str], list[str]]:
    """The campaign's languages with those of saved translations added at the end (the
    public page offers a translation only in a language the campaign lists), and those added.
    With no language given, the first stays the default one, not a translation's."""
    listed = {code.lower() for code in languages}
    added = [code for code, texts in changes.items() if texts and code.lower() not in listed]
    if added and not languages:
        languages = [default_language]
    return [*languages, *added], added


def _show_errors(error: ValidationError, form) -> None:
    """A service's refusal, on the field it is about (above the form when no field is)."""
    if hasattr(error, "error_dict"):
        apply_errors(form, error)
    else:
        form.add_error(None, error.messages)


def _say_languages_added(request, added: list[str]) -> None:
    if added:
        messages.info(
            request,
            _("Added to the campaign's languages, for its translations: %(codes)s.")
            % {"codes": ", ".join(added)},
        )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_new(request):
    organisations = _managed_organisations(request.user)
    if not organisations:
        raise NotAllowed(_("Only an organisation's owners and organisers create campaigns."))
    data = request.POST if request.method == "POST" else None
    initial = {"languages": [translation.get_language()]}
    # ?organisation=<slug>: the home page's link under one of them.
    asked = next((o for o in organisations if o.slug == request.GET.get("organisation")), None)
    if asked is not None:
        initial["organisation"] = asked
    form = forms.CampaignForm(data, organisations=organisations, initial=initial)
    translations = forms.TranslationFormSet(data, prefix="translations")
    default_language = settings.LANGUAGE_CODE  # Campaign.content_language without languages
    if data is not None and _both_valid(form, translations, default_language=default_language):
        fields = form.campaign_fields()
        changes = translations.changes()
        fields["languages"], added = _with_translated_languages(
            fields["languages"], changes, default_language=default_language
        )
        fields["slug"] = fields["slug"] or _free_slug(fields["title"])
        try:
            campaign = campaign_create(
                by=request.user,
                organisation=form.cleaned_data["organisation"],
                translations=changes or None,
                **fields,
            )
        except ValidationError as error:
            _show_errors(error, form)
        else:
            _say_languages_added(request, added)
            messages.success(
                request,
                _(
                    "Campaign created at /c/%(slug)s/. Check the consent text of each language "
                    "below, then preview the public page."
                )
                % {"slug": campaign.slug},
            )
            return redirect("dashboard:campaign-edit", campaign.slug)
    return render(
        request,
        "dashboard/campaign_form.html",
        {
            "form": form,
            "translations": translations,
            "common_languages": forms.COMMON_LANGUAGES,
        },
        status=400 if data is not None else 200,
    )


# --- Editing -----------------------------------------------------------------------------------


def _consent_languages(campaign: Campaign) -> list[str]:
    return list(campaign.languages) or [campaign.content_language]


def _consent_panels(campaign: Campaign) -> tuple[dict[str, str], list[dict]]:
    """Per language the campaign is offered in: the wording in force (the campaign's newest,
    else the installation's), and the campaign's earlier versions."""
    own: dict[str, list[ConsentText]] = {}
    for text in consent_texts_of(campaign=campaign):  # newest first in each language
        own.setdefault(text.language, []).append(text)
    languages = _consent_languages(campaign)
    defaults = ConsentText.objects.in_bulk(
        {consent_text_current(language=language) for language in languages if not own.get(language)}
    )
    current, panels = {}, []
    for language in languages:
        versions = own.get(language, [])
        in_force = versions[0] if versions else defaults[consent_text_current(language=language)]
        current[language] = in_force.text
        panels.append(
            {
                "language": language,
                "label": forms.language_label(language),
                "default_label": forms.language_label(in_force.language),
                "in_force": in_force,
                "shown": in_force.rendered(organisation=campaign.organisation.name),
                "is_default": not versions,
                "earlier": [
                    (text, text.rendered(organisation=campaign.organisation.name))
                    for text in versions[1:]
                ],
            }
        )
    return current, panels


def _untranslated(campaign: Campaign) -> list[str]:
    """Languages the campaign is offered in, past its first, without a translation: their
    link on the public page shows the first language's texts."""
    translated = {t.language.lower() for t in campaign.translations.all()}
    return [
        code
        for code in campaign.languages[1:]
        if code.lower() not in translated and code.split("-")[0].lower() not in translated
    ]


def _edit_page(
    request,
    campaign: Campaign,
    *,
    form=None,
    translations=None,
    consent=None,
    close_form=None,
    lifecycle_errors=(),
    status: int = 200,
):
    current, panels = _consent_panels(campaign)
    existing = list(campaign.translations.order_by("language"))
    context = {
        "campaign": campaign,
        "form": form or forms.CampaignForm(campaign=campaign),
        "translations": translations
        or forms.TranslationFormSet(
            existing=existing,
            content_language=campaign.content_language,
            prefix="translations",
        ),
        "consent": consent
        or forms.ConsentForm(current=current, organisation=campaign.organisation.name),
        "consent_panels": panels,
        "close_form": close_form
        or (forms.CloseForm() if request.GET.get("close") and campaign.is_open else None),
        "lifecycle_errors": lifecycle_errors,
        "untranslated": _untranslated(campaign),
        "common_languages": forms.COMMON_LANGUAGES,
    }
    for panel in panels:
        panel["field"] = context["consent"][panel["language"]]
    return render(request, "dashboard/campaign_form.html", context, status=status)


def _lifecycle(request, campaign: Campaign, action: str):
    """Open, close (with the outcome) or reopen the campaign, from the buttons above the form."""
    close_form = None
    fields: dict[str, str] = {}
    if action == "close":
        if not campaign.is_open:
            message = _("Only an open campaign can be closed.")
            return _edit_page(request, campaign, lifecycle_errors=[message], status=400)
        close_form = forms.CloseForm(request.POST)
        if not close_form.is_valid():
            return _edit_page(request, campaign, close_form=close_form, status=400)
        fields = {"status": Campaign.Status.CLOSED, "outcome": close_form.cleaned_data["outcome"]}
        done = _("The campaign is closed: signing has stopped.")
    elif action in ("open", "reopen"):
        fields = {"status": Campaign.Status.OPEN}
        done = _("The campaign is open: its public page takes signatures.")
    try:
        campaign = campaign_update(by=request.user, campaign=campaign, **fields)
    except ValidationError as error:
        return _edit_page(
            request, campaign, close_form=close_form, lifecycle_errors=error.messages, status=400
        )
    messages.success(request, done)
    return redirect("dashboard:campaign-edit", campaign.slug)


@login_required
@require_http_methods(["GET", "POST"])
def campaign_edit(request, slug: str):
    campaign = page_campaign(request, slug, Ability.MANAGE)
    if request.method != "POST":
        return _edit_page(request, campaign)
    action = request.POST.get("action", "save")
    if action in ("open", "close", "reopen"):
        return _lifecycle(request, campaign, action)

    existing = list(campaign.translations.order_by("language"))
    current, _panels = _consent_panels(campaign)
    form = forms.CampaignForm(request.POST, campaign=campaign)
    translations = forms.TranslationFormSet(
        request.POST,
        existing=existing,
        content_language=campaign.content_language,
        prefix="translations",
    )
    consent = forms.ConsentForm(
        request.POST, current=current, organisation=campaign.organisation.name
    )
    default_language = campaign.content_language
    valid = _both_valid(form, translations, default_language=default_language)
    if consent.is_valid() and valid:
        fields = form.campaign_fields()
        changes = translations.changes()
        fields["languages"], added = _with_translated_languages(
            fields["languages"], changes, default_language=default_language
        )
        wordings = consent.changed_texts()
        try:
            # One save: the fields, the translations and the new consent versions, or none.
            with transaction.atomic():
                updated = campaign_update(
                    by=request.user, campaign=campaign, translations=changes or None, **fields
                )
                for language, text in wordings.items():
                    try:
                        consent_text_create(
                            by=request.user, campaign=updated, language=language, text=text
                        )
                    except ValidationError as error:
                        consent.add_error(language, error.messages)
                        raise
        except ValidationError as error:
            if not consent.errors:
                _show_errors(error, form)
        else:
            _say_languages_added(request, added)
            if wordings:
                messages.success(
                    request,
                    _("Saved, with a new version of the consent in %(codes)s.")
                    % {"codes": ", ".join(wordings)},
                )
            else:
                messages.success(request, _("Saved."))
            return redirect("dashboard:campaign-edit", updated.slug)
    return _edit_page(
        request,
        campaign,
        form=form,
        translations=translations,
        consent=consent,
        status=400,
    )


# --- Preview -----------------------------------------------------------------------------------


@login_required
@require_safe
def campaign_preview(request, slug: str):
    """The public page as it will look, for a draft too, with a form that sends nothing.

    The context is the public page's (public.views._page_context), built from the same
    selectors; `?lang=` picks the content language, the campaign's own (qu…) included.
    """
    campaign = page_campaign(request, slug, Ability.FOLLOW)
    language = translation.get_language()
    asked = request.GET.get("lang", "")
    content = campaign_content(
        campaign=campaign, language=asked if asked and asked in campaign.languages else language
    )
    # A draft is shown as it will be once open (with its form); never saved.
    shown = copy.copy(campaign)
    if shown.status == Campaign.Status.DRAFT:
        shown.status = Campaign.Status.OPEN
    page_url = request.build_absolute_uri(reverse("public:campaign", args=[campaign.slug]))
    embed_url = request.build_absolute_uri(reverse("public:embed", args=[campaign.slug]))
    consent_id, consent_text, consent_language = consent_text_for_page(
        campaign_id=campaign.id,
        language=language,
        content_language=content.language,
        organisation=campaign.organisation.name,
    )
    context = {
        "preview": True,
        "real_campaign": campaign,
        "campaign": shown,
        "content": content,
        "count": campaign_signature_count(campaign),
        "embed": False,
        "values": {"country": campaign.countries[0].code} if campaign.countries else {},
        "errors": {},
        "first_error": "",
        "ref": "",
        "started": "",
        "second_press": False,
        "form_action": request.get_full_path(),
        "country_choices": sign_form_countries(campaign=campaign),
        "consent_text": consent_text,
        "consent_language": consent_language,
        "consent_version": consent_id,
        "phone_field": campaign.contact == Campaign.Contact.EMAIL_OR_PHONE,
        "email_needed": campaign.contact != Campaign.Contact.EMAIL_OR_PHONE
        or campaign.require_confirmation,
        "privacy_note": PRIVACY_NOTE,
        "stages": campaign_country_stages(campaign=campaign),
        "page_url": page_url,
        "share_url": page_url,
        "embed_snippet": embed_snippet(embed_url=embed_url, title=content.title),
        "other_languages": campaign_other_languages(campaign=campaign),
        "can_manage": access.can(request.user, campaign.organisation_id, Ability.MANAGE),
        "default_language": settings.LANGUAGE_CODE,
    }
    return render(request, "dashboard/campaign_preview.html", context)

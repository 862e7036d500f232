"""The public pages: open campaigns, a campaign with its sign-up form, the embed, the
thank-you page and the confirmation link. Server-rendered, no JavaScript needed."""

from urllib.parse import quote, urlencode

from csp.decorators import csp_replace
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from campaigns import partners, selectors
from campaigns.models import Campaign
from core.errors import DomainError, RateLimited
from signatures import channels, confirmation, formtoken, services
from signatures.client import client_address
from signatures.consent import PRIVACY_NOTE
from signatures.embed import embed_snippet
from signatures.models import Signature
from signatures.selectors import consent_text_for_page, signing_campaign
from tallies.selectors import campaign_signature_count, with_tally

FORM_FIELDS = ("name", "email", "phone", "country", "postal_code", "comment", "consent")
# The honeypot: a field people never see; bots that fill every field fill it.
HONEYPOT = "website"


def _public_campaign(slug: str) -> Campaign:
    try:
        return with_tally(selectors.campaign_list_public()).get(slug=slug)
    except Campaign.DoesNotExist:
        raise Http404 from None


def _content_language(request, campaign: Campaign) -> str:
    """A content language the campaign has (Quechua, say) may be asked for with ?lang=
    even when the interface falls back to Spanish."""
    asked = request.GET.get("lang", "")
    if asked and asked in campaign.languages:
        return asked
    return translation.get_language()


# Query parameters that say who brought the signer (a collector's code, later a partner):
# every link and form on the page keeps them, so the credit survives a change of language, an
# error shown again and the thank-you page's share links.
CARRIED = ("ref", "partner")


def carried(request) -> dict[str, str]:
    return {name: request.GET[name][:80] for name in CARRIED if request.GET.get(name)}


def _credit(request, ref: str) -> dict[str, str]:
    """The query that keeps who brought the signer: what the page was opened with, and the
    collector's code the form carried."""
    return {**carried(request), **({"ref": ref} if ref else {})}


def values_partner(values: dict) -> str:
    """The partner a form shown again was sent through (its hidden field)."""
    return (values or {}).get("partner", "")


def _with_query(url: str, query: dict) -> str:
    return f"{url}?{urlencode(query)}" if query else url


def _cross_site(request) -> bool:
    """A form posted from another site's page: a hostile page making its visitors sign."""
    fetch_site = request.META.get("HTTP_SEC_FETCH_SITE")
    if fetch_site:
        return fetch_site == "cross-site"
    origin = request.META.get("HTTP_ORIGIN")
    if not origin or origin == "null":
        return False
    return origin != f"{request.scheme}://{request.get_host()}"


def _page_context(
    request,
    campaign: Campaign,
    *,
    embed: bool,
    values=None,
    errors=None,
    started: int | None = None,
    second_press: bool = False,
):
    language = translation.get_language()
    content_language = _content_language(request, campaign)
    content = selectors.campaign_content(campaign=campaign, language=content_language)
    partner = partners.partner_by_slug(
        campaign.id, request.GET.get("partner", "") or values_partner(values)
    )
    # Who will hold the signer's details: the lead, and the partner it comes through.
    holders = campaign.organisation.name
    if partner is not None:
        holders = _("%(lead)s and %(partner)s") % {"lead": holders, "partner": partner.name}
    consent_id, consent_text, consent_language = consent_text_for_page(
        campaign_id=campaign.id,
        language=language,
        content_language=content.language,
        organisation=holders,
    )
    if partner is not None and holders not in consent_text:
        # A text that names no organisation: say who holds the details, in the same box.
        consent_text += " " + _("Your details are held by %(organisations)s.") % {
            "organisations": holders
        }
    values = values or {}
    ref = request.GET.get("ref", "") or values.get("ref", "")
    if "country" not in values and campaign.countries:
        values = {**values, "country": campaign.countries[0].code}
    page_url = request.build_absolute_uri(reverse("public:campaign", args=[campaign.slug]))
    embed_url = request.build_absolute_uri(reverse("public:embed", args=[campaign.slug]))
    errors = errors or {}
    credit = _credit(request, ref)
    return {
        "campaign": campaign,
        "content": content,
        "count": campaign_signature_count(campaign),
        "embed": embed,
        "values": values,
        "errors": errors,
        "first_error": next((name for name in FORM_FIELDS if name in errors), ""),
        "ref": ref,
        "partner": partner,
        "coalition": partners.coalition_names(campaign),
        "started": formtoken.make(
            campaign_id=campaign.id, embed=embed, started=started, second=second_press
        ),
        "second_press": second_press,
        "form_action": _with_query(request.path, {**credit, "lang": language}),
        "country_choices": selectors.sign_form_countries(campaign=campaign),
        "consent_text": consent_text,
        "consent_language": consent_language,
        "consent_version": consent_id,
        # A phone number instead of an email, where the campaign takes one from the public:
        # it asks for phones and confirms nobody by email (no text message is ever sent).
        "phone_field": campaign.contact == Campaign.Contact.EMAIL_OR_PHONE,
        "email_needed": campaign.contact != Campaign.Contact.EMAIL_OR_PHONE
        or campaign.require_confirmation,
        "privacy_note": PRIVACY_NOTE,
        "stages": [] if embed else selectors.campaign_country_stages(campaign=campaign),
        "page_url": page_url,
        "share_url": _with_query(page_url, credit),
        "embed_snippet": embed_snippet(embed_url=embed_url, title=content.title),
        # The embed's link to the whole petition (in a new tab), in the frame's language.
        "petition_url": _with_query(page_url, {**credit, "lang": content_language}),
        "other_languages": selectors.campaign_other_languages(campaign=campaign),
    }


def _sign(request, slug: str, *, embed: bool):
    template = "public/embed.html" if embed else "public/campaign_detail.html"
    if request.method != "POST":  # GET and HEAD show the page; only a POST signs
        campaign = _public_campaign(slug)
        return render(request, template, _page_context(request, campaign, embed=embed))

    # Signing needs only the few columns signing_campaign() reads; the page, with its texts
    # and figures, is loaded only to show the form again with what went wrong.
    campaign = signing_campaign(slug=slug)
    if campaign is None:
        raise Http404

    values = {
        name: request.POST.get(name, "")
        for name in (*FORM_FIELDS, "ref", "partner", "consent_version")
    }
    reading = formtoken.read(request.POST.get("started", ""), campaign_id=campaign.id, embed=embed)

    def form_again(errors: dict, status: int, *, second_press: bool = False):
        context = _page_context(
            request,
            _public_campaign(slug),
            embed=embed,
            values=values,
            errors=errors,
            started=reading.started,
            second_press=second_press,
        )
        return render(request, template, context, status=status)

    if _cross_site(request):
        return form_again({"form": [_("This form can only be sent from this site.")]}, 403)
    honeypot = bool(request.POST.get(HONEYPOT))
    if not honeypot and reading.verdict is not formtoken.Verdict.FINE:
        # Too fast for a person, or a token we cannot trust (a page left open for hours, a
        # second tab): ask for one more press rather than throw a signature away.
        return form_again({}, 200, second_press=True)
    # Through a coalition partner's link or embed: credited to it, its collector by `ref`.
    partner = partners.partner_by_slug(
        campaign.id, values["partner"] or request.GET.get("partner", "")
    )
    try:
        services.signature_sign(
            campaign=campaign,
            signer={**values, "collector": values["ref"]},
            channel=channels.EMBED if embed else channels.WEB,
            language=translation.get_language(),
            client_address=client_address(request),
            # Told to nobody: a bot sees the usual thank-you page, organisers can review it.
            suspicious_reason=Signature.RejectedReason.HONEYPOT if honeypot else "",
            partner_id=partner.id if partner is not None else None,
        )
    except RateLimited as error:
        minutes = max(1, round(error.retry_after / 60))
        message = ngettext(
            "Too many signatures from your connection. Please try again in %(n)d minute.",
            "Too many signatures from your connection. Please try again in %(n)d minutes.",
            minutes,
        ) % {"n": minutes}
        response = form_again({"form": [message]}, 429)
        response["Retry-After"] = str(error.retry_after)
        return response
    except ValidationError as error:
        errors = dict(error.message_dict)
        for key in ("__all__", "non_field_errors", "language", "source", "collector"):
            if key in errors:  # nothing the signer typed: say it above the form
                errors.setdefault("form", []).extend(errors.pop(key))
        return form_again(errors, 400)
    except DomainError as error:
        return form_again({"form": [error.message]}, error.status)

    name = "public:embed-thanks" if embed else "public:thanks"
    credit = _credit(request, values["ref"])
    thanks = reverse(name, args=[campaign.slug])
    return redirect(
        _with_query(thanks, {**credit, "lang": translation.get_language()}), permanent=False
    )


@require_http_methods(["GET", "HEAD", "POST"])
@csrf_exempt  # a signed, single-use form token instead of a cookie: see signatures.formtoken
def campaign_detail(request, slug: str):
    return _sign(request, slug, embed=False)


@require_http_methods(["GET", "HEAD", "POST"])
@csrf_exempt  # inside partners' iframes third-party cookies are blocked; the form is signed
@xframe_options_exempt
@csp_replace({"frame-ancestors": ["*"]})
def campaign_embed(request, slug: str):
    return _sign(request, slug, embed=True)


def _thanks(request, slug: str, *, embed: bool):
    campaign = _public_campaign(slug)
    content = selectors.campaign_content(
        campaign=campaign, language=_content_language(request, campaign)
    )
    page_url = _with_query(
        request.build_absolute_uri(reverse("public:campaign", args=[campaign.slug])),
        carried(request),
    )
    text = f"{content.title} {page_url}"
    share = [
        ("WhatsApp", f"https://wa.me/?text={quote(text)}"),
        ("Facebook", f"https://www.facebook.com/sharer/sharer.php?u={quote(page_url)}"),
        ("X", f"https://x.com/intent/post?{urlencode({'text': content.title, 'url': page_url})}"),
        (
            _("Email"),
            f"mailto:?{urlencode({'subject': content.title, 'body': text}, quote_via=quote)}",
        ),
    ]
    context = {
        "campaign": campaign,
        "content": content,
        "embed": embed,
        "page_url": page_url,
        "share": share,
    }
    return render(request, "public/thanks.html", context)


def campaign_thanks(request, slug: str):
    return _thanks(request, slug, embed=False)


@xframe_options_exempt
@csp_replace({"frame-ancestors": ["*"]})
def campaign_embed_thanks(request, slug: str):
    return _thanks(request, slug, embed=True)


def campaign_list(request):
    language = translation.get_language()
    campaigns = [
        (
            campaign,
            selectors.campaign_content(campaign=campaign, language=language),
            campaign_signature_count(campaign),
        )
        for campaign in with_tally(selectors.campaign_list_public()).filter(
            status=Campaign.Status.OPEN
        )
    ]
    return render(request, "public/campaign_list.html", {"campaigns": campaigns})


@require_http_methods(["GET", "HEAD", "POST"])
@csrf_exempt  # the signed token in the URL is the capability; a cookie adds nothing
def confirm(request, token: str):
    """GET shows a button, POST confirms: mail scanners that open links do not sign for
    anyone. A forged or expired link gets a clear page with a 4xx status."""
    if request.method == "POST":
        try:
            result = confirmation.signature_confirm(token=token)
        except DomainError as error:
            return render(
                request, "public/confirm.html", {"error": error.message}, status=error.status
            )
        campaign = result.campaign
        content = selectors.campaign_content(campaign=campaign, language=translation.get_language())
        page_url = reverse("public:campaign", args=[campaign.slug])
        return render(
            request,
            "public/confirm.html",
            {"confirmed": True, "campaign": campaign, "content": content, "page_url": page_url},
        )
    try:
        confirmation.confirmation_token_read(token)
    except DomainError as error:
        return render(request, "public/confirm.html", {"error": error.message}, status=error.status)
    return render(request, "public/confirm.html")

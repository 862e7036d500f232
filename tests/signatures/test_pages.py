import re
import time
from datetime import timedelta

import pytest
from django.test import override_settings

from campaigns.models import CampaignTranslation
from signatures import formtoken
from signatures.confirmation import confirmation_token
from signatures.models import Signature
from signatures.review import signature_review
from tests.factories import CampaignFactory, CollectorFactory

pytestmark = pytest.mark.django_db

FORM = {
    "name": "Juana Mamani",
    "email": "juana@example.org",
    "country": "BO",
    "consent": "true",
    "postal_code": "",
    "comment": "",
}


def started(campaign, seconds_ago=10, *, embed=False):
    """A form token as the page makes it, for a form first shown `seconds_ago`."""
    return formtoken.make(
        campaign_id=campaign.id, embed=embed, started=int(time.time()) - seconds_ago
    )


def post(client, campaign, data, path="", **extra):
    token = started(campaign, embed=path.startswith("embed"))
    return client.post(f"/c/{campaign.slug}/{path}", {"started": token, **data}, **extra)


def token_on(html: str) -> str:
    return re.search(r'name="started" value="([^"]+)"', html).group(1)


def test_the_campaign_page_has_the_form_and_no_third_party_anything(client, campaign_a):
    response = client.get(f"/c/{campaign_a.slug}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<form class="sign" method="post"' in html
    assert 'name="consent"' in html
    assert "<script>" not in html  # no inline script: the CSP forbids it
    assert not re.search(r'(src|href)="https?://(?!testserver)', html.split("<pre>")[0])
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_signing_on_the_page_redirects_to_thanks(client, campaign_a):
    response = post(client, campaign_a, FORM)
    assert response.status_code == 302
    assert response["Location"].startswith(f"/c/{campaign_a.slug}/thanks/")
    signature = Signature.objects.get()
    assert (signature.status, signature.source) == ("confirmed", "web")
    thanks = client.get(response["Location"]).content.decode()
    assert "wa.me" in thanks
    assert "facebook.com/sharer" in thanks


def test_errors_are_shown_next_to_their_fields(client, campaign_a):
    response = post(client, campaign_a, {**FORM, "email": "nope", "consent": ""})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'aria-describedby="hint_email error_email"' in html
    assert 'id="error_email"' in html
    assert 'id="error_consent"' in html
    assert 'aria-invalid="true"' in html
    # The first field with an error gets the focus; what was typed is kept.
    assert re.search(r'id="id_email"[^>]*autofocus', html)
    assert 'value="Juana Mamani"' in html
    assert not Signature.objects.exists()


def test_a_filled_honeypot_is_quietly_rejected(client, campaign_a):
    response = post(client, campaign_a, {**FORM, "website": "http://spam.example"})
    assert response.status_code == 302
    signature = Signature.objects.get()
    assert (signature.status, signature.rejected_reason) == ("rejected", "honeypot")


def test_a_real_signer_replaces_a_bots_signature_made_with_their_email(client, campaign_a):
    post(client, campaign_a, {**FORM, "name": "Bot", "website": "http://spam.example"})
    post(client, campaign_a, {**FORM, "website": "http://spam.example", "name": "Bot 2"})
    assert Signature.objects.get().name == "Bot"  # a bot does not replace a bot
    assert post(client, campaign_a, FORM).status_code == 302
    signature = Signature.objects.get()
    assert (signature.name, signature.status, signature.rejected_reason) == (
        "Juana Mamani",
        "confirmed",
        "",
    )
    assert signature.confirmed_at is not None
    post(client, campaign_a, {**FORM, "name": "Juana Again"})
    assert Signature.objects.get().name == "Juana Mamani"  # a person is not replaced


@override_settings(SIGN_MIN_FILL_SECONDS=3)
def test_a_form_sent_back_too_fast_asks_for_one_more_press_and_then_counts(client, campaign_a):
    """Was: stored rejected (too_fast), no email, and the thank-you page all the same."""
    response = client.post(f"/c/{campaign_a.slug}/", {"started": started(campaign_a, 0), **FORM})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="second-press"' in html
    assert 'value="Juana Mamani"' in html  # nothing to type again
    assert not Signature.objects.exists()
    again = client.post(f"/c/{campaign_a.slug}/", {"started": token_on(html), **FORM})
    assert again.status_code == 302
    assert Signature.objects.get().status == "confirmed"


@override_settings(SIGN_MIN_FILL_SECONDS=3)
def test_fixing_an_error_at_once_counts_from_the_first_display(client, campaign_a):
    """Was: the form shown again restarted the timer, so a fix made at once was rejected."""
    first = client.post(
        f"/c/{campaign_a.slug}/",
        {"started": started(campaign_a, 10), **FORM, "consent": ""},
    )
    assert first.status_code == 400
    again = client.post(
        f"/c/{campaign_a.slug}/", {"started": token_on(first.content.decode()), **FORM}
    )
    assert again.status_code == 302
    assert Signature.objects.get().rejected_reason == ""


def test_a_form_without_our_token_asks_for_one_more_press(client, campaign_a):
    response = client.post(f"/c/{campaign_a.slug}/", {**FORM, "started": "forged"})
    assert 'id="second-press"' in response.content.decode()
    assert not Signature.objects.exists()


def test_a_token_is_good_for_one_submission_of_its_own_campaign_and_page(client, campaign_a, org_a):
    """Was: one token, a time only, replayable for 24 hours on any campaign and page."""
    token = started(campaign_a)
    assert client.post(f"/c/{campaign_a.slug}/", {"started": token, **FORM}).status_code == 302
    replay = client.post(
        f"/c/{campaign_a.slug}/", {"started": token, **FORM, "email": "b@example.org"}
    )
    assert 'id="second-press"' in replay.content.decode()
    other = CampaignFactory(organisation=org_a)
    for path, value in (
        (f"/c/{other.slug}/", started(campaign_a)),
        (f"/c/{campaign_a.slug}/embed/", started(campaign_a)),
    ):
        answer = client.post(path, {"started": value, **FORM, "email": "c@example.org"})
        assert 'id="second-press"' in answer.content.decode()
    assert Signature.objects.count() == 1


@pytest.mark.parametrize("path", ["", "embed/"])
def test_a_form_posted_from_another_site_is_refused(client, campaign_a, path):
    """A hostile page posting into the form makes its visitors' browsers sign."""
    for headers in (
        {"HTTP_SEC_FETCH_SITE": "cross-site"},
        {"HTTP_ORIGIN": "https://evil.example"},
    ):
        response = post(client, campaign_a, FORM, path=path, **headers)
        assert response.status_code == 403
    assert (
        post(client, campaign_a, FORM, path=path, HTTP_SEC_FETCH_SITE="same-origin").status_code
        == 302
    )
    assert Signature.objects.count() == 1


@override_settings(SIGN_RATE="1/min")
def test_the_page_says_when_a_connection_signed_too_often(client, campaign_a):
    post(client, campaign_a, FORM, REMOTE_ADDR="192.0.2.9")
    response = post(client, campaign_a, {**FORM, "email": "b@example.org"}, REMOTE_ADDR="192.0.2.9")
    assert response.status_code == 429
    assert "Retry-After" in response
    assert Signature.objects.count() == 1


@override_settings(SIGN_RATE="1/min")
@pytest.mark.parametrize(("path", "address"), [("", "198.51.100.1"), ("embed/", "198.51.100.2")])
def test_a_head_request_shows_the_page_and_spends_no_sign_slot(client, campaign_a, path, address):
    # Link checkers and previews send HEAD: it must neither sign nor count against the limit.
    head = client.head(f"/c/{campaign_a.slug}/{path}", REMOTE_ADDR=address)
    assert head.status_code == 200
    assert head.content == b""
    response = post(client, campaign_a, FORM, path=path, REMOTE_ADDR=address)
    assert response.status_code == 302
    assert Signature.objects.count() == 1


def test_the_collector_link_credits_the_collector(client, campaign_a, org_a):
    collector = CollectorFactory(organisation=org_a, code="rosa")
    page = client.get(f"/c/{campaign_a.slug}/?ref=rosa").content.decode()
    assert 'name="ref" value="rosa"' in page
    post(client, campaign_a, {**FORM, "ref": "rosa"})
    assert Signature.objects.get().collector == collector


def test_the_collector_code_survives_the_language_links_and_the_thank_you_page(
    client, campaign_a, org_a
):
    """Was: the language links were bare ?lang=xx, and the signature lost its collector."""
    collector = CollectorFactory(organisation=org_a, code="killa-huaman")
    page = client.get(f"/c/{campaign_a.slug}/?ref=killa-huaman").content.decode()
    links = re.findall(r'class="langs".*?</nav>', page, re.S)[0]
    assert links.count("ref=killa-huaman") == 4
    french = client.get(f"/c/{campaign_a.slug}/?ref=killa-huaman&lang=fr").content.decode()
    assert 'name="ref" value="killa-huaman"' in french
    response = client.post(
        f"/c/{campaign_a.slug}/?ref=killa-huaman&lang=fr",
        {"started": started(campaign_a), **FORM, "ref": "killa-huaman"},
    )
    assert Signature.objects.get().collector == collector
    assert "ref=killa-huaman" in response["Location"]
    thanks = client.get(response["Location"]).content.decode()
    assert f"/c/{campaign_a.slug}/?ref=killa-huaman" in thanks  # what the signer shares


def test_an_unknown_collector_link_still_counts_the_signature(client, campaign_a):
    response = post(client, campaign_a, {**FORM, "ref": "gone"})
    assert response.status_code == 302
    assert Signature.objects.get().collector is None


def test_the_embed_is_the_only_frameable_page(client, campaign_a):
    embed = client.get(f"/c/{campaign_a.slug}/embed/")
    assert embed.status_code == 200
    assert "X-Frame-Options" not in embed
    assert "frame-ancestors *" in embed["Content-Security-Policy"]
    response = post(client, campaign_a, FORM, path="embed/")
    assert response["Location"].startswith(f"/c/{campaign_a.slug}/embed/thanks/")
    assert Signature.objects.get().source == "embed"
    thanks = client.get(response["Location"])
    assert "X-Frame-Options" not in thanks
    for page in ("/", f"/c/{campaign_a.slug}/", f"/c/{campaign_a.slug}/thanks/"):
        assert client.get(page)["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    ("header", "query", "lang", "text"),
    [
        ("es", "", "es", "Firmar"),
        ("en-GB,en;q=0.8", "", "en", "Sign"),
        ("pt-BR,pt;q=0.9", "", "pt", "Assinar"),
        ("fr-FR", "", "fr", "Signer"),
        ("fr-FR", "?lang=es", "es", "Firmar"),
        ("de-DE", "", "es", "Firmar"),
    ],
)
def test_the_page_speaks_the_signers_language(client, campaign_a, header, query, lang, text):
    html = client.get(f"/c/{campaign_a.slug}/{query}", HTTP_ACCEPT_LANGUAGE=header).content.decode()
    assert f'<html lang="{lang}">' in html
    assert f'<button type="submit">{text}</button>' in html


def test_campaign_content_is_shown_in_quechua_when_asked(client, org_a):
    campaign = CampaignFactory(organisation=org_a, languages=["es", "qu"], title="Salud")
    CampaignTranslation.objects.create(campaign=campaign, language="qu", title="Allin hampiy")
    html = client.get(f"/c/{campaign.slug}/?lang=qu", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<html lang="es">' in html  # the interface falls back to Spanish
    assert '<article class="campaign" lang="qu">' in html
    assert "Allin hampiy" in html


def test_confirmation_link_shows_a_button_then_confirms(client, org_a):
    campaign = CampaignFactory(organisation=org_a, require_confirmation=True)
    post(client, campaign, FORM)
    signature = Signature.objects.get()
    token = confirmation_token(signature_id=signature.id)
    page = client.get(f"/confirm/{token}/")
    assert page.status_code == 200
    signature.refresh_from_db()
    assert signature.status == "pending"  # opening the link alone confirms nothing
    done = client.post(f"/confirm/{token}/")
    assert done.status_code == 200
    signature.refresh_from_db()
    assert signature.status == "confirmed"
    assert client.post(f"/confirm/{token}/").status_code == 200  # twice is fine


def test_a_forged_confirmation_link_is_a_clear_400(client):
    response = client.get("/confirm/MTIz:1tZZZZ:forgedforgedforged/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "not valid" in response.content.decode()
    spanish = client.get("/confirm/MTIz:1tZZZZ:forgedforgedforged/", HTTP_ACCEPT_LANGUAGE="es")
    assert "no es válido" in spanish.content.decode()
    assert client.post("/confirm/MTIz:1tZZZZ:forgedforgedforged/").status_code == 400


def test_an_expired_confirmation_link_is_a_clear_410(client, org_a, settings):
    campaign = CampaignFactory(organisation=org_a, require_confirmation=True)
    post(client, campaign, FORM)
    token = confirmation_token(signature_id=Signature.objects.get().id)
    settings.CONFIRMATION_MAX_AGE = timedelta(seconds=-1)
    assert client.get(f"/confirm/{token}/").status_code == 410
    assert client.post(f"/confirm/{token}/").status_code == 410
    assert Signature.objects.get().status == "pending"


def test_unpublished_and_unknown_campaign_pages_are_404(client, draft_a):
    assert client.get(f"/c/{draft_a.slug}/").status_code == 404
    assert client.get("/c/nope/").status_code == 404


def test_a_closed_campaign_page_has_no_form(client, org_a):
    closed = CampaignFactory(organisation=org_a, status="closed", outcome="won")
    html = client.get(f"/c/{closed.slug}/").content.decode()
    assert '<form class="sign"' not in html
    assert post(client, closed, FORM).status_code == 409


def test_the_home_page_lists_open_campaigns_only(client, campaign_a, draft_a, org_a):
    CampaignFactory(organisation=org_a, slug="closed-x", status="closed", title="Closed one")
    html = client.get("/").content.decode()
    assert campaign_a.title in html
    assert draft_a.title not in html
    assert "Closed one" not in html


def test_a_real_signer_is_not_locked_out_by_an_automatic_rejection(client, campaign_a):
    # A bot (or a too-quick autofill) used the address first...
    post(client, campaign_a, {**FORM, "website": "http://spam.example"})
    assert Signature.objects.get().status == "rejected"
    # ...the person signs properly: their signature counts.
    response = post(client, campaign_a, {**FORM, "name": "Juana Mamani Quispe"})
    assert response.status_code == 302
    signature = Signature.objects.get()
    assert (signature.status, signature.rejected_reason, signature.name) == (
        "confirmed",
        "",
        "Juana Mamani Quispe",
    )


def test_an_organisers_rejection_is_not_undone_by_signing_again(client, campaign_a, organiser_a):
    post(client, campaign_a, FORM)
    signature = Signature.objects.get()
    signature_review(
        by=organiser_a, campaign=signature.campaign, signature_id=signature.id, status="rejected"
    )
    post(client, campaign_a, FORM)
    assert Signature.objects.get().status == "rejected"

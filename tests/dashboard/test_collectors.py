"""The collectors page and a collector's own page: links in full with plain share links,
deactivating (after a confirmation) and reactivating a link, errors on the add form."""

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import ValidationError

from campaigns.models import AuditEntry
from signatures.channels import WEB
from signatures.models import Collector, Signature
from signatures.services import signature_sign
from tests.factories import CampaignFactory, CollectorFactory, sign

pytestmark = pytest.mark.django_db


def page(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def rosa(org_a, collector_a):
    return CollectorFactory(organisation=org_a, name="Rosa Apaza", code="rosa", user=collector_a)


def test_a_duplicate_code_is_said_on_the_code_field(client, organiser_a, campaign_a, rosa):
    client.force_login(organiser_a)
    response = client.post(
        f"/dashboard/c/{campaign_a.slug}/collectors/?lang=en",
        {"name": "Rosa Mamani", "code": "rosa"},
    )
    assert response.status_code == 400
    text = page(response)
    error = re.search(r'<p class="error" id="id_code_error">([^<]+)</p>', text)
    assert error, "the duplicate code is not shown on its field"
    assert "already has this code" in error.group(1)
    assert re.search(r'<input[^>]+name="code"[^>]+aria-invalid="true"', text)
    assert 'value="Rosa Mamani"' in text  # what was typed stays
    assert Collector.objects.filter(code="rosa").count() == 1


def test_an_unknown_username_is_said_on_its_field(client, organiser_a, campaign_a):
    client.force_login(organiser_a)
    response = client.post(
        f"/dashboard/c/{campaign_a.slug}/collectors/?lang=en",
        {"name": "Luz", "code": "luz", "username": "nobody"},
    )
    assert response.status_code == 400
    assert 'id="id_username_error"' in page(response)


def test_the_collectors_page_gives_each_link_in_full_with_plain_share_links(
    client, organiser_a, campaign_a, rosa
):
    client.force_login(organiser_a)
    text = page(client.get(f"/dashboard/c/{campaign_a.slug}/collectors/?lang=en"))
    link = f"http://testserver/c/{campaign_a.slug}/?ref=rosa"
    assert f'<a href="{link}" data-share-link>{link}</a>' in text
    whatsapp = re.search(r'href="(https://wa\.me/\?text=[^"]+)"', text).group(1)
    assert link in parse_qs(urlsplit(whatsapp).query)["text"][0]
    mailto = re.search(r'href="(mailto:\?[^"]+)"', text).group(1)
    assert link in parse_qs(urlsplit(mailto).query)["body"][0]
    assert f"/dashboard/c/{campaign_a.slug}/collectors/rosa/qr.svg" in text
    assert f'href="/dashboard/c/{campaign_a.slug}/sheet/"' in text
    assert re.search(r'<script src="/static/js/share\.[0-9a-f]+\.js" defer>', text)


def test_deactivating_a_link_asks_first_and_keeps_what_was_collected(
    client, organiser_a, campaign_a, rosa
):
    sign(campaign_a, email="before@example.org", collector="rosa")
    assert Signature.objects.get().collector_id == rosa.id
    client.force_login(organiser_a)
    url = f"/dashboard/c/{campaign_a.slug}/collectors/rosa/active/?lang=en"

    asked = client.post(url, {"active": "false"})
    assert asked.status_code == 200
    assert "Deactivate Rosa Apaza’s link?" in page(asked)
    assert "those already collected stay credited" in page(asked)
    rosa.refresh_from_db()
    assert rosa.active  # nothing changed yet
    assert not AuditEntry.objects.filter(action="collector.update").exists()

    done = client.post(url, {"active": "false", "confirmed": "yes"})
    assert done.status_code == 302
    assert done["Location"].endswith(f"/dashboard/c/{campaign_a.slug}/collectors/#collector-rosa")
    rosa.refresh_from_db()
    assert not rosa.active
    entry = AuditEntry.objects.get(action="collector.update")
    assert entry.changes == {"active": [True, False]}
    assert entry.actor == organiser_a

    listed = page(client.get(f"/dashboard/c/{campaign_a.slug}/collectors/?lang=en"))
    card = re.search(r'id="collector-rosa">(.*?)</li>', listed, re.S).group(1)
    assert "Inactive" in card
    assert "data-share-link" not in card  # an inactive link is not handed out
    assert "Reactivate the link" in card
    # Signatures through it are no longer credited (the API says so); the earlier one still is.
    with pytest.raises(ValidationError, match="No active collector"):
        sign(campaign_a, email="after@example.org", collector="rosa")
    assert Signature.objects.get(email="before@example.org").collector_id == rosa.id

    again = client.post(url, {"active": "true"})
    assert again.status_code == 302
    rosa.refresh_from_db()
    assert rosa.active
    assert AuditEntry.objects.filter(action="collector.update").count() == 2


def test_an_inactive_code_no_longer_credits_a_signature_on_the_page(
    client, organiser_a, campaign_a, rosa
):
    client.force_login(organiser_a)
    client.post(
        f"/dashboard/c/{campaign_a.slug}/collectors/rosa/active/",
        {"active": "false", "confirmed": "yes"},
    )
    client.logout()
    response = client.get(f"/c/{campaign_a.slug}/?ref=rosa")
    assert response.status_code == 200  # the printed QR code still opens the petition
    signer = {"name": "Ana", "email": "web@example.org", "country": "BO", "consent": True}
    signature_sign(
        campaign=campaign_a, signer={**signer, "collector": "rosa"}, channel=WEB, language="es"
    )
    assert Signature.objects.get().collector_id is None  # counted, credited to nobody


def test_a_bad_active_value_is_refused(client, organiser_a, campaign_a, rosa):
    client.force_login(organiser_a)
    url = f"/dashboard/c/{campaign_a.slug}/collectors/rosa/active/"
    assert client.post(url, {"active": "maybe"}).status_code == 400
    assert client.post(url.replace("rosa", "nobody"), {"active": "true"}).status_code == 404


def test_a_viewer_cannot_deactivate_a_link(client, viewer_a, campaign_a, rosa):
    client.force_login(viewer_a)
    response = client.post(
        f"/dashboard/c/{campaign_a.slug}/collectors/rosa/active/",
        {"active": "false", "confirmed": "yes"},
    )
    assert response.status_code == 403
    rosa.refresh_from_db()
    assert rosa.active


def test_my_page_has_my_link_its_share_links_qr_count_and_sheet(
    client, collector_a, campaign_a, rosa
):
    client.force_login(collector_a)
    text = page(client.get("/dashboard/me/?lang=en"))
    link = f"http://testserver/c/{campaign_a.slug}/?ref=rosa"
    assert f'<a href="{link}" data-share-link>{link}</a>' in text
    assert "https://wa.me/?text=" in text
    assert f'src="/dashboard/c/{campaign_a.slug}/collectors/rosa/qr.svg"' in text
    assert f'href="/dashboard/c/{campaign_a.slug}/sheet/?collector=rosa"' in text
    assert "confirmed signatures through my link" in text


def test_my_page_says_when_my_link_was_deactivated(client, collector_a, campaign_a, rosa):
    rosa.active = False
    rosa.save()
    client.force_login(collector_a)
    text = page(client.get("/dashboard/me/?lang=en"))
    assert "deactivated your link" in text
    assert "data-share-link" not in text
    assert campaign_a.title in text  # the count stays


def test_a_closed_campaign_shows_its_count_but_no_link(client, collector_a, org_a, rosa):
    closed = CampaignFactory(organisation=org_a, status="closed", title="Done campaign")
    client.force_login(collector_a)
    text = page(client.get("/dashboard/me/?lang=en"))
    card = re.search(r"<h3>Done campaign</h3>(.*?)</li>", text, re.S).group(1)
    assert "closed" in card
    assert "ref=rosa" not in card
    assert closed.slug not in card


def test_the_paper_sheet_prints_the_collectors_name(
    client, collector_a, organiser_a, campaign_a, rosa
):
    other = CollectorFactory(organisation=campaign_a.organisation, name="Luz Quispe", code="luz")
    client.force_login(collector_a)
    mine = page(client.get(f"/dashboard/c/{campaign_a.slug}/sheet/?collector=rosa"))
    assert "<strong>Rosa Apaza</strong> (rosa)" in mine
    # A collector prints their own name only.
    theirs = page(client.get(f"/dashboard/c/{campaign_a.slug}/sheet/?collector=luz"))
    assert other.name not in theirs
    client.force_login(organiser_a)
    assert "<strong>Luz Quispe</strong>" in page(
        client.get(f"/dashboard/c/{campaign_a.slug}/sheet/?collector=luz")
    )

import re
import time

import pytest
from django.core import mail
from django.utils import timezone

from signatures import confirmation, services
from signatures.models import Signature
from tests.factories import CampaignFactory, sign
from tests.stack import wait_for

SIGNER = {"name": "Ana Condori", "email": "ana@example.org", "country": "BO", "consent": True}


def link_in(body: str) -> str:
    return re.search(r"https?://\S+/confirm/(\S+)/", body).group(1)


@pytest.mark.worker
def test_a_worker_sends_the_confirmation_in_the_signers_language(api, org_a, celery_worker_thread):
    campaign = CampaignFactory(organisation=org_a, require_confirmation=True, title="Ratify C189")
    response = api.post(
        f"/api/v1/campaigns/{campaign.slug}/signatures/",
        {**SIGNER, "language": "pt"},
        format="json",
    )
    assert response.status_code == 201
    wait_for(lambda: len(mail.outbox) == 1, 15, message="no confirmation email")
    message = mail.outbox[0]
    assert message.to == ["ana@example.org"]
    assert "Ratify C189" in message.subject
    assert "Confirme" in message.subject or "assinatura" in message.subject
    signature = Signature.objects.get()
    assert (signature.email_state, signature.email_sends) == ("sent", 1)

    token = link_in(message.body)
    confirmed = api.post("/api/v1/signatures/confirm/", {"token": token}, format="json")
    assert confirmed.status_code == 200
    assert confirmed.json() == {
        "status": "confirmed",
        "campaign": campaign.slug,
        "already_confirmed": False,
    }
    again = api.post("/api/v1/signatures/confirm/", {"token": token}, format="json")
    assert again.json()["already_confirmed"] is True
    # The worker tallies the confirmation: the public count includes it.
    wait_for(
        lambda: api.get(f"/api/v1/campaigns/{campaign.slug}/count/").json()["signature_count"] == 1,
        15,
        message="the count never included the confirmed signature",
    )
    time.sleep(0.5)
    assert len(mail.outbox) == 1  # sent once


@pytest.mark.django_db
def test_signing_again_while_pending_resends_a_few_times_at_most(org_a):
    campaign = CampaignFactory(organisation=org_a, require_confirmation=True)
    sign(campaign, email="ana@example.org")
    signature = Signature.objects.get()
    sends = 0
    for _ in range(6):
        if confirmation.signature_send_confirmation(signature_id=signature.id):
            sends += 1
        # Pretend the last email went out long ago, then sign again.
        Signature.objects.filter(id=signature.id).update(
            email_sent_at=timezone.now() - services.RESEND_AFTER * 2
        )
        assert not sign(campaign, email="ANA@example.org").created
    assert sends == services.MAX_CONFIRMATION_SENDS
    assert len(mail.outbox) == services.MAX_CONFIRMATION_SENDS


@pytest.mark.django_db
def test_an_immediate_repeat_does_not_resend(org_a):
    campaign = CampaignFactory(organisation=org_a, require_confirmation=True)
    sign(campaign)
    confirmation.signature_send_confirmation(signature_id=Signature.objects.get().id)
    sign(campaign)
    assert Signature.objects.get().email_state == "sent"


@pytest.mark.django_db
def test_a_rejected_signature_cannot_be_confirmed(org_a, api):
    campaign = CampaignFactory(organisation=org_a, require_confirmation=True)
    sign(campaign)
    signature = Signature.objects.get()
    Signature.objects.filter(id=signature.id).update(status="rejected")
    token = confirmation.confirmation_token(signature_id=signature.id)
    response = api.post("/api/v1/signatures/confirm/", {"token": token}, format="json")
    assert response.status_code == 409


@pytest.mark.django_db
def test_a_forged_token_is_400_and_a_missing_one_too(api):
    assert (
        api.post("/api/v1/signatures/confirm/", {"token": "abc:def:ghi"}, format="json").status_code
        == 400
    )
    assert api.post("/api/v1/signatures/confirm/", {}, format="json").status_code == 400


@pytest.mark.django_db
def test_an_email_that_fails_is_retried_later_then_given_up(org_a, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1  # nothing listens there
    settings.OUTBOX_GRACE_SECONDS = 0
    campaign = CampaignFactory(organisation=org_a, require_confirmation=True)
    sign(campaign)
    signature = Signature.objects.get()
    assert not confirmation.signature_send_confirmation(signature_id=signature.id)
    signature.refresh_from_db()
    assert (signature.email_state, signature.email_failures) == ("owed", 1)
    assert signature.id not in confirmation.signatures_owed_ids()  # not before its retry time
    for _ in range(confirmation.MAX_EMAIL_FAILURES):
        Signature.objects.filter(id=signature.id).update(email_retry_at=timezone.now())
        confirmation.signature_send_confirmation(signature_id=signature.id)
    signature.refresh_from_db()
    assert (signature.email_state, signature.email_failures) == (
        "none",
        confirmation.MAX_EMAIL_FAILURES,
    )
    assert signature.id not in confirmation.signatures_owed_ids()

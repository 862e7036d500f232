from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns import services
from campaigns.models import Campaign
from signatures import rights
from signatures.consent import CONSENT_TEXTS
from signatures.models import Signature
from tallies import services as tallies
from tallies.models import CampaignTally
from tests.factories import CampaignFactory, sign
from webhooks.models import WebhookDelivery
from webhooks.services import webhook_deliver

pytestmark = pytest.mark.django_db


def test_a_signer_is_found_across_the_organisations_campaigns_only(
    api, organiser_a, org_a, org_b, campaign_a
):
    other = CampaignFactory(organisation=org_a)
    elsewhere = CampaignFactory(organisation=org_b)
    for campaign in (campaign_a, other, elsewhere):
        sign(campaign, email="Juana@Example.org")
    api.force_authenticate(organiser_a)
    response = api.get("/api/v1/organisations/org-a/signers/?email=juana@example.org")
    assert response.status_code == 200
    signatures = response.json()["signatures"]
    assert {s["campaign"] for s in signatures} == {campaign_a.slug, other.slug}
    assert signatures[0]["consent"]["version"] == 2
    assert signatures[0]["consent"]["text"] == CONSENT_TEXTS["es"]  # what they agreed to


def test_erasing_keeps_the_signature_counted_anonymously(api, organiser_a, org_a, campaign_a):
    pending_campaign = CampaignFactory(organisation=org_a, require_confirmation=True)
    sign(campaign_a, email="juana@example.org", postal_code="0201", comment="Sí")
    sign(pending_campaign, email="juana@example.org")
    tallies.campaign_tally(campaign_id=campaign_a.id)
    before = CampaignTally.objects.get(campaign=campaign_a).confirmed
    api.force_authenticate(organiser_a)
    response = api.post(
        "/api/v1/organisations/org-a/signers/erase/", {"email": "JUANA@example.org"}, format="json"
    )
    assert response.json() == {"erased": 2}
    confirmed = Signature.objects.get(campaign=campaign_a)
    assert (
        confirmed.name,
        confirmed.email,
        confirmed.email_normalised,
        confirmed.postal_code,
        confirmed.comment,
        confirmed.client_hash,
    ) == ("", "", None, "", "", "")
    assert confirmed.status == "confirmed"
    assert confirmed.erased_at is not None
    assert Signature.objects.get(campaign=pending_campaign).status == "rejected"
    tallies.campaign_tally(campaign_id=campaign_a.id)
    assert CampaignTally.objects.get(campaign=campaign_a).confirmed == before
    # Nothing is left to find.
    assert (
        api.get("/api/v1/organisations/org-a/signers/?email=juana@example.org").json()["signatures"]
        == []
    )


def test_only_owners_and_organisers_handle_signers_requests(
    api, viewer_a, collector_a, organiser_b, owner_a
):
    for user, code in ((viewer_a, 403), (collector_a, 403), (organiser_b, 403), (owner_a, 200)):
        api.force_authenticate(user)
        assert (
            api.get("/api/v1/organisations/org-a/signers/?email=a@example.org").status_code == code
        )
        assert (
            api.post(
                "/api/v1/organisations/org-a/signers/erase/",
                {"email": "a@example.org"},
                format="json",
            ).status_code
            == code
        )


def test_retention_erases_details_months_after_a_campaign_closes(org_a, organiser_a):
    org_a.retention_months = 6
    org_a.save()
    old = CampaignFactory(organisation=org_a)
    recent = CampaignFactory(organisation=org_a)
    still_open = CampaignFactory(organisation=org_a)
    for campaign in (old, recent, still_open):
        sign(campaign, email="rosa@example.org")
    for campaign in (old, recent):
        services.campaign_update(by=organiser_a, campaign=campaign, status="closed")
    Campaign.objects.filter(id=old.id).update(closed_at=timezone.now() - timedelta(days=200))
    assert rights.signatures_apply_retention() == 1
    assert Signature.objects.get(campaign=old).email == ""
    assert Signature.objects.get(campaign=recent).email == "rosa@example.org"
    assert Signature.objects.get(campaign=still_open).email == "rosa@example.org"
    assert rights.signatures_apply_retention() == 0  # once is enough


def test_an_organisation_without_retention_keeps_details(org_a, organiser_a):
    campaign = CampaignFactory(organisation=org_a)
    sign(campaign)
    services.campaign_update(by=organiser_a, campaign=campaign, status="closed")
    Campaign.objects.filter(id=campaign.id).update(closed_at=timezone.now() - timedelta(days=4000))
    assert rights.signatures_apply_retention() == 0


def test_a_delivery_owed_for_an_erased_signer_is_dropped_not_sent(
    org_a, organiser_a, campaign_a, crm_webhook
):
    sign(campaign_a, email="juana@example.org")
    tallies.campaign_tally(campaign_id=campaign_a.id)
    delivery = WebhookDelivery.objects.get(event="signature")
    assert delivery.payload is None  # the outbox keeps the id, never a copy of the person
    rights.signer_erase(by=organiser_a, organisation=org_a, email="juana@example.org")
    assert webhook_deliver(delivery_id=delivery.id) == WebhookDelivery.State.DROPPED
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("dropped", 0)


# Columns that say nothing about who signed. With Signature.PERSONAL_FIELDS they cover every
# column: a new one must be put on one side, so no detail escapes erasure unnoticed.
NOT_PERSONAL = {
    "id", "campaign", "country", "language", "source", "collector", "status",
    "rejected_reason", "consent_text", "consented_at", "confirmed_at", "email_state",
    "email_sends", "email_sent_at", "email_failures", "email_retry_at", "created", "counted",
    "erased_at", "needs_review", "modified", "partner",
}  # fmt: skip


def test_every_signature_column_is_either_personal_or_not():
    columns = {field.name for field in Signature._meta.concrete_fields}
    personal = set(Signature.PERSONAL_FIELDS)
    assert not personal & NOT_PERSONAL
    assert columns == personal | NOT_PERSONAL, columns ^ (personal | NOT_PERSONAL)


def test_erasure_empties_every_personal_field(organiser_a, org_a, campaign_a):
    sign(campaign_a, email="juana@example.org", postal_code="0201", comment="Sí", region="La Paz")
    Signature.objects.update(client_hash="abc")
    rights.signer_erase(by=organiser_a, organisation=org_a, email="juana@example.org")
    erased = Signature.objects.values(*Signature.PERSONAL_FIELDS).get()
    assert set(erased.values()) <= {"", None}, erased

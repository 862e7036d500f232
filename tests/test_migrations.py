"""Upgrading an installation that holds data: the re-cut into layers moved models between apps
without moving a row."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from signatures.models import Person, Signature
from signatures.people import people_sync
from tallies.models import CampaignTally, Milestone
from webhooks.models import WebhookDelivery, WebhookEndpoint

# The last migrations before tallies and webhooks were apps of their own.
BEFORE = [("campaigns", "0004_people"), ("signatures", "0007_email_retries")]
GONE = [("tallies", None), ("webhooks", None)]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    nodes = [(app, name) for app, name in targets if name is not None]
    return executor.loader.project_state(nodes).apps


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_a_populated_database_from_before_the_move_migrates_with_every_row_in_place():
    old = _migrate(BEFORE + GONE)
    now = timezone.now()
    organisation = old.get_model("campaigns", "Organisation").objects.create(slug="o", name="O")
    campaign = old.get_model("campaigns", "Campaign").objects.create(
        organisation=organisation, slug="c", title="C", goal=10, status="open"
    )
    signature = old.get_model("signatures", "Signature").objects.create(
        campaign=campaign, name="Ana", email="ana@example.org", email_normalised="ana@example.org",
        country="BO", status="confirmed", confirmed_at=now, counted="confirmed",
    )  # fmt: skip
    old.get_model("campaigns", "CampaignTally").objects.create(campaign=campaign, confirmed=1)
    old.get_model("campaigns", "Milestone").objects.create(
        campaign=campaign, kind="signatures", key="1", value=1, reached_at=now
    )
    endpoint = old.get_model("campaigns", "WebhookEndpoint").objects.create(
        organisation=organisation, url="https://crm.example.org/", secret="s" * 20,
        events=["signature"],
    )  # fmt: skip
    old.get_model("campaigns", "WebhookDelivery").objects.create(
        endpoint=endpoint, event="signature", idempotency_key=f"signature:{signature.id}:1",
        payload={"osdi:signature": {"person": {"email_addresses": ["ana@example.org"]}}},
        next_attempt_at=now,
    )  # fmt: skip

    _migrate(_latest())

    assert CampaignTally.objects.get(campaign_id=campaign.id).confirmed == 1
    assert Milestone.objects.get().key == "1"
    assert WebhookEndpoint.objects.get().url == "https://crm.example.org/"
    delivery = WebhookDelivery.objects.get()
    # The outbox kept the signature's id and dropped its copy of the person.
    assert (delivery.signature_id, delivery.payload) == (signature.id, None)
    assert Signature.objects.get().name == "Ana"
    assert ContentType.objects.get_for_model(CampaignTally).app_label == "tallies"
    assert not ContentType.objects.filter(app_label="campaigns", model="webhookdelivery").exists()
    with connection.cursor() as cursor:  # the tables kept their names
        tables = set(connection.introspection.table_names(cursor))
    assert {"campaigns_campaigntally", "campaigns_webhookdelivery"} <= tables


@pytest.mark.django_db(transaction=True)
def test_stored_emails_are_renormalised_and_one_person_who_signed_twice_counts_once():
    """Rows stored when normalising meant trimming and lower-casing: look-alike spellings of
    one mailbox were separate signatures, and separate people."""
    before = [("signatures", "0008_rejected_reason_choices")]
    old = _migrate(before)
    now = timezone.now()
    organisation = old.get_model("campaigns", "Organisation").objects.create(slug="o", name="O")
    campaign = old.get_model("campaigns", "Campaign").objects.create(
        organisation=organisation, slug="c", title="C", goal=10, status="open"
    )
    Signature_ = old.get_model("signatures", "Signature")
    spellings = [
        "ana@example.org",
        "ana@ex\u00adample.org",
        "ana@exam\u200dple.org",
        "ana@ＥXAMPLE.ORG",
    ]
    for n, email in enumerate(spellings):
        Signature_.objects.create(
            campaign=campaign, name=f"Ana {n}", email=email, email_normalised=email.lower(),
            country="BO", status="confirmed", confirmed_at=now, counted="confirmed",
            created=now + timedelta(seconds=n),
        )  # fmt: skip
    Signature_.objects.create(
        campaign=campaign, name="Old", email="odd@x.test", email_normalised="odd@x.test",
        country="BO", status="confirmed", confirmed_at=now, counted="confirmed", created=now,
    )  # fmt: skip
    Person_ = old.get_model("signatures", "Person")
    Tag_ = old.get_model("signatures", "Tag")
    volunteer = Tag_.objects.create(organisation=organisation, name="volunteer")
    donor = Tag_.objects.create(organisation=organisation, name="donor")
    first = Person_.objects.create(
        organisation=organisation, email="ana@example.org", email_normalised="ana@example.org"
    )
    second = Person_.objects.create(
        organisation=organisation, email="ana@ＥXAMPLE.ORG", email_normalised="ana@ｅxample.org"
    )
    Tagging_ = old.get_model("signatures", "Tagging")
    Tagging_.objects.create(tag=volunteer, person=first)
    Tagging_.objects.create(tag=volunteer, person=second)
    Tagging_.objects.create(tag=donor, person=second)

    _migrate(_latest())

    rows = list(
        Signature.objects.filter(campaign_id=campaign.id, name__startswith="Ana").order_by(
            "created"
        )
    )
    assert {row.email_normalised for row in rows} == {"ana@example.org"}
    assert (rows[0].status, rows[0].rejected_reason) == ("confirmed", "")
    assert {(row.status, row.rejected_reason) for row in rows[1:]} == {("rejected", "duplicate")}
    # The tally finds them by itself: their status no longer matches what it counted.
    assert all(row.counted == "confirmed" for row in rows[1:])
    odd = Signature.objects.get(name="Old")
    assert (odd.status, odd.needs_review) == ("confirmed", True)  # kept, counted, flagged
    person = Person.objects.get(organisation_id=organisation.id)
    assert person.id == first.id
    assert set(person.taggings.values_list("tag__name", flat=True)) == {"volunteer", "donor"}


@pytest.mark.django_db(transaction=True)
def test_a_partners_signers_from_before_the_upgrade_become_its_people():
    """A partner's people were made of its own campaigns' signatures only, and its sync had
    gone past the signatures that came through it: the upgrade lowers its watermark."""
    old = _migrate([("signatures", "0016_partner_attribution")])
    now = timezone.now()
    Organisation_ = old.get_model("campaigns", "Organisation")
    lead = Organisation_.objects.create(slug="lead", name="Lead")
    union = Organisation_.objects.create(slug="union", name="Union")
    campaign = old.get_model("campaigns", "Campaign").objects.create(
        organisation=lead, slug="c", title="C", goal=10, status="open"
    )
    # An active partner holds its signers (one that left holds none: signatures.people).
    old.get_model("campaigns", "CampaignPartner").objects.create(
        campaign=campaign, organisation=union, status="active"
    )
    signature = old.get_model("signatures", "Signature").objects.create(
        campaign=campaign, partner=union, name="Ana Choque", email="ana@example.org",
        email_normalised="ana@example.org", country="BO", status="confirmed", confirmed_at=now,
        counted="confirmed",
    )  # fmt: skip
    Organisation_.objects.filter(id=union.id).update(people_synced_to=signature.id + 5000)

    _migrate(_latest())

    people_sync(organisation_id=union.id)
    assert list(
        Person.objects.filter(organisation_id=union.id).values_list("email", "given_name")
    ) == [("ana@example.org", "Ana")]

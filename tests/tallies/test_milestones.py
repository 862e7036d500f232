import hashlib
import hmac
import json
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from campaigns import records
from tallies import milestones
from tallies import services as tallies
from tallies.models import Milestone
from tests.factories import CampaignFactory, confirmed_rows
from webhooks import services as webhooks
from webhooks.models import WebhookDelivery


class Receiver:
    """A local webhook receiver: records what it gets, answers with the status it is told."""

    def __init__(self, statuses=(200,)):
        self.requests = []
        self.statuses = list(statuses)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                status = (
                    receiver.statuses.pop(0)
                    if len(receiver.statuses) > 1
                    else (receiver.statuses[0])
                )
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    running = Receiver()
    yield running
    running.close()


def owe_a_milestone(organisation, organiser, url):
    """An endpoint listening for milestones, and the delivery a 25% milestone owes it."""
    endpoint = webhooks.webhook_endpoint_create(
        by=organiser,
        organisation=organisation,
        url=url,
        secret="s3cret-s3cret-s3cret",
        events=["milestone"],
    )
    campaign = CampaignFactory(organisation=organisation, goal=100)
    confirmed_rows(campaign, 26)
    tallies.campaign_tally(campaign_id=campaign.id)
    return endpoint, WebhookDelivery.objects.get()


@pytest.mark.django_db
def test_goal_shares_and_round_thresholds_are_recorded_once(org_a):
    campaign = CampaignFactory(organisation=org_a, goal=4000)
    confirmed_rows(campaign, 1100)
    tallies.campaign_tally(campaign_id=campaign.id)
    keys = set(Milestone.objects.values_list("kind", "key"))
    assert keys == {("goal_percent", "25"), ("signatures", "1000")}
    confirmed_rows(campaign, 1000, start=5000)
    tallies.campaign_tally(campaign_id=campaign.id)
    tallies.campaign_reconcile(campaign_id=campaign.id)
    assert set(Milestone.objects.values_list("kind", "key")) == keys | {("goal_percent", "50")}
    assert Milestone.objects.count() == 3
    assert Milestone.objects.get(key="50").value == 2100


@pytest.mark.django_db
def test_a_country_reaching_ratified_is_a_milestone(org_a, organiser_a):
    campaign = CampaignFactory(organisation=org_a)
    records.country_status_record(
        by=organiser_a, campaign=campaign, country="BO", stage="passed", date=date(2012, 11, 21)
    )
    tallies.campaign_tally_records(campaign_id=campaign.id)
    assert not Milestone.objects.exists()
    records.country_status_record(
        by=organiser_a, campaign=campaign, country="BO", stage="ratified", date=date(2013, 4, 15)
    )
    tallies.campaign_tally_records(campaign_id=campaign.id)
    tallies.campaign_tally_records(campaign_id=campaign.id)
    assert list(Milestone.objects.values_list("kind", "key")) == [("country", "BO")]


@pytest.mark.django_db
def test_milestones_are_emailed_to_organisers_once(org_a, organiser_a, owner_a, viewer_a):
    campaign = CampaignFactory(organisation=org_a, goal=100, title="Ratify C189")
    confirmed_rows(campaign, 30)
    tallies.campaign_tally(campaign_id=campaign.id)
    milestone = Milestone.objects.get()
    assert milestones.milestone_announce(milestone_id=milestone.id)
    assert not milestones.milestone_announce(milestone_id=milestone.id)
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == sorted([organiser_a.email, owner_a.email])
    assert "Ratify C189" in mail.outbox[0].subject


@pytest.mark.django_db
def test_webhook_deliveries_are_signed_and_happen_once(org_a, organiser_a, receiver):
    endpoint, delivery = owe_a_milestone(org_a, organiser_a, receiver.url)
    assert webhooks.webhook_deliver(delivery_id=delivery.id) == "delivered"
    assert webhooks.webhook_deliver(delivery_id=delivery.id) == "skipped"
    assert len(receiver.requests) == 1
    headers, body = receiver.requests[0]
    expected = hmac.new(
        endpoint.secret.encode(),
        f"{headers['X-Voces-Timestamp']}.".encode() + body,
        hashlib.sha256,
    ).hexdigest()
    assert headers["X-Voces-Signature"] == f"sha256={expected}"
    assert headers["X-Voces-Delivery"] == delivery.idempotency_key
    payload = json.loads(body)
    assert payload["milestone"] == {
        "kind": "goal_percent",
        "key": "25",
        "value": 26,
        "reached_at": payload["milestone"]["reached_at"],
    }


@pytest.mark.django_db
def test_failed_deliveries_are_retried_with_backoff_then_given_up(org_a, organiser_a, receiver):
    receiver.statuses = [500]
    _endpoint, delivery = owe_a_milestone(org_a, organiser_a, receiver.url)
    assert webhooks.webhook_deliver(delivery_id=delivery.id) == "pending"
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.last_status) == (1, 500)
    assert delivery.next_attempt_at > delivery.created
    # Not due yet: the sweep leaves it alone.
    assert delivery.id not in webhooks.webhook_deliveries_due()
    for _ in range(webhooks.MAX_ATTEMPTS):
        WebhookDelivery.objects.filter(id=delivery.id).update(next_attempt_at=delivery.created)
        webhooks.webhook_deliver(delivery_id=delivery.id)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("failed", webhooks.MAX_ATTEMPTS)


@pytest.mark.django_db
def test_webhooks_may_not_point_into_the_private_network(org_a, organiser_a):
    for url in (
        "http://127.0.0.1:6379/",
        "http://10.0.0.1/hook",
        "http://localhost/x",
        # IPv4 loopback inside IPv6 forms, each accepted as public before.
        "http://[::127.0.0.1]/",
        "http://[::ffff:0:7f00:1]/",
        "http://[64:ff9b::7f00:1]/",
        "http://[2002:7f00:1::]/",
        "ftp://example.org/",
    ):
        with pytest.raises(ValidationError):
            webhooks.webhook_endpoint_create(
                by=organiser_a,
                organisation=org_a,
                url=url,
                secret="s" * 20,
                events=["milestone"],
            )


@pytest.mark.django_db
def test_a_deactivated_endpoint_gets_nothing_more(org_a, organiser_a, receiver):
    endpoint, delivery = owe_a_milestone(org_a, organiser_a, receiver.url)
    endpoint.active = False
    endpoint.save()
    assert webhooks.webhook_deliver(delivery_id=delivery.id) == "failed"
    assert receiver.requests == []


@pytest.mark.django_db
def test_a_redirect_is_not_followed(org_a, organiser_a, receiver):
    receiver.statuses = [302]
    _endpoint, delivery = owe_a_milestone(org_a, organiser_a, receiver.url)
    assert webhooks.webhook_deliver(delivery_id=delivery.id) == "pending"
    delivery.refresh_from_db()
    assert delivery.last_status == 302
    assert len(receiver.requests) == 1  # the POST, and nothing sent where it pointed

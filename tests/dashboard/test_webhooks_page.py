"""An organisation's webhooks from the dashboard: add one (its secret shown once), refuse a
private address on the form, deactivate and reactivate, send a signed test and see the
recent deliveries."""

import hmac
import json
import socket
import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from campaigns.models import AuditEntry
from core.errors import NotAllowed
from tests.tallies.test_milestones import Receiver
from webhooks import services as webhooks
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
URL = "/dashboard/o/org-a/webhooks/"


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    running = Receiver()
    yield running
    running.close()


def endpoint_for(organisation, by, url, events=("milestone",)):
    return webhooks.webhook_endpoint_create(
        by=by, organisation=organisation, url=url, secret="s3cret-" * 4, events=list(events)
    )


def signed_by(secret: str, headers: dict, body: bytes) -> bool:
    mac = hmac.new(secret.encode(), f"{headers['X-Voces-Timestamp']}.".encode() + body, "sha256")
    return hmac.compare_digest(headers["X-Voces-Signature"], f"sha256={mac.hexdigest()}")


def test_a_webhook_is_added_and_its_secret_is_shown_once(client, organiser_a, receiver):
    client.force_login(organiser_a)
    response = client.post(URL, {"url": receiver.url, "events": ["milestone", "signature"]})
    assert response.status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["milestone", "signature"]
    assert endpoint.active
    assert len(endpoint.secret) >= 32
    shown = client.get(URL, **EN)
    assert shown["Cache-Control"] == "no-store"
    html = shown.content.decode()
    assert "it is not shown again" in html
    assert f'value="{endpoint.secret}"' in html
    again = client.get(URL, **EN).content.decode()
    assert endpoint.secret not in again  # once
    assert receiver.url in again
    assert "Milestone reached, New signature (OSDI)" in again
    assert AuditEntry.objects.filter(action="webhook.create", target_id=endpoint.id).exists()


def test_a_typed_secret_is_kept_and_not_shown_back(client, organiser_a, receiver):
    client.force_login(organiser_a)
    short = client.post(
        URL, {"url": receiver.url, "events": ["milestone"], "secret": "short"}, **EN
    )
    assert short.status_code == 400
    assert "Ensure this value has at least 16 characters (it has 5)." in short.content.decode()
    assert not WebhookEndpoint.objects.exists()
    secret = "our-crm-chose-this-one"
    client.post(URL, {"url": receiver.url, "events": ["milestone"], "secret": secret})
    assert WebhookEndpoint.objects.get().secret == secret
    assert secret not in client.get(URL).content.decode()


def test_a_private_address_is_refused_on_the_form(client, organiser_a, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    client.force_login(organiser_a)
    for url in ("http://127.0.0.1:6379/", "http://10.0.0.7/hook", "http://[::ffff:7f00:1]/"):
        response = client.post(URL, {"url": url, "events": ["milestone"]}, **EN)
        assert response.status_code == 400, url
        html = response.content.decode()
        assert 'id="id_url_error"' in html
        assert "This address is not reachable from the internet." in html
        assert f'value="{url}"' in html  # what they typed stays, to correct it
    missing = client.post(URL, {"url": "https://crm.example.org/hook"}, **EN)
    assert 'id="id_events_error"' in missing.content.decode()  # no event chosen
    assert not WebhookEndpoint.objects.exists()


def test_deactivating_asks_first_and_reactivating_does_not(client, organiser_a, org_a, receiver):
    endpoint = endpoint_for(org_a, organiser_a, receiver.url)
    WebhookDelivery.objects.create(
        endpoint=endpoint,
        event="milestone",
        idempotency_key="milestone:1:x",
        payload={},
        next_attempt_at=timezone.now(),
    )
    client.force_login(organiser_a)
    url = f"{URL}{endpoint.id}/deactivate/"
    asked = client.get(url, **EN).content.decode()
    assert f"Deactivate the webhook to {receiver.url}?" in asked
    assert "1 delivery still waiting to be sent will be given up." in asked
    endpoint.refresh_from_db()
    assert endpoint.active
    assert client.post(url).status_code == 302
    endpoint.refresh_from_db()
    assert not endpoint.active
    entry = AuditEntry.objects.get(action="webhook.update")
    assert entry.changes == {"active": [True, False]}
    html = client.get(URL, **EN).content.decode()
    assert "Deactivated" in html
    assert f"{endpoint.id}/reactivate/" in html
    assert f"{endpoint.id}/test/" not in html  # nothing is sent to it, tests included
    assert client.post(f"{URL}{endpoint.id}/reactivate/").status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.active
    assert client.get(f"{URL}{endpoint.id}/reactivate/").status_code == 405  # a POST only


def test_a_test_arrives_signed_and_shows_among_the_deliveries(client, organiser_a, org_a, receiver):
    endpoint = endpoint_for(org_a, organiser_a, receiver.url)
    client.force_login(organiser_a)
    response = client.post(f"{URL}{endpoint.id}/test/", **EN)
    assert response.status_code == 302
    assert len(receiver.requests) == 1
    headers, body = receiver.requests[0]
    assert headers["X-Voces-Event"] == "test"
    assert signed_by(endpoint.secret, headers, body)
    assert json.loads(body)["organisation"] == "org-a"
    delivery = WebhookDelivery.objects.get()
    assert headers["X-Voces-Delivery"] == delivery.idempotency_key
    assert (delivery.event, delivery.state, delivery.attempts, delivery.last_status) == (
        "test",
        "delivered",
        1,
        200,
    )
    html = client.get(URL, **EN).content.decode()
    assert f"Test delivered to {receiver.url}: it answered HTTP 200." in html
    deliveries = html.split('class="deliveries"')[1]
    assert "<td>Test</td>" in deliveries
    assert "Delivered" in deliveries
    assert "HTTP 200" in deliveries


def test_a_failed_test_is_recorded_and_not_retried(client, organiser_a, org_a, receiver):
    receiver.statuses = [500]
    endpoint = endpoint_for(org_a, organiser_a, receiver.url)
    client.force_login(organiser_a)
    client.post(f"{URL}{endpoint.id}/test/", **EN)  # the message is written in the asker's
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.last_status, delivery.last_error) == (
        "failed",
        500,
        "HTTP 500",
    )
    assert delivery.leased_until is None
    assert delivery.id not in webhooks.webhook_deliveries_due()
    html = client.get(URL, **EN).content.decode()
    assert f"The test did not reach {receiver.url}: HTTP 500." in html
    assert "Gave up" in html.split('class="deliveries"')[1]


def test_a_test_waits_five_seconds_at_most(organiser_a, org_a, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    silent = socket.socket()  # accepts connections (the backlog) and never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)
    try:
        endpoint = endpoint_for(org_a, organiser_a, f"http://127.0.0.1:{silent.getsockname()[1]}/")
        started = time.monotonic()
        delivery = webhooks.webhook_test_send(by=organiser_a, endpoint=endpoint)
        waited = time.monotonic() - started
    finally:
        silent.close()
    assert webhooks.TEST_TIMEOUT_SECONDS <= waited < webhooks.TEST_TIMEOUT_SECONDS + 2
    assert (delivery.state, delivery.last_error) == ("failed", "timed out")


def test_no_test_goes_to_a_deactivated_or_a_private_endpoint(
    organiser_a, org_a, receiver, settings, viewer_a
):
    endpoint = endpoint_for(org_a, organiser_a, receiver.url)
    with pytest.raises(NotAllowed):
        webhooks.webhook_test_send(by=viewer_a, endpoint=endpoint)
    webhooks.webhook_endpoint_update(by=organiser_a, endpoint=endpoint, active=False)
    with pytest.raises(ValidationError):
        webhooks.webhook_test_send(by=organiser_a, endpoint=endpoint)
    webhooks.webhook_endpoint_update(by=organiser_a, endpoint=endpoint, active=True)
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False  # checked again when sending
    delivery = webhooks.webhook_test_send(by=organiser_a, endpoint=endpoint)
    assert (delivery.state, delivery.last_status) == ("failed", None)
    assert delivery.last_error == "This address is not reachable from the internet."
    assert receiver.requests == []


def test_the_page_lists_the_last_20_deliveries_of_each_endpoint(
    client, organiser_a, org_a, receiver
):
    endpoint = endpoint_for(org_a, organiser_a, receiver.url, events=["signature"])
    now = timezone.now()
    for n in range(25):
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint,
            event="signature",
            idempotency_key=f"signature:{n}:{endpoint.id}",
            next_attempt_at=now,
            state="pending" if n == 24 else "delivered",
            attempts=0 if n == 24 else 1,
            last_status=None if n == 24 else 200 + n,
        )
        WebhookDelivery.objects.filter(id=delivery.id).update(created=now + timedelta(minutes=n))
    client.force_login(organiser_a)
    html = client.get(URL, **EN).content.decode()
    rows = html.split('class="deliveries"')[1].split("</table>")[0].count("<tr>") - 1
    assert rows == 20
    assert "HTTP 223" in html  # the newest answered
    assert "HTTP 205" in html  # the 20th newest
    assert "HTTP 204" not in html  # the 21st is left off
    assert "1 delivery waiting" in html


def test_another_organisations_webhooks_are_not_found(
    client, organiser_a, org_b, organiser_b, receiver
):
    theirs = endpoint_for(org_b, organiser_b, receiver.url)
    client.force_login(organiser_a)
    assert receiver.url not in client.get(URL).content.decode()
    for action in ("test", "deactivate", "reactivate"):
        assert client.post(f"{URL}{theirs.id}/{action}/").status_code == 404
    assert client.get("/dashboard/o/org-b/webhooks/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.active
    assert receiver.requests == []


def test_the_home_page_links_the_webhooks_for_managers_only(client, organiser_a, viewer_a):
    client.force_login(organiser_a)
    assert URL in client.get("/dashboard/").content.decode()
    client.force_login(viewer_a)
    assert URL not in client.get("/dashboard/").content.decode()
    assert client.get(URL).status_code == 403

"""The field app's batch endpoint: each client_id stored once, whatever the network does."""

import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from knox.models import AuthToken
from rest_framework.test import APIClient

from campaigns.models import Campaign
from signatures.models import BatchItem, Collector, ConsentText, Signature
from tallies.services import campaign_tally
from tests.factories import CampaignFactory, CollectorFactory, sign

pytestmark = pytest.mark.django_db


def url(campaign):
    return f"/api/v1/campaigns/{campaign.slug}/signatures/batch/"


def item(n=0, **fields):
    base = {
        "client_id": str(uuid.UUID(int=n + 1)),
        "name": f"Firmante {n}",
        "email": f"firmante{n}@example.org",
        "country": "BO",
        "consent": True,
        "collected_at": "2026-03-30T14:05:00Z",
    }
    base.update(fields)
    return {key: value for key, value in base.items() if value is not None}


@pytest.fixture
def field_campaign(org_a):
    campaign = CampaignFactory(
        organisation=org_a, slug="field-c", contact="email_or_phone", require_confirmation=True
    )
    Campaign.objects.filter(id=campaign.id).update(created=datetime(2026, 1, 1, tzinfo=UTC))
    campaign.refresh_from_db()
    return campaign


@pytest.fixture
def collector(collector_a, org_a):
    return CollectorFactory(organisation=org_a, user=collector_a, code="juana")


@pytest.fixture
def device(collector):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(collector.user)[1]}")
    return client


def send(device, campaign, items, **body):
    response = device.post(url(campaign), {"signatures": items, **body}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def results(answers):
    return [answer["result"] for answer in answers]


def test_a_batch_answers_each_item_in_order_and_credits_the_collector(
    device, field_campaign, collector
):
    answers = send(
        device,
        field_campaign,
        [
            item(0, email=None, phone="71234567"),  # phone-only, national form read with BO
            item(1, phone="+591 7123-4568"),
            item(2, email="not an email"),
            item(3, email="FIRMANTE1@example.org"),  # the same person as item 1
        ],
        waiting=7,
    )
    assert results(answers) == ["created", "created", "rejected", "duplicate"]
    assert [a["client_id"] for a in answers] == [str(uuid.UUID(int=n + 1)) for n in range(4)]
    assert answers[2]["errors"] == {"email": ["Enter a valid email address."]}
    rows = Signature.objects.filter(campaign=field_campaign).order_by("name")
    assert [(s.name, s.email_normalised, s.phone) for s in rows] == [
        ("Firmante 0", None, "+59171234567"),
        ("Firmante 1", "firmante1@example.org", "+59171234568"),
    ]
    for signature in rows:
        # Collected by a person with an account: counted at once, even where the public
        # confirms by email; no address hash (a market shares one), no email owed.
        assert signature.status == "confirmed"
        assert signature.source == "field"
        assert signature.collector_id == collector.id
        assert signature.client_hash == ""
        assert signature.email_state == "none"
        assert signature.created == datetime(2026, 3, 30, 14, 5, tzinfo=UTC)
        assert signature.consent_text_id is not None
    collector.refresh_from_db()
    assert collector.waiting == 7
    assert collector.waiting_at is not None
    assert collector.synced_at is not None
    assert campaign_tally(campaign_id=field_campaign.id) == 2
    field_campaign.tally.refresh_from_db()
    assert field_campaign.tally.confirmed == 2


def test_sending_a_batch_again_stores_nothing_more_and_answers_the_same(device, field_campaign):
    batch = [item(0), item(1, email=None, phone="+59171234567"), item(2, country="XX")]
    first = send(device, field_campaign, batch)
    again = send(device, field_campaign, batch)
    assert again == first
    assert results(first) == ["created", "created", "rejected"]
    assert Signature.objects.count() == 2
    assert BatchItem.objects.count() == 2  # a rejected item leaves no trace


def test_a_rejected_item_can_be_corrected_and_sent_again_under_its_id(device, field_campaign):
    assert results(send(device, field_campaign, [item(0, country="XX")])) == ["rejected"]
    assert results(send(device, field_campaign, [item(0, country="EC")])) == ["created"]
    assert Signature.objects.get().country == "EC"


def test_an_item_answered_once_keeps_its_answer_whatever_is_sent_under_its_id(
    device, field_campaign
):
    send(device, field_campaign, [item(0)])
    answers = send(device, field_campaign, [item(0, email="someone.else@example.org"), item(0)])
    assert results(answers) == ["created", "created"]
    assert Signature.objects.get().email == "firmante0@example.org"


def test_the_same_client_id_twice_in_one_batch_is_one_signature(device, field_campaign):
    answers = send(device, field_campaign, [item(0), item(0)])
    assert results(answers) == ["created", "created"]
    assert Signature.objects.count() == 1


def test_a_phone_is_the_person_only_among_signatures_without_email(device, field_campaign):
    answers = send(
        device,
        field_campaign,
        [
            item(0, email=None, phone="+59171234567"),
            item(1, email=None, phone="7123 4567"),  # the same phone, as dialled in Bolivia
            item(2, phone="+59171234567"),  # with an email: that person, sharing the phone
        ],
    )
    assert results(answers) == ["created", "duplicate", "created"]


def test_an_item_without_email_or_phone_names_both(device, field_campaign):
    (answer,) = send(device, field_campaign, [item(0, email=None)])
    assert answer["result"] == "rejected"
    assert set(answer["errors"]) == {"email", "phone"}


def test_a_phone_alone_needs_a_campaign_that_asks_for_email_or_phone(device, org_a, collector):
    campaign = CampaignFactory(organisation=org_a, contact="email")
    (answer,) = send(device, campaign, [item(0, email=None, phone="+59171234567")])
    assert answer == {
        "client_id": item(0)["client_id"],
        "result": "rejected",
        "errors": {"email": ["This field is required."]},
    }


def test_a_body_cannot_claim_a_collector_or_a_source(device, field_campaign, org_a, collector):
    other = CollectorFactory(organisation=org_a, code="someone-else")
    send(device, field_campaign, [item(0, collector=other.code, source="web")])
    signature = Signature.objects.get()
    assert (signature.collector_id, signature.source) == (collector.id, "field")


def test_items_collected_before_the_campaign_closed_are_accepted_after(device, field_campaign):
    closed_at = datetime(2026, 4, 1, tzinfo=UTC)
    Campaign.objects.filter(id=field_campaign.id).update(status="closed", closed_at=closed_at)
    answers = send(
        device,
        field_campaign,
        [item(0, collected_at="2026-03-31T23:59:00Z"), item(1, collected_at="2026-04-01T08:00Z")],
    )
    assert results(answers) == ["created", "rejected"]
    assert list(answers[1]["errors"]) == ["collected_at"]


def test_a_draft_takes_no_batch(device, org_a, collector):
    campaign = CampaignFactory(organisation=org_a, status="draft")
    response = device.post(url(campaign), {"signatures": [item(0)]}, format="json")
    assert response.status_code == 409
    assert not Signature.objects.exists()


def test_a_phone_clock_that_is_wrong_is_corrected_by_the_batch_sent_at(device, field_campaign):
    now = timezone.now()
    wrong = now - timedelta(days=3)  # the phone thinks it is three days ago
    collected = wrong - timedelta(hours=2)
    send(
        device,
        field_campaign,
        [item(0, collected_at=collected.isoformat())],
        sent_at=wrong.isoformat(),
    )
    created = Signature.objects.get().created
    assert abs(created - (now - timedelta(hours=2))) < timedelta(minutes=1)


def test_a_moment_in_the_future_or_before_the_campaign_is_kept_within_them(device, field_campaign):
    send(
        device,
        field_campaign,
        [item(0, collected_at="2099-01-01T00:00:00Z"), item(1, collected_at="1970-01-01T00:00Z")],
    )
    future, past = Signature.objects.order_by("name")
    assert future.created <= timezone.now()
    assert past.created == field_campaign.created


def test_a_clock_off_by_millennia_is_kept_within_the_bounds_not_a_500(device, field_campaign):
    """Was: a year-48 moment corrected by a year-7404 `sent_at` overflowed the date range."""
    send(
        device,
        field_campaign,
        [item(0, collected_at="0048-10-01T15:10:47Z"), item(1, collected_at="9999-12-31T23:00Z")],
        sent_at="7404-09-19T00:54:47Z",
    )
    early, late = Signature.objects.order_by("name")
    assert early.created == field_campaign.created
    assert late.created <= timezone.now()


def test_the_consent_version_the_signer_saw_is_kept(device, field_campaign, organiser_a):
    old = ConsentText.objects.create(campaign=field_campaign, version=1, language="es", text="v1")
    ConsentText.objects.create(campaign=field_campaign, version=2, language="es", text="v2")
    answers = send(
        device, field_campaign, [item(0, consent_version=old.id), item(1, consent_version=10**9)]
    )
    assert results(answers) == ["created", "rejected"]
    assert answers[1]["errors"] == {
        "consent_version": ["This is not a version of this campaign's consent text."]
    }
    assert Signature.objects.get().consent_text_id == old.id


def test_consent_must_be_given(device, field_campaign):
    (answer,) = send(device, field_campaign, [item(0, consent=False)])
    assert answer["result"] == "rejected"
    assert list(answer["errors"]) == ["consent"]


@pytest.mark.parametrize(
    "body",
    [
        {"signatures": [item(n) for n in range(501)]},
        {"signatures": "many"},
        {"signatures": [], "waiting": -1},
        {"waiting": 3},
        [item(0)],
    ],
)
def test_a_body_that_is_not_a_batch_is_a_400_and_stores_nothing(device, field_campaign, body):
    response = device.post(url(field_campaign), body, format="json")
    assert response.status_code == 400
    assert not Signature.objects.exists()
    assert not BatchItem.objects.exists()


def test_not_an_object_item_and_a_missing_id_are_rejected_items(device, field_campaign):
    answers = send(device, field_campaign, ["text", item(1, client_id="not-a-uuid")])
    assert answers[0] == {
        "client_id": None,
        "result": "rejected",
        "errors": {"non_field_errors": ["Send each signature as a JSON object."]},
    }
    assert answers[1]["client_id"] is None
    assert "client_id" in answers[1]["errors"]


def test_a_body_over_1_mb_is_refused_and_500_items_fit_in_it(device, field_campaign):
    long_comment = "x" * 1800
    response = device.post(
        url(field_campaign),
        {"signatures": [item(n, comment=long_comment) for n in range(500)]},
        format="json",
    )
    assert response.status_code == 200
    assert Signature.objects.count() == 500
    big = {"signatures": [item(n, comment=long_comment * 2) for n in range(500)]}
    assert device.post(url(field_campaign), big, format="json").status_code == 413


def test_a_collector_whose_link_was_switched_off_may_not_send(device, field_campaign, collector):
    Collector.objects.filter(id=collector.id).update(active=False)
    response = device.post(url(field_campaign), {"signatures": [item(0)]}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "collector_inactive"
    assert not Signature.objects.exists()


@pytest.mark.parametrize("who", ["viewer_a", "organiser_b", None])
def test_only_collectors_and_organisers_of_the_organisation_send(request, field_campaign, who):
    client = APIClient()
    if who:
        user = request.getfixturevalue(who)
        client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user)[1]}")
    response = client.post(url(field_campaign), {"signatures": [item(0)]}, format="json")
    assert response.status_code in ((401,) if who is None else (403,))
    assert not Signature.objects.exists()


def test_an_organiser_without_a_collector_link_sends_uncredited(organiser_a, field_campaign):
    client = APIClient()
    client.force_login(organiser_a)
    send(client, field_campaign, [item(0)])
    assert Signature.objects.get().collector_id is None


def test_a_session_needs_the_csrf_token(collector, field_campaign):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(collector.user)
    response = client.post(url(field_campaign), {"signatures": [item(0)]}, format="json")
    assert response.status_code == 403
    client.get("/field/")  # the app's page sets the cookie
    token = client.cookies["csrftoken"].value
    response = client.post(
        url(field_campaign), {"signatures": [item(0)]}, format="json", HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 200


def test_the_limit_is_per_account_not_per_address(device, field_campaign, settings, org_a):
    settings.BATCH_RATE = "2/min"
    settings.SIGN_RATE = "1/min"
    for _ in range(2):
        send(device, field_campaign, [item(0)])
    response = device.post(url(field_campaign), {"signatures": [item(1)]}, format="json")
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    # Another collector behind the same carrier address is not held back.
    other = CollectorFactory(organisation=org_a, user=None, code="rosa")
    user = type(other.organisation.memberships.first().user).objects.create(username="rosa")
    org_a.memberships.create(user=user, role="collector")
    other.user = user
    other.save()
    second = APIClient()
    second.force_authenticate(user)
    send(second, field_campaign, [item(2)])


def test_a_public_request_claiming_the_field_confirms_nothing(api, field_campaign):
    api.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = api.post(
        f"/api/v1/campaigns/{field_campaign.slug}/signatures/",
        {"name": "A", "phone": "+59171234567", "country": "BO", "consent": True, "source": "field"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["email"] == [
        "This campaign confirms each signature by email, so an email address is needed "
        "(no text message is sent)."
    ]


def test_the_public_signs_with_a_phone_alone_where_nobody_confirms(api, org_a):
    campaign = CampaignFactory(organisation=org_a, contact="email_or_phone")
    body = {"name": "A", "phone": "71234567", "country": "BO", "consent": True}
    signing = f"/api/v1/campaigns/{campaign.slug}/signatures/"
    first = api.post(signing, body, format="json")
    again = api.post(signing, {**body, "phone": "+591 71234567"}, format="json")
    assert first.status_code == again.status_code == 201
    assert first.content == again.content
    signature = Signature.objects.get()
    assert (signature.phone, signature.status) == ("+59171234567", "confirmed")


def test_an_erased_phone_only_signature_is_not_stored_again_by_a_resend(device, field_campaign):
    send(device, field_campaign, [item(0, email=None, phone="+59171234567")])
    Signature.objects.update(
        phone=None, name="", erased_at=timezone.now()
    )  # as signers' rights erase it
    assert results(send(device, field_campaign, [item(0, email=None, phone="+59171234567")])) == [
        "created"
    ]
    assert Signature.objects.count() == 1


# --- Sequences of sends, as a bad network makes them ------------------------------------

ITEMS = 12


def _pool():
    people = []
    for n in range(ITEMS):
        if n % 4 == 3:
            people.append(item(n, email=None, phone=f"+5917123456{n % 10}"))
        elif n % 5 == 4:
            people.append(item(n, email="firmante0@example.org"))  # person 0 again
        else:
            people.append(item(n))
    return people


sends = st.lists(
    st.tuples(
        st.lists(st.integers(0, ITEMS - 1), min_size=1, max_size=8),  # which items
        st.booleans(),  # the first item is sent broken (a country the device got wrong)
        st.booleans(),  # the connection is cut: the server stores it, the phone hears nothing
    ),
    min_size=1,
    max_size=6,
)


@given(sends)
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@override_settings(BATCH_RATE="off")
def test_any_sequence_of_sends_stores_each_client_id_once(device, field_campaign, sequence):
    Signature.objects.all().delete()
    BatchItem.objects.all().delete()
    pool = _pool()
    answered: dict[str, str] = {}
    for chosen, broken, _cut in sequence:
        batch = [pool[n] for n in chosen]
        if broken:
            batch[0] = {**batch[0], "country": "XX"}
        for answer in send(device, field_campaign, batch):
            if answer["result"] == "rejected":
                continue
            # Once answered, an id always answers the same.
            assert answered.setdefault(answer["client_id"], answer["result"]) == answer["result"]
    stored = BatchItem.objects.filter(campaign=field_campaign)
    assert stored.count() == len(answered)
    assert stored.values("client_id").distinct().count() == len(answered)
    created = sum(1 for result in answered.values() if result == "created")
    assert Signature.objects.filter(campaign=field_campaign).count() == created
    assert stored.filter(result="created").count() == created
    assert set(stored.filter(result="created").values_list("signature_id", flat=True)) == set(
        Signature.objects.values_list("id", flat=True)
    )
    people = {s.email_normalised or s.phone for s in Signature.objects.all()}
    assert len(people) == created  # each person once


# --- Overlapping sends --------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_overlapping_batches_released_together_store_each_id_once(org_a, collector_a):
    campaign = CampaignFactory(organisation=org_a, contact="email_or_phone")
    collector = CollectorFactory(organisation=org_a, user=collector_a, code="juana")
    token = AuthToken.objects.create(collector.user)[1]
    pool = [item(n) for n in range(40)] + [
        item(40 + n, email=None, phone=f"+5917123450{n}") for n in range(10)
    ]
    # Four phones (or one phone retrying) send overlapping halves, in different orders.
    batches = [pool[:30], list(reversed(pool[10:50])), pool[::2], list(reversed(pool))]
    barrier = threading.Barrier(len(batches))
    answers: list = [None] * len(batches)

    def run(index):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        barrier.wait()
        try:
            response = client.post(url(campaign), {"signatures": batches[index]}, format="json")
            answers[index] = (response.status_code, response.json())
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(batches))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [status for status, _body in answers] == [200] * len(batches)
    by_id: dict[str, set] = {}
    for _status, body in answers:
        for answer in body["results"]:
            by_id.setdefault(answer["client_id"], set()).add(answer["result"])
    assert all(results == {"created"} for results in by_id.values()), by_id
    assert len(by_id) == 50
    assert Signature.objects.filter(campaign=campaign).count() == 50
    assert BatchItem.objects.filter(campaign=campaign).count() == 50


def test_a_signature_that_signed_before_online_is_a_duplicate(device, field_campaign):
    Campaign.objects.filter(id=field_campaign.id).update(require_confirmation=False)
    field_campaign.refresh_from_db()
    sign(field_campaign, email="firmante0@example.org")
    assert results(send(device, field_campaign, [item(0)])) == ["duplicate"]

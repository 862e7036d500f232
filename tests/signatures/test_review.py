"""Reviewing many signatures at once: the organisers' filters (API and dashboard), the address
hash they find a burst by, and rejecting or restoring everything a filter selects."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone, translation

from signatures import channels
from signatures.bulk import signatures_insert
from signatures.client import address_hash, client_key
from signatures.confirmation import signature_send_confirmation
from signatures.models import Signature
from signatures.review import SignatureWhere, signatures_review
from signatures.services import signature_sign
from tallies import services as tallies
from tallies.models import CampaignTally
from tests.factories import CampaignFactory, CollectorFactory, sign

pytestmark = pytest.mark.django_db

BURST = client_key("2001:db8:a:b::1")  # one household's /64
OTHER = client_key("192.0.2.7")
WHEN = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def rows(campaign, count, *, start=0, **fields):
    """`count` signatures straight into the table (as an import writes them), `{n}` in the
    email replaced by the row's number; returns them, oldest first."""
    email = fields.pop("email", "s{n}@example.org")
    values = {
        "campaign_id": campaign.id,
        "name": "Firmante",
        "country": "BO",
        "source": "web",
        "status": "confirmed",
        "confirmed_at": WHEN,
        "created": WHEN,
        **fields,
    }
    emails = [email.format(n=n) for n in range(start, start + count)]
    signatures_insert({**values, "email": e, "email_normalised": e} for e in emails)
    return list(Signature.objects.filter(email__in=emails).order_by("id"))


def listed(api, campaign, query=""):
    response = api.get(f"/api/v1/campaigns/{campaign.slug}/signatures/?{query}")
    assert response.status_code == 200, response.json()
    return response.json()


def review_url(campaign):
    return f"/api/v1/campaigns/{campaign.slug}/signatures/review/"


# --- The stored hash ------------------------------------------------------------------------


def test_one_ipv6_64_is_one_client_key_and_ipv4_is_its_own_address():
    assert client_key("2001:db8:a:b::1") == client_key("2001:db8:a:b:ffff:1234:5678:9")
    assert client_key("2001:db8:a:b::1") != client_key("2001:db8:a:c::1")
    assert client_key("192.0.2.7") == address_hash("192.0.2.7")
    assert client_key("::ffff:192.0.2.7") == client_key("192.0.2.7")
    assert client_key("") == ""


def test_the_stored_hash_is_the_one_the_limit_counts_ipv6_by_64(campaign_a):
    for n, address in enumerate(("2001:db8:a:b::1", "2001:db8:a:b:9::2", "2001:db8:a:c::1")):
        signature_sign(
            campaign=campaign_a,
            signer={"name": "P", "email": f"p{n}@example.org", "country": "BO", "consent": True},
            channel=channels.API,
            language="es",
            client_address=address,
        )
    first, second, third = Signature.objects.order_by("id").values_list("client_hash", flat=True)
    assert first == second == client_key("2001:db8:a:b::1")
    assert third != first


# --- The list's filters ---------------------------------------------------------------------


@pytest.fixture
def mixed(campaign_a, org_a):
    """A burst from one address, a few others, across statuses, sources, collectors, days."""
    rosa = CollectorFactory(organisation=org_a, code="rosa")
    burst = rows(campaign_a, 3, email="bot{n}@spam.example", client_hash=BURST)
    others = [
        *rows(campaign_a, 1, email="ana@bücher.example", client_hash=OTHER),
        *rows(campaign_a, 1, email="luz{n}@example.org", country="EC", source="embed"),
        *rows(campaign_a, 1, email="eva{n}@example.org", collector_id=rosa.id, source="import"),
        *rows(
            campaign_a,
            1,
            email="old{n}@example.org",
            status="pending",
            confirmed_at=None,
            created=WHEN - timedelta(days=2),
        ),
    ]
    # Stored as `email_normalise` stores it: a Unicode domain in its IDNA (A-label) form.
    Signature.objects.filter(email="ana@bücher.example").update(
        email_normalised="ana@xn--bcher-kva.example"
    )
    return {"burst": burst, "others": others}


def test_the_list_shows_the_first_12_characters_of_the_address_hash(api, mixed, organiser_a):
    api.force_authenticate(organiser_a)
    shown = {
        row["email"]: row["client_hash"]
        for row in listed(api, mixed["burst"][0].campaign)["results"]
    }
    assert shown["bot0@spam.example"] == BURST[:12]
    assert shown["luz0@example.org"] == ""


@pytest.mark.parametrize(
    ("query", "emails"),
    [
        (
            f"client_hash={BURST[:12]}",
            {"bot0@spam.example", "bot1@spam.example", "bot2@spam.example"},
        ),
        (
            f"client_hash={BURST[:4].upper()}",
            {"bot0@spam.example", "bot1@spam.example", "bot2@spam.example"},
        ),
        (f"client_hash={BURST}", {"bot0@spam.example", "bot1@spam.example", "bot2@spam.example"}),
        (
            "email_domain=SPAM.example",
            {"bot0@spam.example", "bot1@spam.example", "bot2@spam.example"},
        ),
        (
            "email_domain=@spam.example",
            {"bot0@spam.example", "bot1@spam.example", "bot2@spam.example"},
        ),
        ("email_domain=m.example", set()),  # the whole domain, not its end
        ("email_domain=Bücher.example", {"ana@bücher.example"}),
        ("email_domain=xn--bcher-kva.example", {"ana@bücher.example"}),
        ("status=pending", {"old0@example.org"}),
        ("source=embed", {"luz0@example.org"}),
        ("collector=rosa", {"eva0@example.org"}),
        ("country=ec", {"luz0@example.org"}),
        ("created_before=2026-11-20T12:00:00Z", {"old0@example.org"}),  # exclusive
        (
            "created_after=2026-11-19",
            {
                "bot0@spam.example",
                "bot1@spam.example",
                "bot2@spam.example",
                "ana@bücher.example",
                "luz0@example.org",
                "eva0@example.org",
            },
        ),
        ("created_after=2026-11-20T12:00:00Z&source=import", {"eva0@example.org"}),  # inclusive
        (
            f"client_hash={BURST[:6]}&email_domain=spam.example&status=confirmed&country=BO",
            {"bot0@spam.example", "bot1@spam.example", "bot2@spam.example"},
        ),
        (f"client_hash={BURST[:6]}&source=embed", set()),
    ],
)
def test_the_list_filters(api, mixed, organiser_a, query, emails):
    api.force_authenticate(organiser_a)
    body = listed(api, mixed["burst"][0].campaign, query)
    assert {row["email"] for row in body["results"]} == emails
    assert body["count"] == len(emails)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("client_hash=xyz", "client_hash"),
        ("client_hash=" + "a" * 33, "client_hash"),
        ("email_domain=not a domain", "email_domain"),
        ("email_domain=a@b.example", "email_domain"),
        ("created_after=yesterday", "created_after"),
        ("created_before=2026-13-01", "created_before"),
        ("status=bogus", "status"),
        ("source=pigeon", "source"),
        ("country=ZZ", "country"),
        ("collector=no spaces", "collector"),
    ],
)
def test_a_bad_filter_is_a_400_keyed_by_its_name(api, campaign_a, organiser_a, query, field):
    api.force_authenticate(organiser_a)
    response = api.get(f"/api/v1/campaigns/{campaign_a.slug}/signatures/?{query}")
    assert response.status_code == 400
    assert list(response.json()) == [field]


# --- Reviewing many at once -----------------------------------------------------------------


def test_a_dry_run_counts_then_the_real_run_rejects_and_the_tally_follows(
    api, mixed, organiser_a, campaign_a, django_capture_on_commit_callbacks
):
    tallies.campaign_tally(campaign_id=campaign_a.id)
    assert CampaignTally.objects.get(campaign=campaign_a).confirmed == 6
    api.force_authenticate(organiser_a)
    body = {"status": "rejected", "dry_run": True, "where": {"client_hash": BURST[:12]}}
    assert api.post(review_url(campaign_a), body, format="json").json() == {
        "matched": 3,
        "changed": 0,
    }
    assert not Signature.objects.filter(status="rejected").exists()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        answer = api.post(review_url(campaign_a), {**body, "dry_run": False}, format="json")
    assert answer.json() == {"matched": 3, "changed": 3}
    assert callbacks  # the tally's nudge
    assert {(s.status, s.rejected_reason) for s in Signature.objects.filter(client_hash=BURST)} == {
        ("rejected", "organiser")
    }
    tallies.campaign_tally(campaign_id=campaign_a.id)
    tally = CampaignTally.objects.get(campaign=campaign_a)
    assert (tally.confirmed, tally.rejected) == (3, 3)

    # Again: all matched, none changed; and a dry run of restoring says what it would change.
    again = api.post(review_url(campaign_a), {**body, "dry_run": False}, format="json").json()
    assert again == {"matched": 3, "changed": 0}
    restore = {"status": "restored", "where": {"client_hash": BURST[:12]}}
    result = signatures_review(
        by=organiser_a,
        campaign=campaign_a,
        status="restored",
        where=SignatureWhere(client_hash=BURST[:12]),
        dry_run=True,
    )
    assert (result.matched, result.changing, result.changed) == (3, 3, 0)
    assert api.post(review_url(campaign_a), restore, format="json").json() == {
        "matched": 3,
        "changed": 3,
    }
    tallies.campaign_tally(campaign_id=campaign_a.id)
    tally = CampaignTally.objects.get(campaign=campaign_a)
    assert (tally.confirmed, tally.rejected) == (6, 0)


def test_restoring_what_was_not_rejected_changes_nothing(api, mixed, organiser_a, campaign_a):
    api.force_authenticate(organiser_a)
    body = {"status": "restored", "dry_run": False, "where": {"email_domain": "spam.example"}}
    assert api.post(review_url(campaign_a), body, format="json").json() == {
        "matched": 3,
        "changed": 0,
    }


def test_restoring_gives_back_what_was_earned_and_sends_no_email(
    api, org_a, organiser_a, django_capture_on_commit_callbacks
):
    campaign = CampaignFactory(organisation=org_a, slug="confirming", require_confirmation=True)
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(2):
            signature_sign(
                campaign=campaign,
                signer={
                    "name": "P",
                    "email": f"p{n}@burst.example",
                    "country": "BO",
                    "consent": True,
                },
                channel=channels.API,
                language="es",
                client_address="198.51.100.9",
            )
    pending, confirmed = Signature.objects.order_by("id")
    assert pending.email_state == "owed"  # its confirmation email is still to go
    Signature.objects.filter(id=confirmed.id).update(status="confirmed", confirmed_at=WHEN)
    api.force_authenticate(organiser_a)
    where = {"email_domain": "burst.example"}
    url = review_url(campaign)
    with django_capture_on_commit_callbacks(execute=True):
        api.post(url, {"status": "rejected", "where": where}, format="json")
        answer = api.post(url, {"status": "restored", "where": where}, format="json")
    assert answer.json() == {"matched": 2, "changed": 2}
    pending.refresh_from_db()
    confirmed.refresh_from_db()
    assert (pending.status, pending.rejected_reason, pending.confirmed_at) == ("pending", "", None)
    assert (confirmed.status, confirmed.confirmed_at) == ("confirmed", WHEN)
    assert "owed" not in {pending.email_state, confirmed.email_state}
    # Nothing is owed, so the sender (the task and the outbox sweep call it) sends nothing.
    assert not signature_send_confirmation(signature_id=pending.id)
    assert mail.outbox == []


def test_restoring_in_a_campaign_without_confirmation_confirms(api, campaign_a, organiser_a):
    rows(campaign_a, 2, status="rejected", confirmed_at=None, rejected_reason="honeypot")
    api.force_authenticate(organiser_a)
    body = {"status": "restored", "where": {"status": "rejected"}}
    assert api.post(review_url(campaign_a), body, format="json").json()["changed"] == 2
    assert set(Signature.objects.values_list("status", "rejected_reason")) == {("confirmed", "")}
    assert not Signature.objects.filter(confirmed_at__isnull=True).exists()


def test_what_cannot_be_given_back_is_not_restored(api, campaign_a, organiser_a):
    rows(campaign_a, 1, email="gone{n}@example.org", status="rejected", rejected_reason="erased")
    rows(
        campaign_a, 1, email="twice{n}@example.org", status="rejected", rejected_reason="duplicate"
    )
    rows(campaign_a, 1, email="bot{n}@example.org", status="rejected", rejected_reason="organiser")
    api.force_authenticate(organiser_a)
    body = {"status": "restored", "where": {"status": "rejected"}}
    assert api.post(review_url(campaign_a), body, format="json").json() == {
        "matched": 3,
        "changed": 1,
    }
    assert Signature.objects.get(email="bot0@example.org").status == "confirmed"


def test_an_automatic_rejection_keeps_its_reason_when_a_burst_is_rejected(
    api, campaign_a, organiser_a
):
    rows(
        campaign_a,
        1,
        email="a{n}@x.example",
        client_hash=BURST,
        status="rejected",
        rejected_reason="honeypot",
    )
    rows(campaign_a, 1, email="b{n}@x.example", client_hash=BURST)
    api.force_authenticate(organiser_a)
    body = {"status": "rejected", "where": {"client_hash": BURST[:12]}}
    assert api.post(review_url(campaign_a), body, format="json").json() == {
        "matched": 2,
        "changed": 1,
    }
    assert dict(Signature.objects.values_list("email", "rejected_reason")) == {
        "a0@x.example": "honeypot",
        "b0@x.example": "organiser",
    }


def test_a_review_touches_only_its_own_campaign(api, campaign_a, org_a, organiser_a):
    other = CampaignFactory(organisation=org_a, slug="other")
    rows(campaign_a, 2, client_hash=BURST)
    rows(other, 2, start=10, client_hash=BURST)
    api.force_authenticate(organiser_a)
    body = {"status": "rejected", "where": {"client_hash": BURST[:12]}}
    assert api.post(review_url(campaign_a), body, format="json").json()["changed"] == 2
    assert not Signature.objects.filter(campaign=other, status="rejected").exists()


def test_a_review_is_a_few_statements_however_many_rows(
    campaign_a, organiser_a, django_assert_max_num_queries
):
    rows(campaign_a, 500, client_hash=BURST)
    where = SignatureWhere(client_hash=BURST[:8])
    with django_assert_max_num_queries(6):
        result = signatures_review(
            by=organiser_a, campaign=campaign_a, status="rejected", where=where
        )
    assert result.changed == 500


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "rejected", "where": {}}, "where"),
        ({"status": "rejected"}, "where"),
        ({"status": "rejected", "where": None}, "where"),
        ({"status": "rejected", "where": []}, "where"),
        ({"status": "rejected", "where": {"status": ""}}, "where"),
        ({"status": "rejected", "where": {"everything": True}}, "where"),
        ({"status": "rejected", "where": {"client_hash": "zz"}}, "where"),
        ({"status": "rejected", "where": {"created_after": "last week"}}, "where"),
        ({"status": "rejected", "where": {"client_hash": ["ab"]}}, "where"),
        ({"status": "confirmed", "where": {"status": "pending"}}, "status"),
        ({"status": "rejected", "dry_run": "perhaps", "where": {"status": "pending"}}, "dry_run"),
    ],
)
def test_a_review_without_a_valid_filter_is_a_400(api, mixed, organiser_a, campaign_a, body, field):
    api.force_authenticate(organiser_a)
    response = api.post(review_url(campaign_a), body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Signature.objects.filter(rejected_reason="organiser").exists()


def test_an_unknown_filter_is_named(api, campaign_a, organiser_a):
    api.force_authenticate(organiser_a)
    body = {"status": "rejected", "where": {"status": "pending", "ip": "192.0.2.1"}}
    response = api.post(review_url(campaign_a), body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json() == {"where": {"ip": ["Unknown filter."]}}


def test_the_service_refuses_an_empty_filter_too(campaign_a, organiser_a):
    rows(campaign_a, 2)
    with translation.override("en"), pytest.raises(Exception, match="filter"):
        signatures_review(
            by=organiser_a, campaign=campaign_a, status="rejected", where=SignatureWhere()
        )
    assert not Signature.objects.filter(status="rejected").exists()


def test_only_the_campaigns_owners_and_organisers_review(
    api, campaign_a, viewer_a, collector_a, organiser_b, organiser_a, owner_a
):
    rows(campaign_a, 1, client_hash=BURST)
    body = {"status": "rejected", "dry_run": True, "where": {"client_hash": BURST[:12]}}
    assert api.post(review_url(campaign_a), body, format="json").status_code == 401
    for user, code in (
        (viewer_a, 403),
        (collector_a, 403),
        (organiser_b, 403),
        (organiser_a, 200),
        (owner_a, 200),
    ):
        api.force_authenticate(user)
        assert api.post(review_url(campaign_a), body, format="json").status_code == code
    assert not Signature.objects.filter(status="rejected").exists()


def test_restoring_one_signature_through_patch_sends_no_email_either(api, org_a, organiser_a):
    campaign = CampaignFactory(organisation=org_a, slug="confirming", require_confirmation=True)
    sign(campaign, email="juana@example.org")
    signature = Signature.objects.get()
    api.force_authenticate(organiser_a)
    url = f"/api/v1/campaigns/{campaign.slug}/signatures/{signature.id}/"
    assert api.patch(url, {"status": "rejected"}, format="json").json()["status"] == "rejected"
    restored = api.patch(url, {"status": "restored"}, format="json").json()
    assert (restored["status"], restored["rejected_reason"]) == ("pending", "")
    signature.refresh_from_db()
    assert signature.email_state != "owed"
    assert not signature_send_confirmation(signature_id=signature.id)
    assert mail.outbox == []


# --- The dashboard's review page ------------------------------------------------------------


def page(client, campaign, query=""):
    return client.get(
        f"/dashboard/c/{campaign.slug}/signatures/?{query}", HTTP_ACCEPT_LANGUAGE="en"
    )


def test_the_page_filters_searches_and_pages_by_50(client, campaign_a, organiser_a):
    rows(campaign_a, 60, email="bot{n}@spam.example", client_hash=BURST)
    rows(campaign_a, 1, email="juana@example.org", name="Juana Mamani", client_hash=OTHER)
    client.force_login(organiser_a)
    first = page(client, campaign_a, f"client_hash={BURST[:12]}")
    assert first.status_code == 200
    html = first.content.decode()
    assert "60 signatures match" in html
    assert html.count("@spam.example") == 50
    assert "juana@example.org" not in html
    assert f"?client_hash={BURST[:12]}&amp;page=2" in html  # the next page keeps the filter
    second = page(client, campaign_a, f"client_hash={BURST[:12]}&page=2").content.decode()
    assert "51–60 of 60" in second
    found = page(client, campaign_a, "search=mamani").content.decode()
    assert "juana@example.org" in found
    assert "bot1@spam.example" not in found
    assert "1 signature matches" in found
    everything = page(client, campaign_a).content.decode()
    assert "1–50 of 61" in everything
    assert "signatures match" not in everything  # no bulk action without a filter


def test_a_bad_filter_on_the_page_shows_its_error(client, campaign_a, organiser_a):
    client.force_login(organiser_a)
    response = page(client, campaign_a, "client_hash=nothex&created_after=soon")
    assert response.status_code == 400
    html = response.content.decode()
    assert "0-9 and a-f" in html
    assert "Enter a valid date." in html


def test_the_busiest_addresses_panel_links_to_their_signatures(client, campaign_a, organiser_a):
    now = timezone.now()
    rows(campaign_a, 4, email="bot{n}@spam.example", client_hash=BURST, created=now)
    rows(
        campaign_a, 1, email="ana@example.org", client_hash=OTHER, created=now - timedelta(hours=3)
    )
    rows(
        campaign_a,
        9,
        email="old{n}@example.org",
        client_hash=OTHER,
        created=now - timedelta(days=3),
    )
    client.force_login(organiser_a)
    html = page(client, campaign_a).content.decode()
    link = f'href="/dashboard/c/{campaign_a.slug}/signatures/?client_hash={BURST[:12]}"'
    hour, day = html.split("In the last hour")[1].split("In the last day")
    day = day.split("</section>")[0]
    assert link in hour
    assert "4 signatures" in hour
    assert OTHER[:12] not in hour
    assert link in day
    assert f"?client_hash={OTHER[:12]}" in day
    assert "1 signature<" in day


def test_rejecting_a_burst_from_the_page_asks_first(client, campaign_a, organiser_a):
    rows(campaign_a, 3, email="bot{n}@spam.example", client_hash=BURST)
    rows(campaign_a, 1, email="ana@example.org", client_hash=OTHER)
    client.force_login(organiser_a)
    url = f"/dashboard/c/{campaign_a.slug}/signatures/?client_hash={BURST[:12]}"
    confirm = page(client, campaign_a, f"client_hash={BURST[:12]}&review=rejected").content.decode()
    assert "3 of the 3 matching signatures will be rejected." in confirm
    assert "csrfmiddlewaretoken" in confirm
    assert not Signature.objects.filter(status="rejected").exists()  # the dry run changed nothing
    response = client.post(url, {"bulk": "rejected"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    assert response["Location"] == url
    assert Signature.objects.filter(status="rejected").count() == 3
    assert Signature.objects.get(email="ana@example.org").status == "confirmed"
    after = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "3 signatures rejected, of 3 that match." in after
    # Restoring them: the same two steps.
    again = page(client, campaign_a, f"client_hash={BURST[:12]}&review=restored").content.decode()
    assert "3 of the 3 matching signatures will be restored." in again
    client.post(url, {"bulk": "restored"})
    assert not Signature.objects.filter(status="rejected").exists()


def test_the_page_never_reviews_everything(client, campaign_a, organiser_a):
    rows(campaign_a, 2)
    client.force_login(organiser_a)
    response = client.post(f"/dashboard/c/{campaign_a.slug}/signatures/", {"bulk": "rejected"})
    assert response.status_code == 302
    assert not Signature.objects.filter(status="rejected").exists()
    bad = client.post(
        f"/dashboard/c/{campaign_a.slug}/signatures/?client_hash=nothex", {"bulk": "rejected"}
    )
    assert bad.status_code == 302
    assert not Signature.objects.filter(status="rejected").exists()


def test_the_rows_own_buttons_keep_the_filters_and_restore_without_email(
    client, org_a, organiser_a
):
    campaign = CampaignFactory(organisation=org_a, slug="confirming", require_confirmation=True)
    sign(campaign, email="juana@example.org")
    signature = Signature.objects.get()
    client.force_login(organiser_a)
    url = f"/dashboard/c/{campaign.slug}/signatures/?status=pending&page=1"
    response = client.post(url, {"id": signature.id, "status": "rejected"})
    assert response["Location"] == url
    client.post(url, {"id": signature.id, "status": "restored"})
    signature.refresh_from_db()
    assert (signature.status, signature.email_state) == ("pending", "none")
    assert client.post(url, {"id": 999999, "status": "rejected"}).status_code == 404


def test_a_viewer_cannot_review_from_the_page(client, campaign_a, viewer_a):
    rows(campaign_a, 1, client_hash=BURST)
    client.force_login(viewer_a)
    url = f"/dashboard/c/{campaign_a.slug}/signatures/?client_hash={BURST[:12]}"
    assert client.get(url).status_code == 403
    assert client.post(url, {"bulk": "rejected"}).status_code == 403
    assert not Signature.objects.filter(status="rejected").exists()

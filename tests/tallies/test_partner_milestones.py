"""A coalition partner's share of the count has milestones of its own: round numbers, and
parts of the goal the partner set for it. They are announced to the partner alone (its
webhooks, its owners and organisers) and shown to nobody else."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from campaigns import partners
from campaigns.models import AuditEntry, CampaignPartner, Role
from tallies import milestones
from tallies import services as tallies
from tallies.models import CampaignTally, Milestone
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory, confirmed_rows
from webhooks import services as webhooks
from webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db


def _union(slug: str, name: str) -> tuple:
    org = OrganisationFactory(slug=slug, name=name)
    people = {}
    for role in (Role.OWNER, Role.ORGANISER, Role.VIEWER):
        people[role] = UserFactory(username=f"{slug}-{role}")
        MembershipFactory(user=people[role], organisation=org, role=role)
    return org, people


@pytest.fixture
def union(db):
    return _union("fenatrahob", "FENATRAHOB")


@pytest.fixture
def second(db):
    return _union("sintrahogar", "SINTRAHOGAR")


@pytest.fixture
def coalition(campaign_a, union, second, superuser):
    """campaign-a (goal 1,000, in Spanish first) led by org-a, with two active partners."""
    partners.partners_set(by=superuser, campaign=campaign_a, slugs=["fenatrahob", "sintrahogar"])
    return campaign_a


def _listening(organisation, by):
    return webhooks.webhook_endpoint_create(
        by=by,
        organisation=organisation,
        url=f"http://127.0.0.1:9/{organisation.slug}",
        secret="s3cret-s3cret-s3cret",
        events=["milestone"],
    )


def _goal(campaign, union, goal):
    org, people = union
    return partners.partner_goal_set(
        by=people[Role.ORGANISER], campaign=campaign, organisation=org, goal=goal
    )


def test_a_partners_share_reaches_its_own_milestones_heard_by_the_partner_alone(
    coalition, union, second, organiser_a, owner_a, settings
):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True  # nothing is sent: deliveries are owed
    org, people = union
    other, other_people = second
    lead_hook = _listening(coalition.organisation, organiser_a)
    union_hook = _listening(org, people[Role.ORGANISER])
    other_hook = _listening(other, other_people[Role.ORGANISER])
    _goal(coalition, union, 1200)
    confirmed_rows(coalition, 1100, partner=org)  # the union's share: 1,100 of its 1,200
    confirmed_rows(coalition, 200, start=5000, partner=other)  # no goal of its own
    tallies.campaign_tally(campaign_id=coalition.id)

    theirs = set(Milestone.objects.filter(partner=org).values_list("kind", "key", "value"))
    assert theirs == {
        ("goal_percent", "25", 1100),
        ("goal_percent", "50", 1100),
        ("goal_percent", "75", 1100),
        ("signatures", "1000", 1100),
    }
    # The campaign's own (1,300 of 1,000) are as they were; the second union reached none.
    assert set(
        Milestone.objects.filter(partner__isnull=True).values_list("kind", "key", "value")
    ) == {(kind, key, 1300) for kind, key in [("signatures", "1000")]} | {
        ("goal_percent", p, 1300) for p in ("25", "50", "75", "100")
    }
    assert not Milestone.objects.filter(partner=other).exists()

    deliveries = {
        (d.endpoint_id, d.payload["milestone"]["key"]) for d in WebhookDelivery.objects.all()
    }
    assert {key for hook, key in deliveries if hook == union_hook.id} == {"25", "50", "75", "1000"}
    assert {key for hook, key in deliveries if hook == lead_hook.id} == {
        "25",
        "50",
        "75",
        "100",
        "1000",
    }
    assert not any(hook == other_hook.id for hook, _key in deliveries)
    # The union's payload names it, and its share is the value; the lead's names no partner.
    union_payloads = [d.payload for d in WebhookDelivery.objects.filter(endpoint=union_hook)]
    assert {p["partner"]["organisation"] for p in union_payloads} == {"fenatrahob"}
    assert union_payloads[0]["partner"] == {
        "organisation": "fenatrahob",
        "name": "FENATRAHOB",
        "goal": 1200,
    }
    assert all(
        "partner" not in d.payload for d in WebhookDelivery.objects.filter(endpoint=lead_hook)
    )

    # The email goes to the union's owners and organisers (not its viewer, not the lead's),
    # in the campaign's language.
    share = Milestone.objects.get(partner=org, kind="goal_percent", key="75")
    assert milestones.milestone_announce(milestone_id=share.id)
    assert not milestones.milestone_announce(milestone_id=share.id)
    (email,) = mail.outbox
    assert sorted(email.to) == sorted([people[Role.OWNER].email, people[Role.ORGANISER].email])
    assert email.subject == f"{coalition.title}: FENATRAHOB al 75% de su meta"
    assert "75% de la meta de FENATRAHOB: 1\xa0100 de 1\xa0200 firmas confirmadas" in email.body
    assert "/dashboard/c/campaign-a/" in email.body
    lead_milestone = Milestone.objects.get(partner__isnull=True, kind="goal_percent", key="25")
    assert milestones.milestone_announce(milestone_id=lead_milestone.id)
    assert sorted(mail.outbox[1].to) == sorted([organiser_a.email, owner_a.email])
    assert "FENATRAHOB" not in mail.outbox[1].subject + mail.outbox[1].body


def test_a_partners_milestones_are_recorded_once_and_only_while_it_is_active(
    coalition, union, second, superuser
):
    org, people = union
    confirmed_rows(coalition, 1000, partner=org)
    tallies.campaign_tally(campaign_id=coalition.id)
    tallies.campaign_reconcile(campaign_id=coalition.id)
    tallies.campaign_tally(campaign_id=coalition.id)
    assert list(Milestone.objects.filter(partner=org).values_list("kind", "key")) == [
        ("signatures", "1000")
    ]
    # Invited, not active: a share gets no milestones of its own.
    invited = OrganisationFactory(slug="invited-union")
    partners.partners_set(
        by=superuser, campaign=coalition, slugs=["fenatrahob", "sintrahogar", "invited-union"]
    )
    CampaignPartner.objects.filter(organisation=invited).update(status="invited")
    confirmed_rows(coalition, 1000, start=10_000, partner=invited)
    # Gone: its signatures stay counted, its share crosses nothing more.
    partners.partner_leave(by=people[Role.OWNER], campaign=coalition, organisation=org)
    confirmed_rows(coalition, 10, start=20_000, partner=org)
    CampaignPartner.objects.filter(organisation=org).update(goal=4)
    tallies.campaign_tally(campaign_id=coalition.id)
    tallies.campaign_reconcile(campaign_id=coalition.id)
    assert list(Milestone.objects.exclude(partner=None).values_list("partner__slug", "key")) == [
        ("fenatrahob", "1000")
    ]


def test_a_goal_set_after_the_share_crossed_it_is_reached_at_the_next_tally(
    coalition, union, settings, django_capture_on_commit_callbacks
):
    """Was: with no new signature through the partner, the goal waited for the hourly
    reconcile. Setting it nudges the task that records milestones; here tasks run
    in-process (as in the embedded default), so the nudge runs it on commit."""
    org, _people = union
    confirmed_rows(coalition, 20, partner=org)
    tallies.campaign_tally(campaign_id=coalition.id)
    assert not Milestone.objects.filter(partner=org).exists()
    settings.CELERY_TASK_ALWAYS_EAGER = True  # Celery's app reads it from the settings
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _goal(coalition, union, 40)  # 20 is half of it
    assert callbacks
    reached = Milestone.objects.filter(partner=org)
    assert sorted(reached.values_list("key", "value", "goal")) == [
        ("25", 20, 40),
        ("50", 20, 40),
    ]
    assert not Milestone.objects.filter(partner=None).exists()  # 20 of the campaign's 1,000


def test_a_share_milestone_keeps_the_goal_it_was_reached_against(
    client, coalition, union, settings
):
    """Was: its email read the partner's goal when it went out (the webhook's payload, when
    the milestone was recorded), so a goal moved meanwhile made the two disagree."""
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True  # nothing is sent: deliveries are owed
    org, people = union
    hook = _listening(org, people[Role.ORGANISER])
    _goal(coalition, union, 40)
    confirmed_rows(coalition, 20, partner=org)
    tallies.campaign_tally(campaign_id=coalition.id)
    _goal(coalition, union, 1000)  # moved before the email went out
    half = Milestone.objects.get(partner=org, key="50")
    assert half.goal == 40
    assert milestones.milestone_announce(milestone_id=half.id)
    (email,) = mail.outbox
    assert "50% de la meta de FENATRAHOB: 20 de 40 firmas confirmadas" in email.body
    payload = WebhookDelivery.objects.get(endpoint=hook, payload__milestone__key="50").payload
    assert payload["partner"]["goal"] == 40
    client.force_login(people[Role.VIEWER])
    html = client.get(f"/dashboard/c/{coalition.slug}/?lang=en").content.decode()
    assert "50% of your goal of 40" in html
    assert "20 of 1,000 confirmed signatures" in html  # the share against the goal now


def test_a_partner_that_left_hears_of_no_more_milestones_and_loses_its_goal(
    coalition, union, second, owner_a, superuser
):
    """Was: a share's milestone recorded before the partner left was still emailed to it
    (by the sweep, later), and its goal stayed to count again should it come back."""
    org, people = union
    other, _other_people = second
    _goal(coalition, union, 40)
    _goal(coalition, second, 10)
    confirmed_rows(coalition, 20, partner=org)
    tallies.campaign_tally(campaign_id=coalition.id)
    owed = list(Milestone.objects.filter(partner=org).values_list("id", flat=True))
    assert len(owed) == 2
    partners.partner_leave(by=people[Role.OWNER], campaign=coalition, organisation=org)
    for milestone_id in owed:
        assert milestones.milestone_announce(milestone_id=milestone_id)
    assert mail.outbox == []
    assert not Milestone.objects.filter(id__in=owed, announced_at=None).exists()
    assert milestones.milestones_unannounced() == []  # nor does the sweep send them later
    assert CampaignPartner.objects.get(organisation=org).goal is None
    # Taken off by the lead: the same.
    partners.partners_set(by=owner_a, campaign=coalition, slugs=[])
    assert CampaignPartner.objects.get(organisation=other).goal is None
    # Invited again, a partner starts without a goal (also one that left before leaving
    # cleared it).
    CampaignPartner.objects.filter(organisation=org).update(goal=40)
    partners.partners_set(by=superuser, campaign=coalition, slugs=["fenatrahob"])
    row = CampaignPartner.objects.get(organisation=org)
    assert (row.status, row.goal) == ("active", None)


def test_the_share_milestones_cost_the_same_queries_however_many_partners(campaign_a, superuser):
    """One query for the partners' goals, one for what is known: never one per partner."""

    def queries_with(partner_count: int) -> int:
        slugs = [
            OrganisationFactory(slug=f"p{partner_count}-{n}").slug for n in range(partner_count)
        ]
        partners.partners_set(by=superuser, campaign=campaign_a, slugs=slugs)
        CampaignPartner.objects.filter(campaign=campaign_a).update(goal=8)
        for n, slug in enumerate(slugs):
            confirmed_rows(
                campaign_a,
                3,
                start=100_000 * partner_count + 100 * n,
                partner=CampaignPartner.objects.get(organisation__slug=slug).organisation,
            )
        tallies.campaign_tally(campaign_id=campaign_a.id)
        # 3 of each one's goal of 8: a quarter of it.
        assert Milestone.objects.filter(partner__slug__in=slugs).count() == partner_count
        tally = CampaignTally.objects.get(campaign=campaign_a)
        with CaptureQueriesContext(connection) as seen:
            milestones.record_for_signatures(tally)  # nothing new: reads only
        return len(seen)

    assert queries_with(1) == queries_with(6) == 3


def test_partner_milestones_are_never_among_the_campaigns(
    client, coalition, union, second, organiser_a
):
    org, people = union
    _other, other_people = second
    _goal(coalition, union, 100)
    confirmed_rows(coalition, 100, partner=org)
    tallies.campaign_tally(campaign_id=coalition.id)
    assert Milestone.objects.filter(partner=org).count() == 4
    assert Milestone.objects.filter(partner=None).count() == 0  # 100 of the campaign's 1,000
    stats = APIClient().get(f"/api/v1/campaigns/{coalition.slug}/stats/").json()
    assert stats["milestones"] == []
    private = APIClient()
    private.force_login(organiser_a)
    stats = private.get(f"/api/v1/campaigns/{coalition.slug}/stats/?include=private").json()
    assert stats["milestones"] == []

    def page(user) -> str:
        client.force_login(user)
        return client.get(f"/dashboard/c/{coalition.slug}/?lang=en").content.decode()

    lead = page(organiser_a)
    assert "of your goal" not in lead
    assert "100% of the goal" not in lead
    assert "The share of FENATRAHOB" not in lead
    union_page = page(people[Role.VIEWER])
    assert "The share of FENATRAHOB" in union_page
    assert "100 of 100 confirmed signatures" in union_page
    for percent in (25, 50, 75, 100):
        assert f"{percent}% of your goal" in union_page
    other_page = page(other_people[Role.ORGANISER])
    assert "FENATRAHOB" in other_page  # among the coalition's shares, its total only
    assert "of your goal" not in other_page
    assert "The share of SINTRAHOGAR" in other_page


# --- Setting the goal -------------------------------------------------------------------------


def test_a_partners_owners_and_organisers_set_its_goal_through_the_api(
    coalition, union, owner_a, superuser
):
    org, people = union
    url = f"/api/v1/campaigns/{coalition.slug}/partners/{org.slug}/goal/"

    def as_(user):
        api = APIClient()
        api.force_authenticate(user)
        return api

    organiser = as_(people[Role.ORGANISER])
    answer = organiser.post(url, {"goal": 5000}, format="json")
    assert (answer.status_code, answer.json()) == (
        200,
        {"organisation": "fenatrahob", "status": "active", "goal": 5000},
    )
    assert as_(people[Role.VIEWER]).get(url).json()["goal"] == 5000
    assert as_(people[Role.VIEWER]).post(url, {"goal": 1}, format="json").status_code == 403
    assert as_(owner_a).post(url, {"goal": 1}, format="json").status_code == 403  # the lead's
    assert as_(owner_a).get(url).status_code == 403
    for wrong in (0, -3, "many", 2**31, 1.5):
        assert organiser.post(url, {"goal": wrong}, format="json").status_code == 400, wrong
    assert organiser.post(url, {}, format="json").status_code == 400
    cleared = organiser.post(url, {"goal": None}, format="json")
    assert cleared.json()["goal"] is None
    assert CampaignPartner.objects.get(organisation=org).goal is None
    changes = AuditEntry.objects.filter(organisation=org, action="partner.goal")
    assert [entry.changes for entry in changes.order_by("id")] == [
        {"goal": [None, 5000]},
        {"goal": [5000, None]},
    ]
    # A partner that has left sets no goal.
    partners.partner_leave(by=people[Role.OWNER], campaign=coalition, organisation=org)
    assert organiser.post(url, {"goal": 10}, format="json").status_code == 409


def test_a_partners_organiser_sets_its_goal_on_its_view_of_the_campaign(
    client, coalition, union, organiser_a
):
    org, people = union
    page = f"/dashboard/c/{coalition.slug}/?lang=en"
    goal_url = f"/dashboard/c/{coalition.slug}/partners/{org.slug}/goal/"
    client.force_login(people[Role.VIEWER])
    assert f'action="{goal_url}#h-share"' not in client.get(page).content.decode()
    assert client.post(goal_url, {"goal": "300"}).status_code == 403
    client.force_login(organiser_a)  # the lead's: not its goal to set, nor to know of
    assert client.post(goal_url, {"goal": "300"}).status_code == 404
    client.force_login(people[Role.ORGANISER])
    assert f'action="{goal_url}#h-share"' in client.get(page).content.decode()
    answer = client.post(goal_url, {"goal": "300"}, follow=True)
    assert CampaignPartner.objects.get(organisation=org).goal == 300
    html = answer.content.decode()
    assert "The goal of FENATRAHOB is 300 signatures." in html
    assert "0 of 300 confirmed signatures" in html
    assert 'value="300"' in html
    # Refused, kept, and said on the field of the page shown again.
    wrong = client.post(f"{goal_url}?lang=en", {"goal": "0"})
    assert wrong.status_code == 400
    assert CampaignPartner.objects.get(organisation=org).goal == 300
    assert 'id="id_goal_error"' in wrong.content.decode()
    assert "The share of FENATRAHOB" in wrong.content.decode()
    client.post(goal_url, {"goal": ""})
    assert CampaignPartner.objects.get(organisation=org).goal is None


def test_a_refused_goal_shows_again_the_share_it_was_for(client, coalition, union, second):
    """Was: shown again for the first of the partners the person belongs to."""
    org, people = union
    other, _other_people = second
    both = people[Role.ORGANISER]
    MembershipFactory(user=both, organisation=other, role=Role.ORGANISER)
    assert org.id < other.id
    _goal(coalition, second, 70)
    client.force_login(both)
    goal_url = f"/dashboard/c/{coalition.slug}/partners/{other.slug}/goal/"
    wrong = client.post(f"{goal_url}?lang=en", {"goal": "0"})
    assert wrong.status_code == 400
    html = wrong.content.decode()
    assert "The share of SINTRAHOGAR" in html
    assert "0 of 70 confirmed signatures" in html
    assert "The share of FENATRAHOB" not in html
    assert f'action="{goal_url}#h-share"' in html
    assert 'id="id_goal_error"' in html
    assert CampaignPartner.objects.get(organisation=other).goal == 70

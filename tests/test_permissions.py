"""Who may do what, over every URL of the site: the API, the dashboard, the public pages and
the admin, for each kind of person. A URL added without an entry here fails the suite."""

import io
from dataclasses import dataclass, field
from datetime import date

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver
from knox.models import AuthToken
from rest_framework.test import APIClient

from campaigns import access
from campaigns.models import (
    CampaignPartner,
    CountryStatus,
    DecisionMaker,
    Engagement,
    OutreachActivity,
    Role,
)
from results.models import Indicator
from signatures import channels
from signatures.imports import signatures_import
from signatures.models import Person, Signature
from signatures.people import people_sync, person_merge
from signatures.services import signature_sign
from tests.factories import (
    CampaignFactory,
    CollectorFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
    sign,
)
from webhooks.models import WebhookEndpoint

ROLES = ("anonymous", "viewer", "collector", "organiser_a", "organiser_b", "owner", "superuser")


@dataclass
class Case:
    method: str
    path: str
    codes: tuple  # one expected status per role, in ROLES order
    data: dict | None = None
    multipart: bool = False
    form: bool = False  # an HTML form's POST (with the session's CSRF token waived by tests)
    query: str = ""
    extra: dict = field(default_factory=dict)


def codes(anonymous, viewer, collector, organiser_a, organiser_b, owner, superuser):
    return (anonymous, viewer, collector, organiser_a, organiser_b, owner, superuser)


EVERYONE_200 = codes(200, 200, 200, 200, 200, 200, 200)
# API, the campaign's owners and organisers only.
API_SIGNERS = codes(401, 403, 403, 200, 403, 200, 200)
API_MANAGE_201 = codes(401, 403, 403, 201, 403, 201, 201)
# Dashboard pages.
DASH_VIEWERS = codes(302, 200, 403, 200, 404, 200, 200)
DASH_MANAGERS = codes(302, 403, 403, 200, 404, 200, 200)
DASH_MEMBERS = codes(302, 200, 200, 200, 404, 200, 200)
# Results: owners, organisers and viewers of the organisation; not collectors, not others.
API_RESULTS = codes(401, 200, 403, 200, 403, 200, 200)
# OSDI: the token's owners and organisers see their own organisation's people.
OSDI_SIGNERS = codes(401, 404, 404, 200, 404, 200, 200)
# OSDI writes that make people or tags in org-a: 403 for a token that may change no
# organisation's people there.
OSDI_WRITE_201 = codes(401, 403, 403, 201, 403, 201, 201)


@pytest.fixture
def world(db):
    org_a = OrganisationFactory(slug="org-a")
    org_b = OrganisationFactory(slug="org-b")
    users = {"anonymous": None}
    for name, org, role in (
        ("viewer", org_a, Role.VIEWER),
        ("collector", org_a, Role.COLLECTOR),
        ("organiser_a", org_a, Role.ORGANISER),
        ("organiser_b", org_b, Role.ORGANISER),
        ("owner", org_a, Role.OWNER),
    ):
        users[name] = UserFactory(username=name)
        MembershipFactory(user=users[name], organisation=org, role=role)
    users["superuser"] = UserFactory(username="root", is_superuser=True, is_staff=True)
    campaign = CampaignFactory(organisation=org_a, slug="campaign-a")
    # A coalition: org-c is an active partner of campaign-a (its members are the partner
    # dimension, tests below), org-d is invited.
    org_c = OrganisationFactory(slug="org-c")
    org_d = OrganisationFactory(slug="org-d")
    CampaignPartner.objects.create(campaign=campaign, organisation=org_c, status="active")
    CampaignPartner.objects.create(campaign=campaign, organisation=org_d, status="invited")
    for name, role in (("partner_organiser", Role.ORGANISER), ("partner_viewer", Role.VIEWER)):
        users[name] = UserFactory(username=name)
        MembershipFactory(user=users[name], organisation=org_c, role=role)
    collector = CollectorFactory(organisation=org_a, code="the-collector", user=users["collector"])
    sign(campaign, email="signer@example.org")
    signature = Signature.objects.get()
    # OSDI's own: the first one is rejected on the way by the API's review case, and OSDI
    # hides rejected signatures.
    sign(campaign, email="osdi-signer@example.org")
    osdi_signature = Signature.objects.get(email="osdi-signer@example.org")
    # One that came through the partner org-c (its link, say): its signer is a person in the
    # lead's records and in the partner's.
    signature_sign(
        campaign=campaign,
        signer={"name": "Ana", "email": "partner-signer@example.org", "country": "BO"}
        | {"consent": True},
        channel=channels.API,
        language="es",
        partner_id=org_c.id,
    )
    partner_signature = Signature.objects.get(email="partner-signer@example.org")
    people_sync(organisation_id=org_c.id)
    partner_person = Person.objects.get(organisation=org_c)
    maker = DecisionMaker.objects.create(organisation=org_a, name="Ministra", country="BO")

    engagement = Engagement.objects.create(
        decision_maker=maker,
        campaign=campaign,
        kind="call",
        date=date(2014, 1, 1),
        stance="champion",
    )
    outreach = OutreachActivity.objects.create(
        campaign=campaign, channel="radio", country="BO", date=date(2014, 1, 1), reach=1000
    )
    stage = CountryStatus.objects.create(
        campaign=campaign, country="BO", stage="committee", date=date(2013, 1, 1)
    )
    # An address refused before any connection (private): a test-send records its failure.
    webhook = WebhookEndpoint.objects.create(
        organisation=org_a, url="http://127.0.0.1:9/hook", secret="s" * 20, events=["milestone"]
    )
    Indicator.objects.create(campaign=campaign, key="members", label="Union members")
    people_sync(organisation_id=org_a.id)
    person, _ = person_merge(
        by=access.SYSTEM, organisation=org_a, email="signer@example.org", tags=["volunteer"]
    )
    tagging = person.taggings.get()
    job = signatures_import(
        by=users["organiser_a"],
        campaign=campaign,
        content=b"name,email,country,postal_code,collector,signed_on\n",
    )
    return {
        "users": users,
        "campaign": campaign,
        "collector": collector,
        "signature": signature,
        "osdi_signature": osdi_signature,
        "partner_signature": partner_signature,
        "partner_person": partner_person,
        "maker": maker,
        "job": job,
        "engagement": engagement,
        "person": person,
        "tagging": tagging,
        "outreach": outreach,
        "stage": stage,
        "webhook": webhook,
    }


def csv_file():
    file = io.BytesIO(
        b"name,email,country,postal_code,collector,signed_on\nAna,ana@example.org,BO,,,\n"
    )
    file.name = "sheet.csv"
    return file


def cases(world) -> dict[str, list[Case]]:
    slug = "campaign-a"
    sig = world["signature"].id
    osdi_sig = world["osdi_signature"].id
    partner_sig = world["partner_signature"].id
    partner_person = world["partner_person"].id
    maker = world["maker"].id
    job = world["job"].id
    new_campaign = {"organisation": "org-a", "slug": "fresh", "title": "Fresh", "goal": 10}
    campaign_id = world["campaign"].id
    person = world["person"].id
    engagement = world["engagement"].id
    tag = world["tagging"].tag_id
    tagging = world["tagging"].id
    outreach = world["outreach"].id
    stage = world["stage"].id
    webhook = world["webhook"].id
    return {
        # --- Public pages and probes ---------------------------------------------------
        "healthz": [Case("get", "/healthz/", EVERYONE_200)],
        "readyz": [Case("get", "/readyz/", EVERYONE_200)],
        "public:campaign-list": [Case("get", "/", EVERYONE_200)],
        "public:campaign": [Case("get", f"/c/{slug}/", EVERYONE_200)],
        "public:thanks": [Case("get", f"/c/{slug}/thanks/", EVERYONE_200)],
        "public:embed": [Case("get", f"/c/{slug}/embed/", EVERYONE_200)],
        "public:embed-thanks": [Case("get", f"/c/{slug}/embed/thanks/", EVERYONE_200)],
        "public:confirm": [Case("get", "/confirm/bogus:token:x/", codes(*[400] * 7))],
        # --- API: public ----------------------------------------------------------------
        "api-v1:schema": [Case("get", "/api/v1/schema/", EVERYONE_200)],
        "api-v1:docs": [Case("get", "/api/v1/docs/", EVERYONE_200)],
        "api-v1:organisation-list": [Case("get", "/api/v1/organisations/", EVERYONE_200)],
        "api-v1:organisation-detail": [Case("get", "/api/v1/organisations/org-a/", EVERYONE_200)],
        "api-v1:campaign-list": [
            Case("get", "/api/v1/campaigns/", EVERYONE_200),
            Case("post", "/api/v1/campaigns/", API_MANAGE_201, data=new_campaign),
        ],
        "api-v1:campaign-partner-accept": [
            Case(
                "post",
                f"/api/v1/campaigns/{slug}/partners/org-c/accept/",
                codes(401, 403, 403, 403, 404, 403, 200),
            )
        ],
        "api-v1:campaign-partner-leave": [
            # org-d is invited: leaving is declining (the superuser may answer for it).
            Case(
                "post",
                f"/api/v1/campaigns/{slug}/partners/org-d/leave/",
                codes(401, 403, 403, 403, 404, 403, 200),
            )
        ],
        "api-v1:campaign-partner-goal": [
            # The partner's own goal: its members read it, its owners and organisers set it;
            # the lead's members may not (403), others may not know of it (404).
            Case(
                "get",
                f"/api/v1/campaigns/{slug}/partners/org-c/goal/",
                codes(401, 403, 403, 403, 404, 403, 200),
            ),
            Case(
                "post",
                f"/api/v1/campaigns/{slug}/partners/org-c/goal/",
                codes(401, 403, 403, 403, 404, 403, 200),
                data={"goal": 500},
            ),
        ],
        "api-v1:campaign-detail": [
            Case("get", f"/api/v1/campaigns/{slug}/", EVERYONE_200),
            Case("patch", f"/api/v1/campaigns/{slug}/", API_SIGNERS, data={"goal": 5000}),
        ],
        "api-v1:campaign-stats": [Case("get", f"/api/v1/campaigns/{slug}/stats/", EVERYONE_200)],
        "api-v1:campaign-count": [Case("get", f"/api/v1/campaigns/{slug}/count/", EVERYONE_200)],
        "api-v1:signature-confirm": [
            Case("post", "/api/v1/signatures/confirm/", codes(*[400] * 7), data={"token": "x"})
        ],
        "api-v1:campaign-signatures": [
            Case("get", f"/api/v1/campaigns/{slug}/signatures/", API_SIGNERS),
            Case(
                "post",
                f"/api/v1/campaigns/{slug}/signatures/",
                codes(*[201] * 7),
                data={"name": "P", "email": "{role}@example.org", "country": "BO", "consent": True},
            ),
        ],
        # --- API: organisers -------------------------------------------------------------
        "api-v1:campaign-signature": [
            Case("get", f"/api/v1/campaigns/{slug}/signatures/{sig}/", API_SIGNERS),
            Case(
                "patch",
                f"/api/v1/campaigns/{slug}/signatures/{sig}/",
                API_SIGNERS,
                data={"status": "rejected"},
            ),
        ],
        "api-v1:campaign-signatures-batch": [
            Case(
                "post",
                f"/api/v1/campaigns/{slug}/signatures/batch/",
                codes(401, 403, 200, 200, 403, 200, 200),
                data={"signatures": []},
            ),
        ],
        # What the field app keeps: the campaigns each may collect for (none for a viewer).
        "api-v1:field": [Case("get", "/api/v1/field/", codes(401, 200, 200, 200, 200, 200, 200))],
        "api-v1:campaign-signatures-review": [
            Case(
                "post",
                f"/api/v1/campaigns/{slug}/signatures/review/",
                API_SIGNERS,
                data={"status": "rejected", "dry_run": True, "where": {"status": "pending"}},
            ),
        ],
        "api-v1:campaign-import": [
            Case(
                "post",
                f"/api/v1/campaigns/{slug}/signatures/import/",
                codes(401, 403, 201, 201, 403, 201, 201),
                multipart=True,
            ),
        ],
        "api-v1:campaign-export": [
            Case("get", f"/api/v1/campaigns/{slug}/signatures/export/", API_SIGNERS)
        ],
        "api-v1:import": [
            # A collector sees only the imports they made themselves.
            Case("get", f"/api/v1/imports/{job}/", codes(401, 403, 403, 200, 404, 200, 200))
        ],
        "api-v1:collectors": [
            Case(
                "get",
                "/api/v1/organisations/org-a/collectors/",
                codes(401, 200, 200, 200, 403, 200, 200),
            ),
            Case(
                "post",
                "/api/v1/organisations/org-a/collectors/",
                API_MANAGE_201,
                data={"name": "New", "code": "new-{role}"},
            ),
        ],
        "api-v1:signer": [
            Case(
                "get",
                "/api/v1/organisations/org-a/signers/",
                API_SIGNERS,
                query="email=signer@example.org",
            )
        ],
        "api-v1:signer-find": [
            Case(
                "post",
                "/api/v1/organisations/org-a/signers/find/",
                API_SIGNERS,
                data={"email": "signer@example.org"},
            )
        ],
        "api-v1:signer-erase": [
            Case(
                "post",
                "/api/v1/organisations/org-a/signers/erase/",
                API_SIGNERS,
                data={"email": "nobody@example.org"},
            )
        ],
        "api-v1:country-status": [
            Case("get", f"/api/v1/campaigns/{slug}/country-status/", EVERYONE_200),
            Case(
                "post",
                f"/api/v1/campaigns/{slug}/country-status/",
                API_MANAGE_201,
                data={"country": "BO", "stage": "ratified", "date": "2013-04-15"},
            ),
        ],
        "api-v1:outreach": [
            Case(
                "get",
                f"/api/v1/campaigns/{slug}/outreach/",
                codes(401, 200, 200, 200, 403, 200, 200),
            ),
            Case(
                "post",
                f"/api/v1/campaigns/{slug}/outreach/",
                API_MANAGE_201,
                data={"channel": "radio", "country": "BO", "date": "2014-01-01", "reach": 9},
            ),
        ],
        "api-v1:engagements": [
            Case(
                "get",
                f"/api/v1/campaigns/{slug}/engagements/",
                codes(401, 200, 200, 200, 403, 200, 200),
            ),
            Case(
                "post",
                f"/api/v1/campaigns/{slug}/engagements/",
                API_MANAGE_201,
                data={
                    "decision_maker": maker,
                    "kind": "call",
                    "date": "2014-01-01",
                    "stance": "champion",
                },
            ),
        ],
        "api-v1:decision-maker-list": [
            Case("get", "/api/v1/decision-makers/", codes(401, 200, 200, 200, 200, 200, 200)),
            Case(
                "post",
                "/api/v1/decision-makers/",
                API_MANAGE_201,
                data={"organisation": "org-a", "name": "Diputada", "country": "EC"},
            ),
        ],
        "api-v1:decision-maker-detail": [
            Case(
                "get", f"/api/v1/decision-makers/{maker}/", codes(401, 200, 200, 200, 404, 200, 200)
            ),
            Case(
                "patch",
                f"/api/v1/decision-makers/{maker}/",
                codes(401, 403, 403, 200, 404, 200, 200),
                data={"role": "Ministra"},
            ),
        ],
        "api-v1:webhooks": [
            Case("get", "/api/v1/organisations/org-a/webhooks/", API_SIGNERS),
        ],
        "api-v1:campaign-results": [
            Case("get", f"/api/v1/campaigns/{slug}/results/", API_RESULTS),
            Case("get", f"/api/v1/campaigns/{slug}/results/", API_RESULTS, query="format=xlsx"),
        ],
        "api-v1:organisation-results": [
            Case("get", "/api/v1/organisations/org-a/results/", API_RESULTS),
        ],
        "api-v1:campaign-indicators": [
            Case("get", f"/api/v1/campaigns/{slug}/indicators/", API_RESULTS),
            Case(
                "post",
                f"/api/v1/campaigns/{slug}/indicators/",
                API_MANAGE_201,
                data={"key": "awareness-{role}", "label": "Awareness", "baseline": 12},
            ),
        ],
        "api-v1:campaign-indicator-values": [
            Case("get", f"/api/v1/campaigns/{slug}/indicators/members/values/", API_RESULTS),
            Case(
                "post",
                f"/api/v1/campaigns/{slug}/indicators/members/values/",
                API_MANAGE_201,
                data={"date": "2024-06-30", "value": 1940},
            ),
        ],
        # --- OSDI ---------------------------------------------------------------------------
        "osdi:entry": [
            Case("get", "/api/osdi/v1/", EVERYONE_200),
            Case("get", "/api/osdi/v1", EVERYONE_200),  # the base URL clients are given
        ],
        "osdi:people": [
            Case("get", "/api/osdi/v1/people/", codes(401, *[200] * 6)),
            Case(
                "post",
                "/api/osdi/v1/people",
                OSDI_WRITE_201,
                data={
                    "organisation": "org-a",
                    "person": {"email_addresses": [{"address": "new-{role}@example.org"}]},
                },
            ),
        ],
        "osdi:person-signup": [
            Case(
                "post",
                "/api/osdi/v1/people/person_signup_helper/",
                OSDI_WRITE_201,
                data={
                    "organisation": "org-a",
                    "person": {"email_addresses": [{"address": "{role}@example.org"}]},
                },
            )
        ],
        "osdi:person": [
            Case("get", f"/api/osdi/v1/people/{person}/", OSDI_SIGNERS),
            Case("put", f"/api/osdi/v1/people/{person}", OSDI_SIGNERS, data={"given_name": "R"}),
            # The partner org-c's record of its signer: the partner's (and the installation's).
            Case("get", f"/api/osdi/v1/people/{partner_person}", codes(401, *[404] * 5, 200)),
        ],
        "osdi:person-signatures": [
            Case("get", f"/api/osdi/v1/people/{person}/signatures/", OSDI_SIGNERS),
            # The partner org-c's record of its signer, with the signature through org-c.
            Case(
                "get",
                f"/api/osdi/v1/people/{partner_person}/signatures",
                codes(401, *[404] * 5, 200),
            ),
        ],
        "osdi:person-taggings": [
            Case("get", f"/api/osdi/v1/people/{person}/taggings/", OSDI_SIGNERS)
        ],
        "osdi:petitions": [Case("get", "/api/osdi/v1/petitions/", EVERYONE_200)],
        "osdi:petition": [Case("get", f"/api/osdi/v1/petitions/{campaign_id}/", EVERYONE_200)],
        "osdi:petition-signatures": [
            Case("get", f"/api/osdi/v1/petitions/{campaign_id}/signatures/", OSDI_SIGNERS),
            # Without a token: the blind 200 {}; another organisation's token, or a viewer's
            # or collector's: 403, not the anonymous answer.
            Case(
                "post",
                f"/api/osdi/v1/petitions/{campaign_id}/signatures",
                codes(200, 403, 403, 201, 403, 201, 201),
                data={"person": {"email_addresses": [{"address": "an-{role}@example.org"}]}},
            ),
        ],
        "osdi:signature": [
            Case(
                "get", f"/api/osdi/v1/petitions/{campaign_id}/signatures/{osdi_sig}", OSDI_SIGNERS
            ),
            # One that came through the partner org-c: the lead sees all its signatures.
            Case(
                "get",
                f"/api/osdi/v1/petitions/{campaign_id}/signatures/{partner_sig}",
                OSDI_SIGNERS,
            ),
        ],
        "osdi:record-signature": [
            Case(
                "post",
                f"/api/osdi/v1/petitions/{campaign_id}/record_signature_helper",
                codes(200, 403, 403, 201, 403, 201, 201),
                data={"person": {"email_addresses": [{"address": "osdi-{role}@example.org"}]}},
            )
        ],
        "osdi:record-signature-v1": [
            Case(
                "post",
                f"/api/osdi/v1/petitions/{campaign_id}/signatures/record_signature_helper/",
                codes(200, 403, 403, 201, 403, 201, 201),
                data={"person": {"email_addresses": [{"address": "v1-{role}@example.org"}]}},
            )
        ],
        "osdi:advocacy-campaigns": [Case("get", "/api/osdi/v1/advocacy_campaigns/", EVERYONE_200)],
        "osdi:advocacy-campaign": [
            Case("get", f"/api/osdi/v1/advocacy_campaigns/{campaign_id}/", EVERYONE_200)
        ],
        "osdi:outreaches": [
            Case(
                "get",
                f"/api/osdi/v1/advocacy_campaigns/{campaign_id}/outreaches/",
                codes(401, 200, 200, 200, 404, 200, 200),
            )
        ],
        "osdi:outreach": [
            Case(
                "get",
                f"/api/osdi/v1/advocacy_campaigns/{campaign_id}/outreaches/{engagement}/",
                codes(401, 200, 200, 200, 404, 200, 200),
            )
        ],
        "osdi:tags": [
            Case("get", "/api/osdi/v1/tags/", codes(401, *[200] * 6)),
            Case(
                "post",
                "/api/osdi/v1/tags",
                OSDI_WRITE_201,
                data={"name": "tag-{role}", "organisation": "org-a"},
            ),
        ],
        "osdi:tag": [Case("get", f"/api/osdi/v1/tags/{tag}/", OSDI_SIGNERS)],
        "osdi:tag-taggings": [
            Case("get", f"/api/osdi/v1/tags/{tag}/taggings/", OSDI_SIGNERS),
            # The person has this tag already: the same tagging, 200.
            Case(
                "post",
                f"/api/osdi/v1/tags/{tag}/taggings",
                OSDI_SIGNERS,
                data={"_links": {"osdi:person": {"href": f"/api/osdi/v1/people/{person}"}}},
            ),
        ],
        "osdi:tagging": [
            Case("get", f"/api/osdi/v1/tags/{tag}/taggings/{tagging}/", OSDI_SIGNERS),
            Case("delete", f"/api/osdi/v1/tags/{tag}/taggings/{tagging}", OSDI_SIGNERS),
            # Untagging by the person, on the tag's taggings (gone already: 200 all the same).
            Case(
                "delete",
                f"/api/osdi/v1/tags/{tag}/taggings",
                OSDI_SIGNERS,
                data={"_links": {"osdi:person": {"href": f"/api/osdi/v1/people/{person}"}}},
            ),
        ],
        # Any other address under the OSDI root: OSDI's 404 for everyone.
        "osdi:unknown": [
            Case("get", "/api/osdi/v1/nothing-here", codes(*[404] * 7)),
            Case("post", "/api/osdi/v1/people/1/nothing", codes(*[404] * 7), data={}),
            Case("get", "/api/osdi/v2/people", codes(*[404] * 7)),
        ],
        # The OSDI root without its slash: OSDI's 404, not a redirect a POST would not survive.
        "osdi-root": [Case("post", "/api/osdi", codes(*[404] * 7), data={})],
        # --- Dashboard -------------------------------------------------------------------
        "dashboard:login": [Case("get", "/dashboard/login/", codes(200, *[302] * 6))],
        "dashboard:logout": [Case("get", "/dashboard/logout/", codes(*[405] * 7))],
        "dashboard:home": [Case("get", "/dashboard/", codes(302, 200, 302, 200, 200, 200, 200))],
        "dashboard:me": [Case("get", "/dashboard/me/", codes(302, *[200] * 6))],
        "dashboard:campaign": [Case("get", f"/dashboard/c/{slug}/", DASH_VIEWERS)],
        "dashboard:campaign-new": [
            Case("get", "/dashboard/c/new/", codes(302, 403, 403, 200, 200, 200, 200)),
            Case(
                "post",
                "/dashboard/c/new/",
                # organiser_b may create campaigns, but not for org-a: not among the choices.
                codes(302, 403, 403, 302, 400, 302, 302),
                data={
                    "organisation": "org-a",
                    "title": "Made on the page",
                    "goal": "10",
                    "status": "draft",
                    "translations-TOTAL_FORMS": "0",
                    "translations-INITIAL_FORMS": "0",
                },
                form=True,
            ),
        ],
        "dashboard:campaign-edit": [
            Case("get", f"/dashboard/c/{slug}/edit/", DASH_MANAGERS),
            Case(
                "post",
                f"/dashboard/c/{slug}/edit/",
                codes(302, 403, 403, 302, 404, 302, 302),
                data={"action": "open"},  # it is open already: changes nothing
                form=True,
            ),
        ],
        "dashboard:campaign-results": [Case("get", f"/dashboard/c/{slug}/results/", DASH_VIEWERS)],
        "dashboard:organisation-results": [
            Case("get", "/dashboard/o/org-a/results/", DASH_VIEWERS)
        ],
        "dashboard:campaign-preview": [Case("get", f"/dashboard/c/{slug}/preview/", DASH_VIEWERS)],
        # --- Coalitions: the lead's owners choose partners; a partner's owners answer ------
        "dashboard:campaign-partners": [
            Case("get", f"/dashboard/c/{slug}/partners/", DASH_VIEWERS),
            Case(
                "post",
                f"/dashboard/c/{slug}/partners/",
                codes(302, 403, 403, 403, 404, 302, 302),
                data={"organisation": "org-b"},
                form=True,
            ),
        ],
        "dashboard:partner-answer": [
            Case(
                "post",
                f"/dashboard/c/{slug}/partners/org-c/answer/",
                codes(302, 404, 404, 404, 404, 404, 302),
                data={"answer": "accept"},
                form=True,
            )
        ],
        "dashboard:partner-goal": [
            Case(
                "post",
                f"/dashboard/c/{slug}/partners/org-c/goal/",
                codes(302, 404, 404, 404, 404, 404, 302),
                data={"goal": "500"},
                form=True,
            ),
            Case("get", f"/dashboard/c/{slug}/partners/org-c/goal/", codes(302, *[405] * 6)),
        ],
        "dashboard:outreach-new": [
            Case("get", f"/dashboard/c/{slug}/outreach/new/", DASH_MANAGERS)
        ],
        "dashboard:stage-new": [Case("get", f"/dashboard/c/{slug}/stages/new/", DASH_MANAGERS)],
        "dashboard:decision-maker-new": [
            Case("get", f"/dashboard/c/{slug}/decision-makers/new/", DASH_MANAGERS)
        ],
        "dashboard:engagement-new": [
            Case("get", f"/dashboard/c/{slug}/engagements/new/", DASH_MANAGERS)
        ],
        # Correcting records: the lists follow the dashboard, edits and removals (GET: the
        # form, the confirmation) are the managers'.
        "dashboard:outreach-list": [Case("get", f"/dashboard/c/{slug}/outreach/", DASH_VIEWERS)],
        "dashboard:outreach-edit": [
            Case("get", f"/dashboard/c/{slug}/outreach/{outreach}/edit/", DASH_MANAGERS)
        ],
        "dashboard:outreach-remove": [
            Case("get", f"/dashboard/c/{slug}/outreach/{outreach}/remove/", DASH_MANAGERS)
        ],
        "dashboard:stage-list": [Case("get", f"/dashboard/c/{slug}/stages/", DASH_VIEWERS)],
        "dashboard:stage-edit": [
            Case("get", f"/dashboard/c/{slug}/stages/{stage}/edit/", DASH_MANAGERS)
        ],
        "dashboard:stage-remove": [
            Case("get", f"/dashboard/c/{slug}/stages/{stage}/remove/", DASH_MANAGERS)
        ],
        "dashboard:engagement-list": [
            Case("get", f"/dashboard/c/{slug}/engagements/", DASH_VIEWERS)
        ],
        "dashboard:engagement-edit": [
            Case("get", f"/dashboard/c/{slug}/engagements/{engagement}/edit/", DASH_MANAGERS),
            Case(
                "post",
                f"/dashboard/c/{slug}/engagements/{engagement}/edit/",
                codes(302, 403, 403, 302, 404, 302, 302),
                data={
                    "decision_maker": maker,
                    "kind": "call",
                    "date": "2014-01-01",
                    "stance": "champion",
                },
                form=True,
            ),
        ],
        "dashboard:engagement-remove": [
            Case("get", f"/dashboard/c/{slug}/engagements/{engagement}/remove/", DASH_MANAGERS)
        ],
        "dashboard:decision-maker-list": [
            Case("get", f"/dashboard/c/{slug}/decision-makers/", DASH_VIEWERS)
        ],
        "dashboard:decision-maker-edit": [
            Case("get", f"/dashboard/c/{slug}/decision-makers/{maker}/edit/", DASH_MANAGERS)
        ],
        "dashboard:decision-maker-remove": [
            Case("get", f"/dashboard/c/{slug}/decision-makers/{maker}/remove/", DASH_MANAGERS)
        ],
        "dashboard:collectors": [Case("get", f"/dashboard/c/{slug}/collectors/", DASH_MANAGERS)],
        "dashboard:collector-qr": [
            Case("get", f"/dashboard/c/{slug}/collectors/the-collector/qr.svg", DASH_MEMBERS)
        ],
        "dashboard:collector-active": [
            # The first step of a deactivation only asks for a confirmation: nothing changes.
            Case(
                "post",
                f"/dashboard/c/{slug}/collectors/the-collector/active/",
                DASH_MANAGERS,
                data={"active": "false"},
                form=True,
            ),
            # Reactivating an active link changes nothing either.
            Case(
                "post",
                f"/dashboard/c/{slug}/collectors/the-collector/active/",
                codes(302, 403, 403, 302, 404, 302, 302),
                data={"active": "true"},
                form=True,
            ),
            Case(
                "get",
                f"/dashboard/c/{slug}/collectors/the-collector/active/",
                codes(302, *[405] * 6),
            ),
        ],
        "dashboard:sheet": [Case("get", f"/dashboard/c/{slug}/sheet/", DASH_MEMBERS)],
        "dashboard:import": [
            Case("get", f"/dashboard/c/{slug}/import/", codes(302, 403, 200, 200, 404, 200, 200))
        ],
        "dashboard:import-status": [
            Case("get", f"/dashboard/imports/{job}/", codes(302, 403, 403, 200, 404, 200, 200))
        ],
        "dashboard:export": [Case("get", f"/dashboard/c/{slug}/export.csv", DASH_MANAGERS)],
        "dashboard:export-xlsx": [Case("get", f"/dashboard/c/{slug}/export.xlsx", DASH_MANAGERS)],
        "dashboard:signatures": [
            Case("get", f"/dashboard/c/{slug}/signatures/", DASH_MANAGERS),
            Case(
                "post",
                f"/dashboard/c/{slug}/signatures/?status=pending",
                codes(302, 403, 403, 302, 404, 302, 302),
                data={"bulk": "rejected"},
                form=True,
            ),
        ],
        "dashboard:signers": [Case("get", "/dashboard/o/org-a/signers/", DASH_MANAGERS)],
        "dashboard:signer-export": [
            Case(
                "post",
                "/dashboard/o/org-a/signers/export.json",
                DASH_MANAGERS,
                data={"email": "signer@example.org"},
                form=True,
            )
        ],
        "dashboard:audit": [
            Case("get", "/dashboard/o/org-a/audit/", codes(302, 403, 403, 403, 404, 200, 200))
        ],
        "dashboard:webhooks": [Case("get", "/dashboard/o/org-a/webhooks/", DASH_MANAGERS)],
        "dashboard:webhook-test": [
            Case(
                "post",
                f"/dashboard/o/org-a/webhooks/{webhook}/test/",
                codes(302, 403, 403, 302, 404, 302, 302),
                data={},
                form=True,
            )
        ],
        "dashboard:webhook-deactivate": [
            Case("get", f"/dashboard/o/org-a/webhooks/{webhook}/deactivate/", DASH_MANAGERS)
        ],
        "dashboard:webhook-reactivate": [
            Case(
                "post",
                f"/dashboard/o/org-a/webhooks/{webhook}/reactivate/",
                codes(302, 403, 403, 302, 404, 302, 302),
                data={},
                form=True,
            )
        ],
        "dashboard:members": [
            Case("get", "/dashboard/o/org-a/members/", codes(302, 403, 403, 403, 404, 200, 200)),
            Case(
                "post",
                "/dashboard/o/org-a/members/",
                codes(302, 403, 403, 403, 404, 302, 302),
                data={
                    "invite": "1",
                    "invite-email": "{role}-invitee@example.org",
                    "invite-role": "viewer",
                },
                form=True,
            ),
        ],
        "dashboard:organisation-new": [
            Case("get", "/dashboard/o/new/", codes(302, 403, 403, 403, 403, 403, 200))
        ],
        # Getting in without an administrator: the same for everyone, logged in or not; a
        # forged token is a 400 page.
        "dashboard:password-reset": [
            Case("get", "/dashboard/password-reset/", EVERYONE_200),
            Case(
                "post",
                "/dashboard/password-reset/",
                codes(*[302] * 7),
                data={"email": "nobody@example.org"},
                form=True,
            ),
        ],
        "dashboard:password-reset-done": [
            Case("get", "/dashboard/password-reset/sent/", EVERYONE_200)
        ],
        "dashboard:password-reset-confirm": [
            Case("get", "/dashboard/password-reset/MQ/bogus-token/", codes(*[400] * 7))
        ],
        "dashboard:password-reset-complete": [
            Case("get", "/dashboard/password-reset/done/", EVERYONE_200)
        ],
        "dashboard:invitation": [
            Case("get", "/dashboard/invitations/bogus:token:x/", codes(*[400] * 7)),
            Case(
                "post",
                "/dashboard/invitations/bogus:token:x/",
                codes(*[400] * 7),
                data={"username": "someone", "password": "x", "password_again": "x"},
                form=True,
            ),
        ],
        # --- The field app: its page for anyone logged in (it lists what the API gives
        # them: nothing for a viewer); its service worker and manifest for everyone, since
        # browsers fetch them on their own, without cookies ---------------------------------
        "field:app": [Case("get", "/field/", codes(302, *[200] * 6))],
        "field:sw": [Case("get", "/field/sw.js", EVERYONE_200)],
        "field:manifest": [Case("get", "/field/manifest.webmanifest", EVERYONE_200)],
    }


def url_names(patterns=None, namespace=""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name}" if pattern.name else f"{namespace}<unnamed>"


def test_every_url_has_an_entry(world):
    known = set(cases(world))
    missing = sorted(
        name for name in set(url_names()) if name not in known and not name.startswith("admin:")
    )
    assert not missing, f"add these URLs to the permission matrix: {missing}"


def request(client, case: Case, role: str):
    path = case.path + (f"?{case.query}" if case.query else "")
    method = getattr(client, case.method)
    if case.multipart:
        return method(path, {"file": csv_file()}, format="multipart")
    if case.data is None:
        return method(path)
    data = {k: v.replace("{role}", role) if isinstance(v, str) else v for k, v in case.data.items()}
    if case.form:
        return method(path, data)
    return method(path, data, format="json")


@pytest.mark.parametrize("role", ROLES)
def test_the_matrix(world, role):
    user = world["users"][role]
    token = None if user is None else AuthToken.objects.create(user=user, expiry=None)[1]
    failures = []
    for name, entries in cases(world).items():
        for case in entries:
            client = APIClient()
            if user is not None:
                client.force_login(user)  # pages and session-authenticated API
                client.credentials(HTTP_OSDI_API_TOKEN=token)  # the token-only OSDI API
            response = request(client, case, role)
            expected = case.codes[ROLES.index(role)]
            if response.status_code != expected:
                failures.append(
                    f"{case.method.upper()} {case.path} ({name}): "
                    f"{response.status_code}, expected {expected}"
                )
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", ROLES)
def test_the_admin_is_for_superusers_only(world, role):
    user = world["users"][role]
    client = APIClient()
    if user is not None:
        client.force_login(user)
    paths = ["/admin/"] + [
        f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        for model in admin.site._registry
    ]
    expected = 200 if role == "superuser" else 302
    wrong = [(path, client.get(path).status_code) for path in paths]
    wrong = [(path, code) for path, code in wrong if code != expected]
    assert not wrong, wrong


# --- The partner dimension -------------------------------------------------------------------
# Two members of org-c, an active coalition partner of campaign-a: its organiser and its
# viewer. Beside them in the matrix above stand the lead's organiser (organiser_a) and an
# unrelated organisation's (organiser_b). Over every URL, a partner's member is answered as
# organiser_b is, except where PARTNER says otherwise: (url name, case number) → the codes
# for (partner_organiser, partner_viewer).
PARTNER_ROLES = ("partner_organiser", "partner_viewer")
PARTNER: dict[tuple[str, int], tuple[int, int]] = {
    # Only the partner's owners answer for it.
    ("api-v1:campaign-partner-accept", 0): (403, 403),
    ("dashboard:partner-answer", 0): (403, 403),
    # Its members read its own goal; its owners and organisers set it, on the API and the
    # dashboard (its view of the campaign).
    ("api-v1:campaign-partner-goal", 0): (200, 200),
    ("api-v1:campaign-partner-goal", 1): (200, 403),
    ("dashboard:partner-goal", 0): (302, 403),
    # Its organisers list, export, review and import the signatures that came through it
    # (the lead's signature, id 1, is not among them: 404), send batches and record
    # signatures through OSDI (told nothing: 200 {}); its viewer may do none of that.
    ("api-v1:campaign-signatures", 0): (200, 403),
    ("api-v1:campaign-signature", 0): (404, 403),
    ("api-v1:campaign-signature", 1): (404, 403),
    ("api-v1:campaign-signatures-batch", 0): (200, 403),
    ("api-v1:campaign-signatures-review", 0): (200, 403),
    ("api-v1:campaign-import", 0): (201, 403),
    ("api-v1:campaign-export", 0): (200, 403),
    ("osdi:petition-signatures", 1): (200, 403),
    # Its organisers' token reads, through OSDI, the signatures that came through it (not
    # the lead's own, 404) and their people in its own records.
    ("osdi:petition-signatures", 0): (200, 404),
    ("osdi:signature", 1): (200, 404),
    ("osdi:person", 2): (200, 404),
    ("osdi:person-signatures", 1): (200, 404),
    ("osdi:record-signature", 0): (200, 403),
    ("osdi:record-signature-v1", 0): (200, 403),
    # The dashboard: both follow the campaign and print its sheet; its organisers manage
    # their own collectors (not the lead's: 404) and see their own signers.
    ("dashboard:campaign", 0): (200, 200),
    ("dashboard:sheet", 0): (200, 200),
    ("dashboard:collectors", 0): (200, 403),
    ("dashboard:collector-active", 0): (404, 403),
    ("dashboard:collector-active", 1): (404, 403),
    ("dashboard:import", 0): (200, 403),
    ("dashboard:export", 0): (200, 403),
    ("dashboard:export-xlsx", 0): (200, 403),
    ("dashboard:signatures", 0): (200, 403),
    ("dashboard:signatures", 1): (302, 403),
    # A viewer creates no campaign anywhere (organiser_b may, for org-b).
    ("dashboard:campaign-new", 0): (200, 403),
    ("dashboard:campaign-new", 1): (400, 403),
}


def partner_expected(name: str, index: int, case: Case, role: str) -> int:
    if (name, index) in PARTNER:
        return PARTNER[(name, index)][PARTNER_ROLES.index(role)]
    return case.codes[ROLES.index("organiser_b")]


@pytest.mark.parametrize("role", PARTNER_ROLES)
def test_the_partner_matrix(world, role):
    user = world["users"][role]
    token = AuthToken.objects.create(user=user, expiry=None)[1]
    failures = []
    for name, entries in cases(world).items():
        for index, case in enumerate(entries):
            client = APIClient()
            client.force_login(user)
            client.credentials(HTTP_OSDI_API_TOKEN=token)
            response = request(client, case, role)
            expected = partner_expected(name, index, case, role)
            if response.status_code != expected:
                failures.append(
                    f"({name!r}, {index}): {case.method.upper()} {case.path} "
                    f"{response.status_code}, expected {expected}"
                )
    assert not failures, "\n".join(failures)

"""Loading the demo (`manage.py seed_demo`): the data of `demo.data`, fed through the same
services as the dashboard and the API, acting as the installation itself (access.SYSTEM).

Every step is idempotent: running it again leaves what exists and adds what is missing. The
signature history alone goes in as a bulk insert, already counted, and is then recounted by
the tally's own reconciliation: a hundred thousand signatures are history, not signers.
"""

import random
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from campaigns import access, records, services
from campaigns.models import Campaign, CountryStatus, DecisionMaker, Engagement, Organisation
from demo import data
from results import services as results
from results.models import Indicator
from signatures.bulk import signatures_insert
from signatures.collectors import collector_create
from signatures.identity import email_normalise
from signatures.models import Collector, Signature
from signatures.selectors import consent_text_current
from tallies.services import campaign_reconcile

SYSTEM = access.SYSTEM
DEMO_PASSWORD = data.DEMO_PASSWORD


def _organisations() -> dict[str, Organisation]:
    result = {}
    for fields in data.ORGANISATIONS:
        organisation = Organisation.objects.filter(slug=fields["slug"]).first()
        if organisation is None:
            organisation = services.organisation_create(by=SYSTEM, **fields)
        result[organisation.slug] = organisation
    return result


def _people(organisations: dict[str, Organisation]) -> None:
    User = get_user_model()
    for username, (org_slug, role) in data.PEOPLE.items():
        user, created = User.objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.org"}
        )
        if created:
            if settings.DEBUG:  # the embedded demo: logins anyone may use
                user.set_password(DEMO_PASSWORD)
            else:
                user.set_unusable_password()
            user.save()
        services.membership_set(organisation=organisations[org_slug], user=user, role=role)


def _campaign(slug, organisation, texts, translations, fields) -> Campaign:
    campaign = Campaign.objects.filter(slug=slug).first()
    if campaign is not None:
        return campaign
    fields = dict(fields)
    return services.campaign_create(
        by=SYSTEM,
        organisation=organisation,
        slug=slug,
        translations=translations,
        closed_at=fields.pop("closed_at", None),
        **texts,
        **fields,
    )


def _stages(campaign: Campaign, stages) -> None:
    for country, stage, when, source in stages:
        if not CountryStatus.objects.filter(
            campaign=campaign, country=country, stage=stage, date=when
        ).exists():
            records.country_status_record(
                by=SYSTEM, campaign=campaign, country=country, stage=stage, date=when,
                source_url=source,
            )  # fmt: skip


def _outreach(campaign: Campaign, organisations: dict[str, Organisation]) -> None:
    if campaign.outreach.exists():
        return
    today = timezone.localdate()
    for channel, country, days_ago, reach, description, partner in data.C189_OUTREACH:
        records.outreach_record(
            by=SYSTEM,
            campaign=campaign,
            channel=channel,
            country=country,
            date=today - timedelta(days=days_ago),
            reach=reach,
            description=description,
            partner=organisations.get(partner) if partner else None,
        )


def _decision_makers(campaign: Campaign, rng: random.Random) -> None:
    """Three decision-makers engaged in the baseline year; all twenty-one since."""
    if Engagement.objects.filter(campaign=campaign).exists():
        return
    makers = []
    for name, role, institution, country, level in data.DECISION_MAKERS:
        maker = DecisionMaker.objects.filter(
            organisation=campaign.organisation, name=name
        ).first() or records.decision_maker_create(
            by=SYSTEM,
            organisation=campaign.organisation,
            name=name,
            role=role,
            institution=institution,
            country=country,
            level=level,
        )
        makers.append(maker)
    baseline_end = campaign.baseline_ends_on
    for maker in makers[:3]:
        records.engagement_record(
            by=SYSTEM,
            campaign=campaign,
            decision_maker=maker,
            kind="letter",
            date=baseline_end - timedelta(days=rng.randint(20, 300)),
            stance=rng.choice(["undecided", "opposed"]),
        )
    stances = ["champion", "supportive", "supportive", "undecided", "opposed"]
    for maker in makers:
        when = baseline_end + timedelta(days=rng.randint(30, 200))
        for _step in range(rng.randint(1, 3)):
            records.engagement_record(
                by=SYSTEM,
                campaign=campaign,
                decision_maker=maker,
                kind=rng.choice(["meeting", "hearing", "call", "statement", "vote", "commitment"]),
                date=when,
                stance=rng.choice(stances),
                notes="Reunión de incidencia con la federación.",
            )
            when += timedelta(days=rng.randint(15, 120))


def _collectors(organisation: Organisation, names: list[str]) -> list[Collector]:
    collectors = []
    for name in names:
        code = slugify(name)
        collector = Collector.objects.filter(
            organisation=organisation, code=code
        ).first() or collector_create(
            by=SYSTEM,
            organisation=organisation,
            name=name,
            code=code,
            username=data.COLLECTOR_ACCOUNTS.get(code, ""),
        )
        collectors.append(collector)
    return collectors


def _signatures(campaign: Campaign, *, collectors: list[Collector], rng: random.Random) -> None:
    """A realistic history: a slow start, steady growth and spikes on campaign days."""
    if Signature.objects.filter(campaign=campaign).exists():
        return
    confirmed, pending, rejected, days, countries = data.SIGNATURES[campaign.slug]
    last_day = campaign.ends_on or timezone.localdate()
    first_day = last_day - timedelta(days=days - 1)
    weights = []
    for offset in range(days):
        weight = 0.3 + offset / days
        if offset % 29 == 0 or offset in (days - 60, days - 20):
            weight *= 4
        weights.append(weight)
    total = confirmed + pending + rejected
    day_offsets = rng.choices(range(days), weights=weights, k=total)
    country_weights = [5, 4, 3, 2, 1][: len(countries)]
    consent = {
        language: consent_text_current(language=language, campaign_id=campaign.id)
        for language in ("es", "en")
    }
    statuses = ["confirmed"] * confirmed + ["pending"] * pending + ["rejected"] * rejected
    rng.shuffle(statuses)
    rows = []
    first_moment = timezone.make_aware(datetime.combine(first_day, time(8)))
    for n, (offset, status) in enumerate(zip(sorted(day_offsets), statuses, strict=True)):
        first, last = rng.choice(data.FIRST_NAMES), rng.choice(data.SURNAMES)
        email = f"{first}.{last}.{n}@example.org".lower()
        created = first_moment + timedelta(days=offset, minutes=rng.randint(0, 14 * 60))
        source = rng.choices(data.SOURCES, data.SOURCE_WEIGHTS)[0]
        collector = (
            rng.choice(collectors).id if collectors and source in ("import", "field") else None
        )
        language = "es" if rng.random() < 0.9 else "en"
        rows.append(
            {
                "campaign_id": campaign.id,
                "name": f"{first} {last}",
                "email": email,
                "email_normalised": email_normalise(email),
                "country": rng.choices(countries, country_weights)[0],
                "language": language,
                "source": source,
                "collector_id": collector,
                "status": status,
                "rejected_reason": (
                    Signature.RejectedReason.HONEYPOT if status == "rejected" else ""
                ),
                "consent_text_id": consent[language],
                "consented_at": created,
                "confirmed_at": created + timedelta(hours=2) if status == "confirmed" else None,
                "email_state": "sent" if status == "pending" else "none",
                "email_sends": 1 if status == "pending" else 0,
                "created": created,
                "counted": status,  # history: the reconciliation below recounts it
            }
        )
    signatures_insert(rows)


def _results(campaign: Campaign, spec: dict) -> None:
    """The campaign's results framework: baselines and targets of the built-in indicators,
    and the programme's own indicators with their recorded values (demo.data.RESULTS)."""
    for key, fields in spec.get("builtin", {}).items():
        if not Indicator.objects.filter(campaign=campaign, key=key).exists():
            results.indicator_set(by=SYSTEM, campaign=campaign, key=key, **fields)
    for key, fields, values in spec.get("recorded", []):
        if Indicator.objects.filter(campaign=campaign, key=key).exists():
            continue
        results.indicator_set(by=SYSTEM, campaign=campaign, key=key, **fields)
        for when, value, breakdown, note in values:
            results.indicator_value_record(
                by=SYSTEM,
                campaign=campaign,
                key=key,
                date=when,
                value=value,
                breakdown=breakdown,
                note=note,
            )


@transaction.atomic
def seed() -> dict[str, Campaign]:
    organisations = _organisations()
    _people(organisations)
    campaigns = {}
    for slug, organisation, texts, translations, fields in data.CAMPAIGNS:
        campaigns[slug] = _campaign(slug, organisations[organisation], texts, translations, fields)
    for slug, stages in data.STAGES.items():
        _stages(campaigns[slug], stages)

    rng = random.Random(189)  # the same demo every time
    c189 = campaigns["ratify-c189"]
    _outreach(c189, organisations)
    _decision_makers(c189, rng)
    collectors = {
        slug: _collectors(organisations[slug], names) for slug, names in data.COLLECTORS.items()
    }
    for campaign in campaigns.values():
        _signatures(campaign, collectors=collectors.get(campaign.organisation.slug, []), rng=rng)
    for slug, spec in data.RESULTS.items():
        _results(campaigns[slug], spec)
    for campaign in campaigns.values():
        # The history was inserted counted; reconciliation recounts it from the rows.
        transaction.on_commit(
            lambda c=campaign.id: campaign_reconcile(campaign_id=c, log_drift=False)
        )
    return campaigns

"""Hundreds of concurrent sign requests against gunicorn: one row per person, exact counts."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from campaigns.models import Campaign
from signatures.models import Signature
from tallies import services as tallies
from tallies.models import CampaignTally
from tests.factories import CampaignFactory

pytestmark = pytest.mark.worker


def variants(n: int, person: int) -> str:
    """The same address written differently each time: case and surrounding spaces."""
    base = f"persona.{person}@example.org"
    forms = [base, base.upper(), f"  {base.title()} ", base.capitalize(), f"{base} "]
    return forms[n % len(forms)]


def test_concurrent_signers_with_repeated_emails_get_exactly_one_row_each(stack):
    campaign = CampaignFactory(require_confirmation=False, status=Campaign.Status.OPEN)
    stack.start_web(workers=4)
    people = 60
    requests_per_person = 5
    jobs = [(n, person) for person in range(people) for n in range(requests_per_person)]
    session = requests.Session()

    def post(job):
        n, person = job
        return session.post(
            f"{stack.url}/api/v1/campaigns/{campaign.slug}/signatures/",
            json={
                "name": f"Persona {person}",
                "email": variants(n, person),
                "country": "PE",
                "consent": True,
            },
            timeout=30,
        )

    with ThreadPoolExecutor(max_workers=32) as pool:
        responses = list(pool.map(post, jobs))

    # Every answer is the same to the public, new signature or repeat; the rows tell the truth.
    assert {r.status_code for r in responses} == {201}
    assert {r.content for r in responses} == {
        b'{"status": "confirmed", "campaign": "%s"}' % campaign.slug.encode()
    }
    assert Signature.objects.filter(campaign=campaign).count() == people
    assert Signature.objects.values("email_normalised").distinct().count() == people
    tallies.campaign_tally(campaign_id=campaign.id)
    assert CampaignTally.objects.get(campaign=campaign).confirmed == people

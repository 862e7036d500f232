"""What a results period query costs with the big campaign (1M signatures), against the plain
stats endpoint in the same run.

- In this process, without HTTP: `campaign_results` for a period holding the campaign's whole
  life (the tally's dimensions, no row read), for a part of it never asked before (its
  breakdowns counted by one GROUP BY over the part's rows, then cached) and for the same part
  again (a cache read), against `campaign_stats` (what /stats/ renders), alternating.
- Through the stack, with wrk: the results endpoint (an organiser's token, the last 90 days:
  the whole life) against /stats/, alternating, p95 of each.
"""

import io
import json
import statistics
import subprocess
import time
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

# Importing bench.environment configures Django for this run: before any model.
from bench.environment import BENCH
from bench.stack import Services
from campaigns.models import Campaign, Membership, Role
from results import selectors
from signatures.bulk import signatures_insert
from tallies.selectors import campaign_stats
from tallies.services import campaign_tally


def organiser_token(campaign: Campaign) -> str:
    user = get_user_model().objects.create_user(username="bench-organiser")
    Membership.objects.create(user=user, organisation=campaign.organisation, role=Role.ORGANISER)
    out = io.StringIO()
    call_command("create_api_token", user.username, stdout=out)
    return out.getvalue().strip()


def _ms(function) -> float:
    started = time.perf_counter()
    function()
    return (time.perf_counter() - started) * 1000


def _older_signature(campaign: Campaign) -> None:
    """One signature dated three days ago, counted: the big campaign's rows are all from
    today, and a period that leaves this one out is a part of its life, not the whole."""
    moment = timezone.now() - timedelta(days=3)
    signatures_insert(
        [
            {
                "campaign_id": campaign.id,
                "name": "Persona antigua",
                "email": "older@example.org",
                "email_normalised": "older@example.org",
                "country": "BO",
                "source": "import",
                "status": "confirmed",
                "confirmed_at": moment,
                "created": moment,
            }
        ]
    )
    campaign_tally(campaign_id=campaign.id)


def measure_in_process(campaign: Campaign, rounds: int) -> dict:
    """A period holding the whole life (the tally's dimensions), a part of it never asked
    before (one GROUP BY over its 1M rows), the same part again (the cache), against the stats
    selector, alternating."""
    _older_signature(campaign)
    campaign = Campaign.objects.select_related("organisation", "tally").get(id=campaign.id)
    today = timezone.now().date()
    whole, part, again, stats = [], [], [], []
    for round_ in range(rounds * 2 + 1):
        life = selectors.Period(today - timedelta(days=30 + round_), today)
        # From yesterday (or earlier, each round a new period): today's rows, not the older one.
        recent = selectors.Period(today - timedelta(days=1), today + timedelta(days=round_))
        whole.append(_ms(lambda p=life: selectors.campaign_results(campaign=campaign, period=p)))
        part.append(_ms(lambda p=recent: selectors.campaign_results(campaign=campaign, period=p)))
        again.append(_ms(lambda p=recent: selectors.campaign_results(campaign=campaign, period=p)))
        stats.append(_ms(lambda: campaign_stats(campaign=campaign, include_private=True)))
    return {
        "results_whole_ms_1m": statistics.median(whole),
        "results_cold_ms_1m": statistics.median(part),
        "results_warm_ms_1m": statistics.median(again),
        "results_stats_ms_1m": statistics.median(stats),
        "results_whole_vs_stats": statistics.median(whole) / statistics.median(stats),
        "results_cold_vs_stats": statistics.median(part) / statistics.median(stats),
        "results_warm_vs_stats": statistics.median(again) / statistics.median(stats),
    }


def _wrk(url: str, seconds: float, token: str | None = None) -> dict:
    command = ["wrk", "-t2", "-c8", f"-d{max(1, round(seconds))}s", "--latency"]
    if token:
        command += ["-H", f"Authorization: Token {token}"]
    command += ["-s", str(BENCH / "get.lua"), url]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    result = json.loads(line.removeprefix("RESULT "))
    if result["other"] > max(10, result["requests"] // 100):
        raise RuntimeError(f"{result['other']} of {result['requests']} requests failed")
    return result


def measure_http(services: Services, token: str, rounds: int, seconds: float) -> dict:
    """p95 of the results endpoint (a period over the big campaign) against /stats/'s."""
    today = timezone.now().date()
    query = f"?from={(today - timedelta(days=90)).isoformat()}&to={today.isoformat()}"
    results_url = f"{services.url}/api/v1/campaigns/bench-1m/results/{query}"
    stats_url = f"{services.url}/api/v1/campaigns/bench-1m/stats/"
    results_p95, stats_p95 = [], []
    for _ in range(rounds):
        stats_p95.append(_wrk(stats_url, seconds / 2)["p95_us"])
        results_p95.append(_wrk(results_url, seconds / 2, token)["p95_us"])
    return {
        "results_p95_ms_1m": statistics.median(results_p95) / 1000,
        "results_stats_p95_ms_1m": statistics.median(stats_p95) / 1000,
        "results_vs_stats_p95": statistics.median(results_p95) / statistics.median(stats_p95),
    }

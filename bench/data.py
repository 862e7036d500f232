"""Volume data and what is measured on it without the stack: signatures made directly in the
database, the tally with 10k against 1M already counted, the export and the import."""

import csv
import io
import json
import statistics
import subprocess
import sys
import time

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connections
from django.utils import timezone

# First of the project's imports: importing bench.environment configures Django for this run.
from bench.environment import ROOT
from campaigns import access
from campaigns.models import Campaign, Membership, Organisation, Role
from signatures import imports
from signatures.bulk import signatures_insert
from signatures.models import Collector
from signatures.people import people_sync_all
from tallies.services import campaign_reconcile, campaign_tally


def make_campaign(slug: str, goal: int = 1_000_000, contact: str = "email"):
    organisation, _ = Organisation.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    return Campaign.objects.create(
        organisation=organisation,
        slug=slug,
        title=slug,
        goal=goal,
        status="open",
        require_confirmation=False,
        countries=["BO", "EC", "PE"],
        languages=["es"],
        contact=contact,
    )


def insert_rows(campaign, count: int, *, counted: bool, tag: str, batch: int = 50_000) -> None:
    """Signatures made directly in the database (COPY), not through the API."""
    countries = ("BO", "EC", "PE", "MX", "GT")
    sources = ("web", "web", "embed", "import", "api")
    now = timezone.now()
    for start in range(0, count, batch):
        signatures_insert(
            {
                "campaign_id": campaign.id,
                "name": f"Persona {n}",
                "email": f"{tag}{n}@example.org",
                "email_normalised": f"{tag}{n}@example.org",
                "country": countries[n % 5],
                "source": sources[n % 5],
                "status": "confirmed",
                "confirmed_at": now,
                "created": now,
                "counted": "confirmed" if counted else "",
            }
            for n in range(start, min(start + batch, count))
        )


def make_volume(big: int, small: int) -> tuple[Campaign, Campaign, dict]:
    """A campaign with `big` signatures and one with `small`, all counted (reconciled), and
    how fast the big one's rows were made."""
    campaign_big = make_campaign("bench-1m")
    campaign_small = make_campaign("bench-10k")
    started = time.perf_counter()
    insert_rows(campaign_big, big, counted=True, tag="m")
    generated = {"generate_rows_per_s": big / (time.perf_counter() - started)}
    insert_rows(campaign_small, small, counted=True, tag="k")
    for campaign in (campaign_big, campaign_small):
        campaign_reconcile(campaign_id=campaign.id, log_drift=False)
    return campaign_big, campaign_small, generated


def measure_tally(campaign_10k, campaign_1m, rounds: int) -> dict:
    """A tally after 1,000 new signatures, with 10k then 1M already counted, alternating. The
    new rows are stored as signing stores them (`counted` at birth: the tally counts them
    without writing them, tallies.services)."""
    sizes = {"10k": campaign_10k, "1m": campaign_1m}
    times = {name: [] for name in sizes}
    for round_ in range(rounds):
        for name, campaign in sizes.items():
            insert_rows(campaign, 1000, counted=True, tag=f"t{round_}-")
            started = time.perf_counter()
            counted = campaign_tally(campaign_id=campaign.id)
            times[name].append((time.perf_counter() - started) * 1000)
            assert counted == 1000, counted
    tally = {name: statistics.median(values) for name, values in times.items()}
    return {
        "tally_ms_10k": tally["10k"],
        "tally_ms_1m": tally["1m"],
        "tally_1m_vs_10k": tally["1m"] / tally["10k"],
    }


def measure_export(campaign_id: int, rounds: int, env: dict) -> dict:
    """In a fresh process, so its peak memory is the export's own (ru_maxrss)."""
    output = subprocess.run(
        [sys.executable, "-m", "bench.export_probe", str(campaign_id), str(rounds)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    export = json.loads(output.strip().splitlines()[-1])
    return {**export, "export_vs_copy": export["export_rows_per_s"] / export["copy_rows_per_s"]}


def measure_import(campaign, rows: int, rounds: int) -> dict:
    """A CSV through the import job (every row checked), against a plain COPY of the same."""
    rates, floors = [], []
    for round_ in range(rounds):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(imports.HEADER)
        for n in range(rows):
            writer.writerow(
                [f"Persona {n}", f"i{round_}-{n}@example.org", "PE", "15001", "", "2026-11-20"]
            )
        content = buffer.getvalue().encode()
        started = time.perf_counter()
        job = imports.signatures_import(by=access.SYSTEM, campaign=campaign, content=content)
        imports.import_run(job_id=job.id)
        elapsed = time.perf_counter() - started
        job.refresh_from_db()
        assert job.state == "done" and job.created_count == rows, (job.state, job.error)
        rates.append(rows / elapsed)
        started = time.perf_counter()
        insert_rows(campaign, rows, counted=False, tag=f"f{round_}-", batch=rows)
        floors.append(rows / (time.perf_counter() - started))
    return {
        "import_rows_per_s": statistics.median(rates),
        "import_copy_rows_per_s": statistics.median(floors),
        "import_vs_copy": statistics.median(rates) / statistics.median(floors),
    }


def make_collector(campaign) -> str:
    """A collector of the campaign's organisation, with an API token for its phone."""
    user = get_user_model().objects.create_user(username="bench-collector")
    Membership.objects.create(user=user, organisation=campaign.organisation, role=Role.COLLECTOR)
    Collector.objects.create(
        organisation=campaign.organisation, name="Bench", code="bench-collector", user=user
    )
    out = io.StringIO()
    call_command("create_api_token", user.username, stdout=out)  # as an installation does
    return out.getvalue().strip()


def settle() -> None:
    """Count everything the data phase added, so the stack starts quiet (no backlog)."""
    for campaign_id in Campaign.objects.values_list("id", flat=True):
        campaign_tally(campaign_id=campaign_id)
    people_sync_all()  # the OSDI people of the generated signatures, made beforehand
    connections.close_all()

"""The stack under load with wrk: signing against the /healthz/ floor (and where its CPU goes),
every 201 against the rows stored, count freshness and stats latency."""

import json
import statistics
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter

from django.db.models import Count

from bench.cpu import cpu_budget, cpu_per_request, cpu_seconds

# Importing bench.environment configures Django for this run: before any model.
from bench.environment import BENCH
from bench.stack import Services
from signatures.models import Signature


def wrk(url: str, script: str, seconds: float, connections: int, *args: str) -> dict:
    command = [
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        "-s",
        str(BENCH / script),
        url,
    ]
    if args:
        command += ["--", *args]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    result = json.loads(line.removeprefix("RESULT "))
    # Only answers that did what was asked count as throughput.
    good = result["created"] + result["duplicate"] if "created" in result else result["ok"]
    result["per_s"] = good / (result["duration_us"] / 1e6)
    failed = result["requests"] - good
    if failed > max(10, result["requests"] // 100):
        raise RuntimeError(f"{failed} of {result['requests']} requests failed: {output[-2000:]}")
    return result


def post_json(url: str, body: dict) -> int:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


INSERT_SLUG = "bench-insert"
SETTLE_SECONDS = 2


def insert_path(slug: str = INSERT_SLUG) -> str:
    """The baseline: Voces' own row through signing's own INSERT, and nothing else
    (bench/views.py, served only by a bench run's stack)."""
    return f"/bench/insert/{slug}/"


def warm_up(services: Services) -> dict:
    """Not counted: new workers prepare statements and fill caches. Returns the signing run."""
    wrk(services.url + "/healthz/", "get.lua", 2, 32)
    wrk(services.url, "sign.lua", 2, 32, INSERT_SLUG, "warm", insert_path())
    return wrk(services.url, "sign.lua", 2, 32, "bench-sign", "warm")


def measure_signing(services: Services, rounds: int, seconds: float) -> tuple[dict, dict]:
    """Signing against two baselines on the same server, alternating in each round: the
    /healthz/ floor (the stack answering at all) and the durable insert of the same row
    through signing's own INSERT (bench/views.py), with the CPU per request of each; then the
    201s wrk counted (the warm-up's too) against the rows stored. Returns the figures, and
    what wrk's counts show lost and duplicated."""
    warm = warm_up(services)
    signs, floors, inserts, ratios, insert_ratios, cpu_rounds = [], [], [], [], [], []
    created = warm["created"]
    for round_ in range(rounds):
        # The work a signing round leaves (the tally catching up, PostgreSQL's vacuum) would
        # slow the floor measured next and flatter the ratio (a first round read 0.90 so).
        time.sleep(SETTLE_SECONDS)
        before = cpu_seconds()
        floor = wrk(services.url + "/healthz/", "get.lua", seconds, 32)
        after_floor = cpu_seconds()
        insert = wrk(
            services.url, "sign.lua", seconds, 32, INSERT_SLUG, f"r{round_}", insert_path()
        )
        middle = cpu_seconds()
        sign = wrk(services.url, "sign.lua", seconds, 32, "bench-sign", f"r{round_}")
        after = cpu_seconds()
        # Per request, CPU milliseconds by kind of process: what the ratio is made of.
        cpu_rounds.append(
            {
                "floor": cpu_per_request(before, after_floor, floor["requests"]),
                "insert": cpu_per_request(after_floor, middle, insert["requests"]),
                "sign": cpu_per_request(middle, after, sign["requests"]),
            }
        )
        floors.append(floor)
        inserts.append(insert)
        signs.append(sign)
        ratios.append(sign["per_s"] / floor["per_s"])
        insert_ratios.append(sign["per_s"] / insert["per_s"])
        created += sign["created"]
    results = {
        "floor_per_s": statistics.median(f["per_s"] for f in floors),
        "insert_per_s": statistics.median(i["per_s"] for i in inserts),
        "sign_per_s": statistics.median(s["per_s"] for s in signs),
        "sign_vs_floor": statistics.median(ratios),
        "sign_vs_insert": statistics.median(insert_ratios),
        "insert_vs_floor": statistics.median(
            i["per_s"] / f["per_s"] for i, f in zip(inserts, floors, strict=True)
        ),
        "sign_vs_floor_rounds": ratios,
        "sign_vs_insert_rounds": insert_ratios,
        "insert_p99_ms": statistics.median(i["p99_us"] for i in inserts) / 1000,
        "sign_p50_ms": statistics.median(s["p50_us"] for s in signs) / 1000,
        "sign_p99_ms": statistics.median(s["p99_us"] for s in signs) / 1000,
        "sign_non_2xx": sum(s["other"] + s["errors"] for s in signs),
        **cpu_budget(cpu_rounds),
    }

    time.sleep(1)  # let requests still in flight when wrk stopped finish
    counts = Signature.objects.filter(campaign__slug="bench-sign").aggregate(
        rows=Count("id"), people=Count("email_normalised", distinct=True)
    )
    results["answered_201"] = created
    results["rows_stored"] = counts["rows"]
    # wrk drops the answers still in flight when it stops (at most one per connection
    # per run), so its counts can only bound the rows: a row without a counted 201 is
    # one of those, and more of them than connections would be a real mismatch. The
    # exact check, 201 by 201, is measure_exactly_once's.
    results["stored_in_flight"] = max(0, counts["rows"] - created)
    results["in_flight_bound"] = 32 * (rounds + 1)
    faults = {
        "lost": max(0, created - counts["rows"]),
        "duplicated": counts["rows"] - counts["people"],
    }
    return results, faults


def measure_exactly_once(services: Services, seconds: float, clients: int = 8) -> dict:
    """Sign from Python clients that keep every answer while wrk loads the same server, then
    look up each email: every 201 must be one row, and no row may lack its answer."""
    load = threading.Thread(
        target=wrk,
        args=(services.url, "sign.lua", seconds, 24, "bench-sign", "exact-load"),
        daemon=True,
    )
    url = f"{services.url}/api/v1/campaigns/bench-exact/signatures/"
    answers: dict[str, int] = {}

    def client(number: int) -> None:
        sent = 0
        while load.is_alive():
            sent += 1
            email = f"exact-{number}-{sent}@example.org"
            body = {"name": "Exact", "email": email, "country": "EC", "consent": True}
            try:
                answers[email] = post_json(url, body)
            except urllib.error.HTTPError as error:
                answers[email] = error.code
            except OSError:
                answers[email] = 0  # no answer at all: neither a 201 nor a refusal

    load.start()
    time.sleep(0.5)
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    load.join()
    stored = Counter(
        Signature.objects.filter(campaign__slug="bench-exact").values_list(
            "email_normalised", flat=True
        )
    )
    created = {email for email, status in answers.items() if status == 201}
    return {
        "exact_requests": len(answers),
        "exact_answered_201": len(created),
        "exact_lost": len(created - stored.keys()),
        "exact_stored_without_201": len(stored.keys() - created),
        "exact_duplicated": sum(count - 1 for count in stored.values()),
    }


def measure_freshness(services: Services, probes: int, load_seconds: float) -> dict:
    """Under sustained signing load on one campaign, sign another one at a time and time how
    long until its public count includes each signature."""
    lags = []
    load = threading.Thread(
        target=wrk,
        args=(services.url, "sign.lua", load_seconds, 16, "bench-sign", "fresh-load"),
        daemon=True,
    )
    load.start()
    time.sleep(1)
    sign_url = f"{services.url}/api/v1/campaigns/bench-fresh/signatures/"
    count_url = f"{services.url}/api/v1/campaigns/bench-fresh/count/"
    for n in range(1, probes + 1):
        body = {"name": "Probe", "email": f"probe{n}@example.org", "country": "PE", "consent": True}
        assert post_json(sign_url, body) == 201
        answered = time.perf_counter()
        while get_json(count_url)["signature_count"] < n:
            if time.perf_counter() - answered > 30:
                raise RuntimeError("the count never caught up")
            time.sleep(0.01)
        lags.append((time.perf_counter() - answered) * 1000)
        time.sleep(0.05)
    load.join()
    lags.sort()
    return {
        "fresh_p50_ms": statistics.median(lags),
        "fresh_p99_ms": lags[min(len(lags) - 1, int(len(lags) * 0.99))],
    }


def measure_stats(services: Services, rounds: int, seconds: float) -> dict:
    """The stats endpoint's p95 with the big campaign, against /healthz/'s, alternating."""
    stats, floor_p95 = [], []
    for _ in range(rounds):
        floor_p95.append(wrk(services.url + "/healthz/", "get.lua", seconds / 2, 8)["p95_us"])
        stats.append(
            wrk(services.url + "/api/v1/campaigns/bench-1m/stats/", "get.lua", seconds / 2, 8)[
                "p95_us"
            ]
        )
    return {
        "stats_p95_ms_1m": statistics.median(stats) / 1000,
        "healthz_p95_ms": statistics.median(floor_p95) / 1000,
        "stats_vs_healthz_p95": statistics.median(stats) / statistics.median(floor_p95),
    }


def _batch(n0: int, size: int, tag: str, people: int = 0) -> list[dict]:
    """Rows n0..n0+size of a batch; `people` is how many earlier rounds used, so the phone
    numbers (a person, without an email) are new in every round too."""
    return [
        {
            "client_id": str(uuid.uuid4()),
            "name": f"Persona {n}",
            # One in five signers without email, as at a market.
            **(
                {"phone": f"+5917{(people + n) % 10_000_000:07d}"}
                if n % 5 == 4
                else {"email": f"{tag}{n}@example.org"}
            ),
            "country": "BO",
            "consent": True,
            "collected_at": "2026-11-20T10:00:00Z",
        }
        for n in range(n0, n0 + size)
    ]


def measure_batches(
    services: Services, token: str, slug: str, rows: int, rounds: int, copy_rows
) -> dict:
    """Field batches of 500 through the API, one after another as a phone sends them (JSON
    parsing, validation, the idempotency claim and the rows), against a COPY of as many rows
    into the same table, alternating."""
    size = 500
    rates, floors = [], []
    for round_ in range(rounds):
        bodies = [
            json.dumps({"signatures": _batch(start, size, f"b{round_}-", round_ * rows)}).encode()
            for start in range(0, rows, size)
        ]
        started = time.perf_counter()
        for body in bodies:
            request = urllib.request.Request(
                f"{services.url}/api/v1/campaigns/{slug}/signatures/batch/",
                data=body,
                method="POST",
                headers={"Content-Type": "application/json", "Authorization": f"Token {token}"},
            )
            with urllib.request.urlopen(request, timeout=60) as response:
                answers = json.loads(response.read())["results"]
            if any(a["result"] != "created" for a in answers):
                wrong = [a for a in answers if a["result"] != "created"]
                raise RuntimeError(f"{len(wrong)} batch items not created: {wrong[:3]}")
        rates.append(rows / (time.perf_counter() - started))
        started = time.perf_counter()
        copy_rows(rows, f"bc{round_}-")
        floors.append(rows / (time.perf_counter() - started))
    stored = Signature.objects.filter(campaign__slug=slug, source="field").count()
    if stored != rows * rounds:
        raise RuntimeError(f"{rows * rounds} batch items answered created, {stored} stored")
    return {
        "batch_rows_per_s": statistics.median(rates),
        "batch_copy_rows_per_s": statistics.median(floors),
        "batch_vs_copy": statistics.median(rates) / statistics.median(floors),
    }

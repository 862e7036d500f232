"""`make bench`: Voces under load, on this machine, against a baseline measured in the same run.

It creates a private PostgreSQL database and a private Redis, starts the production stack
(`scripts/serve`: gunicorn, a Celery worker and beat), drives it with wrk (Debian's, with Lua
scripts in bench/), and prints a table; the figures go to bench/results.json. Every speed is
also given as a ratio to a baseline taken in the same run, alternating A and B, because a
shared 2-core machine is noisy: ratios travel between machines better than absolutes.

    python -m bench            # the full run (a few minutes)
    python -m bench --tiny     # seconds: checks the bench still works (the test suite runs it)

This module is the order of the run. The rest: environment.py (the run's settings; importing
it configures Django), stack.py (the private services), cpu.py (where the CPU goes), data.py
(volume data, tally, export, import), load.py (wrk-driven measurements), report.py (targets,
table, results.json), export_probe.py (the export, in a process of its own).
"""

import argparse
import os
import sys
import time

from bench import data, load, report

# Importing bench.environment (through the modules above, too) configures Django for this run.
from bench.environment import BENCH
from bench.report import log
from bench.stack import Services


def run_sign_only(seconds: float, rounds: int) -> dict:
    """Just signing against the floor: for tuning gunicorn and the hot path."""
    services = Services()
    services.start()
    results = {}
    try:
        data.make_campaign("bench-sign")
        services.start_stack()
        load.warm_up(services)
        for round_ in range(rounds):
            floor = load.wrk(services.url + "/healthz/", "get.lua", seconds, 32)
            sign = load.wrk(services.url, "sign.lua", seconds, 32, "bench-sign", f"r{round_}")
            log(
                f"floor {floor['per_s']:.0f}/s, sign {sign['per_s']:.0f}/s "
                f"(p50 {sign['p50_us'] / 1000:.1f} ms, p99 {sign['p99_us'] / 1000:.1f} ms), "
                f"ratio {sign['per_s'] / floor['per_s']:.2f}"
            )
            results.setdefault("ratios", []).append(sign["per_s"] / floor["per_s"])
    finally:
        services.close()
    return results


def run(tiny: bool) -> dict:
    big = 2_000 if tiny else 1_000_000
    small = 200 if tiny else 10_000
    rounds = 1 if tiny else 3
    seconds = 1 if tiny else 8
    import_rows = 3_000 if tiny else 100_000
    services = Services()
    services.start()
    results: dict = {"tiny": tiny, "rows_big": big, "rows_small": small}
    try:
        log(f"data: {big:,} + {small:,} signatures")
        campaign_big, campaign_small, generated = data.make_volume(big, small)
        results.update(generated)

        log("tally after 1,000 new signatures: 10k vs 1M counted")
        results.update(data.measure_tally(campaign_small, campaign_big, rounds * 2 - 1))

        log(f"export of {big:,} rows")
        results.update(data.measure_export(campaign_big.id, rounds, services.env))

        log(f"import of {import_rows:,} rows")
        results.update(data.measure_import(data.make_campaign("bench-import"), import_rows, rounds))

        data.make_campaign("bench-sign")
        data.make_campaign("bench-fresh")
        data.make_campaign("bench-exact")
        field_campaign = data.make_campaign("bench-field", contact="email_or_phone")
        field_token = data.make_collector(field_campaign)
        data.settle()  # so the stack starts quiet (no backlog)
        log("starting the stack (scripts/serve)")
        services.start_stack()

        log("signing against the /healthz/ floor, alternating")
        signing, wrk_faults = load.measure_signing(services, rounds, seconds)
        results.update(signing)

        log("every 201 against the rows, email by email, under signing load")
        exact = load.measure_exactly_once(services, seconds=2 if tiny else 10)
        results.update(exact)
        results["lost"] = wrk_faults["lost"] + exact["exact_lost"]
        results["duplicated"] = wrk_faults["duplicated"] + exact["exact_duplicated"]

        log("count freshness under signing load")
        results.update(
            load.measure_freshness(
                services, probes=5 if tiny else 40, load_seconds=4 if tiny else 20
            )
        )

        log("stats latency with the big campaign, against /healthz/")
        results.update(load.measure_stats(services, rounds, seconds))

        batch_rows = 2_000 if tiny else 20_000
        log(f"field batches: {batch_rows:,} rows in batches of 500, against COPY")
        results.update(
            load.measure_batches(
                services,
                field_token,
                "bench-field",
                batch_rows,
                rounds,
                lambda rows, tag: data.insert_rows(
                    field_campaign, rows, counted=False, tag=tag, batch=rows
                ),
            )
        )
    finally:
        services.close()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="a few seconds, small data")
    parser.add_argument("--output", default=str(BENCH / "results.json"))
    parser.add_argument(
        "--sign-only",
        action="store_true",
        help="only signing against the floor, printed, nothing written",
    )
    arguments = parser.parse_args()
    if arguments.sign_only:
        run_sign_only(seconds=5, rounds=3)
        return 0
    started = time.monotonic()
    results = run(arguments.tiny)
    results["seconds"] = round(time.monotonic() - started, 1)
    results["machine"] = {"cpus": os.cpu_count(), "python": sys.version.split()[0]}
    verdict = report.check(results)
    results["targets_met"] = verdict
    report.write(results, arguments.output)
    print(report.table(results, verdict))
    print(f"\nwritten to {arguments.output} in {results['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

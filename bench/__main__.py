"""`make bench`: Voces under load, on this machine, against a baseline measured in the same run.

It creates a private PostgreSQL database and a private Redis, starts the production stack
(`scripts/serve`: gunicorn, a Celery worker and beat), drives it with wrk (Debian's, with Lua
scripts in bench/), and prints a table; the figures go to bench/results.json. Every speed is
also given as a ratio to a baseline taken in the same run, alternating A and B, because a
shared 2-core machine is noisy: ratios travel between machines better than absolutes.

    python -m bench            # the full run (a few minutes)
    python -m bench --tiny     # seconds: checks the bench still works (the test suite runs it)
    python -m bench --rows 100000 --seconds 6   # the same measures, on less data
    python -m bench --sign-only                 # signing against its two baselines only
    python -m bench.profile    # py-spy on the web workers while wrk signs (bench/profile.py)

Signing is measured against two baselines on the same server: `/healthz/` (the stack
answering at all: `sign_vs_floor`) and the durable insert of Voces' own row through signing's
own INSERT (bench/views.py, routed only in a bench run by bench/settings.py:
`sign_vs_insert`), so the cost of the request path and the cost of the write are told apart.

This module is the order of the run. The rest: environment.py (the run's settings; importing
it configures Django), settings.py, urls.py and views.py (the stack's insert baseline),
stack.py (the private services), cpu.py (where the CPU goes), data.py (volume data, tally,
export, import), load.py (wrk-driven measurements), report.py (targets, table,
results.json), export_probe.py (the export, in a process of its own), profile.py (py-spy).
"""

import argparse
import os
import sys
import time

from bench import data, load, report
from bench import results as results_bench

# Importing bench.environment (through the modules above, too) configures Django for this run.
from bench.environment import BENCH
from bench.report import log
from bench.stack import Services


def run_sign_only(seconds: float, rounds: int) -> dict:
    """Just signing against its two baselines: for tuning gunicorn and the hot path."""
    services = Services()
    services.start()
    try:
        data.make_campaign("bench-sign")
        data.make_campaign(load.INSERT_SLUG)
        services.start_stack()
        results, faults = load.measure_signing(services, rounds, seconds)
        results.update(faults)
        for round_, (floor, insert) in enumerate(
            zip(results["sign_vs_floor_rounds"], results["sign_vs_insert_rounds"], strict=True)
        ):
            log(f"round {round_}: sign ÷ floor {floor:.2f}, sign ÷ insert {insert:.2f}")
        log(
            f"floor {results['floor_per_s']:.0f}/s, insert {results['insert_per_s']:.0f}/s, "
            f"sign {results['sign_per_s']:.0f}/s (p50 {results['sign_p50_ms']:.1f} ms, "
            f"p99 {results['sign_p99_ms']:.1f} ms); medians: sign ÷ floor "
            f"{results['sign_vs_floor']:.2f}, sign ÷ insert {results['sign_vs_insert']:.2f}, "
            f"insert ÷ floor {results['insert_vs_floor']:.2f}; lost {faults['lost']}, "
            f"duplicated {faults['duplicated']}"
        )
        cpu = results["cpu_ms_per_request"]
        log(
            "CPU ms per request: "
            + "; ".join(
                f"{kind} " + ", ".join(f"{group} {ms:.3f}" for group, ms in groups.items())
                for kind, groups in cpu.items()
            )
        )
    finally:
        services.close()
    return results


def run(tiny: bool, rows: int | None = None, seconds: float | None = None) -> dict:
    """The whole run. `rows` (the big campaign's size, default 1M) and `seconds` (of each
    round of load, default 8) make a smaller run of the same measures."""
    big = rows or (2_000 if tiny else 1_000_000)
    small = min(big, 200 if tiny else 10_000)
    rounds = 1 if tiny else 3
    seconds = seconds or (1 if tiny else 8)
    import_rows = 3_000 if tiny else min(100_000, big)
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
        data.make_campaign(load.INSERT_SLUG)
        data.make_campaign("bench-fresh")
        data.make_campaign("bench-exact")
        field_campaign = data.make_campaign("bench-field", contact="email_or_phone")
        field_token = data.make_collector(field_campaign)
        data.settle()  # so the stack starts quiet (no backlog)
        log("starting the stack (scripts/serve)")
        services.start_stack()

        log("signing against the /healthz/ floor and the durable insert, alternating")
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

        log("a results period with the big campaign, against the stats, alternating")
        results.update(results_bench.measure_in_process(campaign_big, rounds))
        results.update(
            results_bench.measure_http(
                services, results_bench.organiser_token(campaign_big), rounds, seconds
            )
        )

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
        "--rows", type=int, help="signatures in the big campaign (default 1,000,000)"
    )
    parser.add_argument("--seconds", type=float, help="of each round of load (default 8)")
    parser.add_argument("--rounds", type=int, help="of --sign-only (default 3)")
    parser.add_argument(
        "--sign-only",
        action="store_true",
        help="only signing against the floor, printed, nothing written",
    )
    arguments = parser.parse_args()
    if arguments.sign_only:
        run_sign_only(seconds=arguments.seconds or 5, rounds=arguments.rounds or 3)
        return 0
    started = time.monotonic()
    results = run(arguments.tiny, arguments.rows, arguments.seconds)
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

"""What the run tells: progress on stderr, the targets, the verdict, the table printed at the
end and bench/results.json."""

import json
import sys
from pathlib import Path

TARGETS = {
    "sign_vs_floor": (">=", 0.5),
    "sign_per_s": (">=", 1000),
    "sign_p99_ms": ("<", 100),
    "fresh_p99_ms": ("<=", 1000),
    "lost": ("==", 0),
    "duplicated": ("==", 0),
    "stats_p95_ms_1m": ("<=", 20),
    "tally_1m_vs_10k": ("<=", 2),
    "export_rows_per_s": (">=", 100_000),
    "export_peak_mb": ("<", 150),
    "import_rows_per_s": (">=", 10_000),
    "batch_rows_per_s": (">=", 5_000),
}


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def check(results: dict) -> dict:
    verdict = {}
    for key, (op, target) in TARGETS.items():
        value = results.get(key)
        if value is None:
            continue
        verdict[key] = {
            ">=": value >= target,
            "<=": value <= target,
            "<": value < target,
            "==": value == target,
        }[op]
    if "stored_in_flight" in results:
        verdict["stored_in_flight"] = results["stored_in_flight"] <= results["in_flight_bound"]
    return verdict


def table(results: dict, verdict: dict) -> str:
    rows = [
        ("signing throughput (sign_per_s)", "sign_per_s", "/s"),
        ("/healthz/ on the same server (floor_per_s)", "floor_per_s", "/s"),
        ("durable insert of the row (insert_per_s)", "insert_per_s", "/s"),
        ("signing ÷ floor (sign_vs_floor)", "sign_vs_floor", "×"),
        ("signing ÷ insert (sign_vs_insert)", "sign_vs_insert", "×"),
        ("insert ÷ floor (insert_vs_floor)", "insert_vs_floor", "×"),
        ("signing latency p50 (sign_p50_ms)", "sign_p50_ms", " ms"),
        ("signing latency p99 (sign_p99_ms)", "sign_p99_ms", " ms"),
        ("answered 201 / rows stored", None, ""),
        ("lost / duplicated", None, ""),
        ("count freshness p50 (fresh_p50_ms)", "fresh_p50_ms", " ms"),
        ("count freshness p99 (fresh_p99_ms)", "fresh_p99_ms", " ms"),
        ("stats p95 with the big campaign (stats_p95_ms_1m)", "stats_p95_ms_1m", " ms"),
        ("stats p95 ÷ /healthz/ p95", "stats_vs_healthz_p95", "×"),
        ("results, the whole life, 1M (results_whole_ms_1m)", "results_whole_ms_1m", " ms"),
        ("results, a new part of it, 1M (results_cold_ms_1m)", "results_cold_ms_1m", " ms"),
        ("results, the same part again (results_warm_ms_1m)", "results_warm_ms_1m", " ms"),
        ("stats selector, same run (results_stats_ms_1m)", "results_stats_ms_1m", " ms"),
        ("results p95 over HTTP, 1M (results_p95_ms_1m)", "results_p95_ms_1m", " ms"),
        ("results p95 ÷ stats p95, same run", "results_vs_stats_p95", "×"),
        ("tally after 1,000 new, 10k counted (tally_ms_10k)", "tally_ms_10k", " ms"),
        ("tally after 1,000 new, 1M counted (tally_ms_1m)", "tally_ms_1m", " ms"),
        ("tally 1M ÷ tally 10k", "tally_1m_vs_10k", "×"),
        ("export (export_rows_per_s)", "export_rows_per_s", " rows/s"),
        ("export ÷ COPY TO of the same rows", "export_vs_copy", "×"),
        ("export peak memory (export_peak_mb)", "export_peak_mb", " MB"),
        ("import (import_rows_per_s)", "import_rows_per_s", " rows/s"),
        ("import ÷ COPY of the same rows", "import_vs_copy", "×"),
        ("field batches of 500 (batch_rows_per_s)", "batch_rows_per_s", " rows/s"),
        ("field batches ÷ COPY of the same rows", "batch_vs_copy", "×"),
    ]
    lines = [f"{'measure':<52} {'value':>16}  target"]
    for label, key, unit in rows:
        if key is None:
            value = (
                f"{results['answered_201']:,} / {results['rows_stored']:,}"
                if "201" in label
                else f"{results['lost']} / {results['duplicated']}"
            )
            target = (
                (
                    f"+{results['stored_in_flight']} in flight at stop (max "
                    f"{results['in_flight_bound']})"
                    + ("" if verdict.get("stored_in_flight", True) else " MISSED")
                )
                if "201" in label
                else ("met" if verdict.get("lost") and verdict.get("duplicated") else "MISSED")
            )
        else:
            number = results[key]
            value = f"{number:,.2f}{unit}" if number < 100 else f"{number:,.0f}{unit}"
            spec = TARGETS.get(key) or (
                TARGETS.get("tally_1m_vs_10k") if key == "tally_1m_vs_10k" else None
            )
            target = (
                ""
                if spec is None
                else (f"{spec[0]} {spec[1]:,} " + ("met" if verdict.get(key) else "MISSED"))
            )
        lines.append(f"{label:<52} {value:>16}  {target}")
    lines.append(
        f"\nexactly once: {results['exact_answered_201']:,} of {results['exact_requests']:,} "
        f"requests answered 201 under load; {results['exact_lost']} of them not stored, "
        f"{results['exact_stored_without_201']} rows without a 201, "
        f"{results['exact_duplicated']} duplicated"
    )
    cpu = results["cpu_ms_per_request"]
    lines.append(
        "CPU per request, ms: /healthz/ "
        + ", ".join(f"{group} {ms:.3f}" for group, ms in cpu["floor"].items())
        + f" = {results['cpu_ms_floor']:.3f}; signing "
        + ", ".join(f"{group} {ms:.3f}" for group, ms in cpu["sign"].items())
        + f" = {results['cpu_ms_sign']:.3f}; insert "
        + ", ".join(f"{group} {ms:.3f}" for group, ms in cpu["insert"].items())
        + f" = {results['cpu_ms_insert']:.3f} (budget for sign_vs_floor's target "
        f"{results['cpu_ms_sign_budget']:.3f}; gunicorn above the floor's "
        f"{results['cpu_ms_sign_web_above_floor']:.3f}, above the insert's "
        f"{results['cpu_ms_sign_web_above_insert']:.3f})"
    )
    return "\n".join(lines)


def write(results: dict, output: str) -> None:
    Path(output).write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")

"""`make bench` must keep working: its tiny mode runs the whole pipeline in seconds.
No figure is asserted here (timings belong to the bench, not the tests)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import Resolver404, resolve

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_the_bench_runs_end_to_end_in_tiny_mode(tmp_path):
    output = tmp_path / "results.json"
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--tiny", "--output", str(output)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    results = json.loads(output.read_text())
    for key in (
        "sign_per_s",
        "floor_per_s",
        "sign_vs_floor",
        "insert_per_s",
        "sign_vs_insert",
        "insert_vs_floor",
        "sign_p50_ms",
        "sign_p99_ms",
        "lost",
        "duplicated",
        "fresh_p99_ms",
        "stats_p95_ms_1m",
        "tally_ms_10k",
        "tally_ms_1m",
        "export_rows_per_s",
        "export_peak_mb",
        "import_rows_per_s",
        "batch_rows_per_s",
        "batch_vs_copy",
        "results_cold_ms_1m",
        "results_warm_ms_1m",
        "results_p95_ms_1m",
        "results_vs_stats_p95",
    ):
        assert key in results, key
    assert results["lost"] == 0
    assert results["duplicated"] == 0
    # Rows without a counted 201 can only be answers wrk dropped as it stopped.
    assert 0 <= results["stored_in_flight"] <= results["in_flight_bound"]
    # The exact check: every 201 a client kept is one row, found by its email.
    assert results["exact_answered_201"] > 0
    assert results["exact_lost"] == results["exact_duplicated"] == 0
    assert results["cpu_ms_sign"] > results["cpu_ms_floor"] > 0
    assert results["cpu_ms_insert"] > 0
    # Both baselines side by side, every run.
    assert "(sign_vs_floor)" in result.stdout
    assert "(sign_vs_insert)" in result.stdout


def test_the_insert_baseline_is_not_routed_outside_a_bench_run(settings):
    # The project's URLs (production's) do not have it...
    assert settings.ROOT_URLCONF == "config.urls"
    with pytest.raises(Resolver404):
        resolve("/bench/insert/some-campaign/")


@override_settings(ROOT_URLCONF="bench.urls")
def test_a_bench_run_serves_the_insert_baseline_beside_the_project_urls():
    # ...only the bench's settings (bench/settings.py) name the URL module that does.
    assert resolve("/bench/insert/some-campaign/").url_name == "bench-insert"
    assert resolve("/healthz/").url_name == "healthz"

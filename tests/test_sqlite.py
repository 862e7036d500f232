"""The embedded default (SQLite) answers the inputs that once gave it a 500 with a clear
answer: a 4xx, or for a page past the end, an empty page."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_inputs_that_overflowed_sqlite_are_clear_4xx_answers():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    result = subprocess.run(
        [sys.executable, "-m", "tests.sqlite_probe"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    statuses = answer["statuses"]
    assert statuses, result.stderr[-2000:]
    assert statuses.pop("osdi page 10**20") == 200  # an empty page, as OSDI pages past the end
    failing = {case: status for case, status in statuses.items() if not 400 <= status < 500}
    assert not failing, failing
    # Batches and phone-only signers work on the embedded default as on PostgreSQL.
    assert answer["field"] == {
        "batch": 200,
        "results": ["created", "created", "duplicate", "duplicate", "rejected"],
        "again_same": True,
        "rows": 3,
        "batch_items": 4,
        "public_phone_only": 201,
    }

"""Run in its own process by the bench: the export of one campaign, against a COPY TO of the
same rows (the floor of reading them), alternating. Prints one JSON line.

Its parent gives it the run's environment (`Services.env`), so it sets Django up from that,
through bench/child_environment.py, never through bench/environment.py, which would choose a
database of its own.
"""

import json
import resource
import statistics
import sys
import time

from django.db import connection

# First of the project's imports: it sets Django up, which the models below need.
import bench.child_environment  # noqa: F401
from campaigns.models import Campaign
from signatures.exports import signatures_csv


def main() -> None:
    campaign = Campaign.objects.get(id=int(sys.argv[1]))
    rounds = int(sys.argv[2])
    export_rates, copy_rates = [], []
    rows = 0
    for _ in range(rounds):
        started = time.perf_counter()
        rows = 0
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(
                "COPY (SELECT * FROM signatures_signature WHERE campaign_id = %s ORDER BY id) "
                "TO STDOUT WITH CSV",
                [campaign.id],
            ) as copy,
        ):
            for block in copy:
                rows += bytes(block).count(b"\n")
        copy_rates.append(rows / (time.perf_counter() - started))
        started = time.perf_counter()
        lines = 0
        with open("/dev/null", "wb") as sink:
            for chunk in signatures_csv(campaign=campaign):
                data = chunk if isinstance(chunk, bytes) else chunk.encode()
                lines += data.count(b"\n")
                sink.write(data)
        export_rates.append((lines - 1) / (time.perf_counter() - started))
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "export_rows": lines - 1,
                "export_rows_per_s": statistics.median(export_rates),
                "copy_rows_per_s": statistics.median(copy_rates),
                "export_peak_mb": peak_kb / 1024,
            }
        )
    )


if __name__ == "__main__":
    main()

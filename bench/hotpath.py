"""The signing path's own CPU, in one process, without HTTP: what a change to the path buys,
measured where a shared machine's load moves it least (CPU time, not throughput).

    python -m bench.hotpath [--signatures 3000]

On the bench's private database: `signature_sign` as the API calls it (one validation, the
INSERT, the nudge), and the bare INSERT of the same row (`signature_upsert_one`), each N
times in autocommit, alternating in blocks; then a tally of N new signatures. For each: this
process's CPU per call and the PostgreSQL backend's (from /proc), and rows the tally wrote.
"""

import argparse
import json
import os
import statistics
import time

from django.db import connection
from django.utils import timezone

from bench import data, environment
from bench.report import log
from bench.stack import Services
from signatures import channels, services
from signatures.bulk import signature_upsert_one
from signatures.models import Signature
from signatures.selectors import consent_text_current, signing_campaign
from tallies.services import campaign_tally


def _backend_cpu() -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()  # noqa: SIM115
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _measure(call, count: int) -> tuple[float, float]:
    """CPU µs per call: this process's, PostgreSQL's."""
    backend, started = _backend_cpu(), time.process_time()
    for n in range(count):
        call(n)
    python = time.process_time() - started
    return python / count * 1e6, (_backend_cpu() - backend) / count * 1e6


def _versions(campaign_id: int) -> dict[int, str]:
    """Each row's current version (the transaction that wrote it: an UPDATE makes a new one)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, xmin::text FROM {Signature._meta.db_table} WHERE campaign_id = %s",
            [campaign_id],
        )
        return dict(cursor.fetchall())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signatures", type=int, default=3000)
    parser.add_argument("--blocks", type=int, default=5)
    arguments = parser.parse_args()
    services_ = Services()
    services_.start()
    try:
        data.make_campaign("hot-sign")
        data.make_campaign("hot-insert")
        data.make_campaign("hot-tally")
        sign_campaign = signing_campaign(slug="hot-sign")
        insert_campaign = signing_campaign(slug="hot-insert")
        consent = consent_text_current(language="es", campaign_id=insert_campaign.id)
        size = arguments.signatures // arguments.blocks

        def sign(n: int, prefix: str = "s", campaign=sign_campaign) -> None:
            services.signature_sign(
                campaign=campaign,
                signer={
                    "name": "Bench Signer",
                    "email": f"{prefix}-{n}@example.org",
                    "country": "BO",
                    "consent": True,
                },
                channel=channels.API,
                language="es",
                client_address="127.0.0.1",
            )

        def insert(n: int, prefix: str = "i") -> None:
            now = timezone.now()
            values = {
                "campaign_id": insert_campaign.id,
                "name": "Bench Signer",
                "email": f"{prefix}-{n}@example.org",
                "email_normalised": f"{prefix}-{n}@example.org",
                "country": "BO",
                "language": "es",
                "source": "api",
                "consent_text_id": consent,
                "consented_at": now,
                "created": now,
                "status": "confirmed",
                "confirmed_at": now,
            }
            values["counted"] = services.signature_counted_at_birth(values["status"])
            signature_upsert_one(values)

        sign(0, "warm")
        insert(0, "warm")
        signs, inserts = [], []
        for block in range(arguments.blocks):
            base = block * size + 1
            signs.append(_measure(lambda n, b=base: sign(b + n), size))
            inserts.append(_measure(lambda n, b=base: insert(b + n), size))
        tally_campaign = signing_campaign(slug="hot-tally")
        for n in range(arguments.signatures):
            sign(n, "t", tally_campaign)
        versions = _versions(tally_campaign.id)
        python, backend = _measure(lambda _n: campaign_tally(campaign_id=tally_campaign.id), 1)
        rewritten = sum(
            version != versions[row] for row, version in _versions(tally_campaign.id).items()
        )
        results = {
            "sign_python_us": statistics.median(s[0] for s in signs),
            "sign_postgres_us": statistics.median(s[1] for s in signs),
            "insert_python_us": statistics.median(i[0] for i in inserts),
            "insert_postgres_us": statistics.median(i[1] for i in inserts),
            "tally_python_us_per_signature": python / arguments.signatures,
            "tally_postgres_us_per_signature": backend / arguments.signatures,
            "tally_rows_rewritten_per_signature": rewritten / arguments.signatures,
            "load_average": os.getloadavg(),
        }
        results["sign_python_above_insert_us"] = (
            results["sign_python_us"] - results["insert_python_us"]
        )
    finally:
        connection.close()
        services_.close()
    log(f"database {environment.DB_NAME} dropped")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

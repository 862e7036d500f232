import csv
import io
import tracemalloc

import pytest

from signatures.exports import HEADER, _copy_rows, _python_rows, signatures_csv
from signatures.models import Signature
from signatures.rights import signatures_anonymise
from tests.factories import CollectorFactory, confirmed_rows, sign

pytestmark = pytest.mark.django_db


def read(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_organisers_export_every_signature_with_dates_and_status(api, organiser_a, campaign_a):
    sign(campaign_a, email="a@example.org", postal_code="0201", comment="Por mi madre")
    sign(campaign_a, email="b@example.org")
    api.force_authenticate(organiser_a)
    response = api.get(f"/api/v1/campaigns/{campaign_a.slug}/signatures/export/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = read(response)
    assert rows[0] == HEADER
    assert len(rows) == 3
    first = dict(zip(HEADER, rows[1], strict=True))
    assert (first["email"], first["status"], first["postal_code"], first["consent_version"]) == (
        "a@example.org",
        "confirmed",
        "0201",
        "2",
    )
    assert first["created"].startswith("20")


@pytest.mark.parametrize("dangerous", ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)"])
def test_cells_a_spreadsheet_would_run_are_neutralised(api, organiser_a, campaign_a, dangerous):
    sign(campaign_a, name=f"Ana {dangerous}", comment=dangerous)
    api.force_authenticate(organiser_a)
    row = dict(
        zip(
            HEADER,
            read(api.get(f"/api/v1/campaigns/{campaign_a.slug}/signatures/export/"))[1],
            strict=True,
        )
    )
    assert row["comment"] == "'" + dangerous
    assert row["name"] == f"Ana {dangerous}"  # only a leading formula character is dangerous


def test_only_the_campaigns_organisers_export(api, campaign_a, viewer_a, collector_a, organiser_b):
    url = f"/api/v1/campaigns/{campaign_a.slug}/signatures/export/"
    assert api.get(url).status_code == 401
    for user in (viewer_a, collector_a, organiser_b):
        api.force_authenticate(user)
        assert api.get(url).status_code == 403


def test_100k_rows_are_streamed_without_being_held_in_memory(campaign_a):
    rows = 100_000
    confirmed_rows(campaign_a, rows, name="Persona {n}", email="p{n}@example.org")
    tracemalloc.start()
    lines = 0
    size = 0
    for chunk in signatures_csv(campaign=campaign_a):
        lines += chunk.count(b"\n" if isinstance(chunk, bytes) else "\n")
        size += len(chunk)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert lines == rows + 1
    # The whole file is ~10 MB; what the export holds at once is a few chunks of it.
    assert size > 8_000_000
    assert peak < size / 4, f"peak {peak} bytes for a {size}-byte export"


def test_the_database_and_the_python_exports_write_the_same_file(campaign_a, org_a):
    """PostgreSQL formats the export itself; the embedded default's Python loop must agree."""
    CollectorFactory(organisation=org_a, code="rosa")
    sign(
        campaign_a,
        email="a@example.org",
        name="=cmd|' /C calc'!A0",
        comment="-2+3",
        collector="rosa",
        postal_code="0201",
    )
    sign(
        campaign_a,
        email="b@example.org",
        name='María Ñuñez, "la Chola"',
        comment="línea uno\nlínea dos",
    )

    signatures_anonymise(Signature.objects.filter(email="b@example.org"))
    by_database = b"".join(_copy_rows(campaign_a, None)).decode()
    by_python = "".join(_python_rows(campaign_a, None))
    assert by_database == by_python
    assert "'=cmd" in by_database

"""A campaign's signatures as CSV, streamed: constant memory however many rows there are.

On PostgreSQL the rows come straight out of `COPY ... TO STDOUT`, formatted and made safe
for spreadsheets by the database (a million rows in seconds); elsewhere (the embedded SQLite
default) a Python loop over a server-side cursor writes the same columns the same way.
"""

import csv
from collections.abc import Iterator

from django.db import connection
from django.http import StreamingHttpResponse

from campaigns.models import Campaign
from signatures.models import Collector, ConsentText, Signature

HEADER = [
    "id", "created", "status", "confirmed_at", "name", "email", "country", "region",
    "postal_code", "comment", "language", "source", "collector", "consent_version",
    "consented_at", "erased_at",
]  # fmt: skip
# A cell starting with one of these is run as a formula by spreadsheets (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CHUNK_ROWS = 2000


def neutralise(value: str) -> str:
    return "'" + value if value and value.startswith(FORMULA_START) else value


def signatures_csv(*, campaign: Campaign) -> Iterator[str | bytes]:
    """Yield the CSV (a header line, then every signature by id) in chunks."""
    yield ",".join(HEADER) + "\n"
    if connection.vendor == "postgresql":
        yield from _copy_rows(campaign)
    else:
        yield from _python_rows(campaign)


def signatures_csv_response(campaign: Campaign) -> StreamingHttpResponse:
    """The CSV as a download, kept out of shared caches."""
    response = StreamingHttpResponse(
        signatures_csv(campaign=campaign), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{campaign.slug}-signatures.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


def _moment(column: str) -> str:
    return f"to_char(s.{column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"')"


def _safe(column: str) -> str:
    """The column, with a leading formula character neutralised by a quote; NULLIF because
    COPY writes an empty string as "" (to tell it from NULL) and the file should not."""
    starts = ", ".join(
        f"'{c}'" if c not in "\t\r" else ("E'\\t'" if c == "\t" else "E'\\r'")
        for c in FORMULA_START
    )
    quote = "''''"
    return (
        f"NULLIF(CASE WHEN left(s.{column}, 1) IN ({starts}) THEN {quote} || s.{column} "
        f"ELSE s.{column} END, '')"
    )


# Only constant column names are formatted in; the campaign is a parameter.
_COPY_SQL = (
    "COPY (SELECT s.id, "
    + _moment("created")
    + ", s.status, "
    + _moment("confirmed_at")
    + ", "
    + ", ".join(_safe(c) for c in ("name", "email"))
    + ", s.country, "
    + ", ".join(_safe(c) for c in ("region", "postal_code", "comment"))
    + ", s.language, s.source, c.code, t.version, "
    + _moment("consented_at")
    + ", "
    + _moment("erased_at")
    + " FROM signatures_signature s"
    " LEFT JOIN signatures_collector c ON c.id = s.collector_id"
    " LEFT JOIN signatures_consenttext t ON t.id = s.consent_text_id"
    " WHERE s.campaign_id = %s ORDER BY s.id) TO STDOUT WITH (FORMAT csv)"
)


def _copy_rows(campaign: Campaign) -> Iterator[bytes]:
    connection.ensure_connection()
    with (
        connection.wrap_database_errors,
        connection.connection.cursor() as cursor,
        cursor.copy(_COPY_SQL, [campaign.id]) as copy,
    ):
        for block in copy:
            yield bytes(block)


def _iso(moment) -> str:
    return moment.isoformat(timespec="microseconds") if moment else ""


class _Buffer:
    def __init__(self):
        self.parts = []

    def write(self, text: str) -> None:
        self.parts.append(text)

    def take(self) -> str:
        text = "".join(self.parts)
        self.parts = []
        return text


def _python_rows(campaign: Campaign) -> Iterator[str]:
    collectors = dict(
        Collector.objects.filter(organisation_id=campaign.organisation_id).values_list("id", "code")
    )
    versions = dict(ConsentText.objects.values_list("id", "version"))
    buffer = _Buffer()
    writer = csv.writer(buffer, lineterminator="\n")
    rows = (
        Signature.objects.filter(campaign_id=campaign.id)
        .order_by("id")
        .values_list(
            "id",
            "created",
            "status",
            "confirmed_at",
            "name",
            "email",
            "country",
            "region",
            "postal_code",
            "comment",
            "language",
            "source",
            "collector_id",
            "consent_text_id",
            "consented_at",
            "erased_at",
        )
        .iterator(chunk_size=CHUNK_ROWS)
    )
    for written, row in enumerate(rows, start=1):
        (
            id_,
            created,
            status,
            confirmed_at,
            name,
            email,
            country,
            region,
            postal_code,
            comment,
            language,
            source,
            collector_id,
            consent_id,
            consented_at,
            erased_at,
        ) = row
        writer.writerow((
            id_, _iso(created), status, _iso(confirmed_at), neutralise(name), neutralise(email),
            country, neutralise(region), neutralise(postal_code), neutralise(comment), language,
            source, collectors.get(collector_id, ""), versions.get(consent_id, ""),
            _iso(consented_at), _iso(erased_at),
        ))  # fmt: skip
        if written % CHUNK_ROWS == 0:
            yield buffer.take()
    tail = buffer.take()
    if tail:
        yield tail

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
from signatures.models import Signature

# The file's columns, in order: (header, what fills it). The COPY statement and the Python
# writer are both made from this one list, so the two can never disagree.
COLUMNS = [
    ("id", "id"),
    ("created", "created"),
    ("status", "status"),
    ("confirmed_at", "confirmed_at"),
    ("name", "name"),
    ("email", "email"),
    ("country", "country"),
    ("region", "region"),
    ("postal_code", "postal_code"),
    ("comment", "comment"),
    ("language", "language"),
    ("source", "source"),
    ("collector", "collector__code"),
    ("consent_version", "consent_text__version"),
    ("consented_at", "consented_at"),
    ("erased_at", "erased_at"),
]
HEADER = [header for header, _source in COLUMNS]
# Free text typed by signers (or imported): made safe for spreadsheets.
TYPED = {"name", "email", "region", "postal_code", "comment"}
_MOMENTS = {
    field.name
    for field in Signature._meta.concrete_fields
    if field.get_internal_type() == "DateTimeField"
}
# Related columns come from a join, each under its own alias.
_JOINS = {
    "collector": ("c", "signatures_collector", "collector_id"),
    "consent_text": ("t", "signatures_consenttext", "consent_text_id"),
}
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


def _sql(source: str) -> str:
    """The SQL that fills one column of the file, from its source in COLUMNS."""
    if "__" in source:
        relation, column = source.split("__")
        return f"{_JOINS[relation][0]}.{column}"
    if source in _MOMENTS:
        return _moment(source)
    if source in TYPED:
        return _safe(source)
    return f"s.{source}"


# Only names from COLUMNS and _JOINS are formatted in; the campaign is a parameter.
_COPY_SQL = (
    "COPY (SELECT "
    + ", ".join(_sql(source) for _header, source in COLUMNS)
    + " FROM signatures_signature s"
    + "".join(
        f" LEFT JOIN {table} {alias} ON {alias}.id = s.{key}"
        for alias, table, key in _JOINS.values()
    )
    + " WHERE s.campaign_id = %s ORDER BY s.id) TO STDOUT WITH (FORMAT csv)"
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


def _python_cell(source: str, value) -> str:
    if source in _MOMENTS:
        return _iso(value)
    if value is None:
        return ""
    if source in TYPED:
        return neutralise(value)
    return value


def _python_rows(campaign: Campaign) -> Iterator[str]:
    buffer = _Buffer()
    writer = csv.writer(buffer, lineterminator="\n")
    sources = [source for _header, source in COLUMNS]
    rows = (
        Signature.objects.filter(campaign_id=campaign.id)
        .order_by("id")
        .values_list(*sources)
        .iterator(chunk_size=CHUNK_ROWS)
    )
    for written, row in enumerate(rows, start=1):
        writer.writerow(
            [_python_cell(source, value) for source, value in zip(sources, row, strict=True)]
        )
        if written % CHUNK_ROWS == 0:
            yield buffer.take()
    tail = buffer.take()
    if tail:
        yield tail

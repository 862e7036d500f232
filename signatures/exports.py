"""A campaign's signatures as CSV, streamed (constant memory however many rows there are),
or as an Excel workbook (.xlsx) written row by row.

On PostgreSQL the CSV rows come straight out of `COPY ... TO STDOUT`, formatted and made safe
for spreadsheets by the database (a million rows in seconds); elsewhere (the embedded SQLite
default) a Python loop over a server-side cursor writes the same columns the same way. That
Python loop (`signatures_rows`) is also what fills the workbook, so the CSV and the workbook
have one source of rows.

The table writers (`table_csv`, `table_xlsx`) know nothing of signatures: they write any
`Table` the caller hands them (a results report too), with every text cell neutralised.
"""

import csv
from collections.abc import Iterable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO

from django.db import connection
from django.http import HttpResponse, StreamingHttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE

from campaigns.models import Campaign
from core.errors import DomainError
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
    ("phone", "phone"),
    ("country", "country"),
    ("region", "region"),
    ("postal_code", "postal_code"),
    ("comment", "comment"),
    ("language", "language"),
    ("source", "source"),
    ("collector", "collector__code"),
    ("partner", "partner__slug"),
    ("consent_version", "consent_text__version"),
    ("consented_at", "consented_at"),
    ("erased_at", "erased_at"),
]
HEADER = [header for header, _source in COLUMNS]
# Free text typed by signers, imported, or chosen by organisers (a collector's code is a slug,
# which may start with "-"): made safe for spreadsheets. The other text columns are choices
# (status, source, language, country code) and never start with a formula character, or a
# phone in E.164, a "+" and digits only, which no spreadsheet runs as anything but a number.
TYPED = {"name", "email", "region", "postal_code", "comment", "collector__code", "partner__slug"}
_MOMENTS = {
    field.name
    for field in Signature._meta.concrete_fields
    if field.get_internal_type() == "DateTimeField"
}
# Excel has no time zones: the workbook holds moments as UTC wall-clock times, and says so.
SHEET_HEADER = [f"{header} (UTC)" if source in _MOMENTS else header for header, source in COLUMNS]
SHEET_TITLE = "Signatures"
# Related columns come from a join, each under its own alias.
_JOINS = {
    "collector": ("c", "signatures_collector", "collector_id"),
    "consent_text": ("t", "signatures_consenttext", "consent_text_id"),
    "partner": ("p", "campaigns_organisation", "partner_id"),
}
# A cell starting with one of these is run as a formula by spreadsheets (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CHUNK_ROWS = 2000
# The files are UTF-8 with a byte order mark first: without it Excel reads a CSV as the
# machine's legacy code page (Windows-1252) and "María" arrives as "MarÃ­a". Python's
# "utf-8-sig" codec, LibreOffice and Google Sheets all read the mark and drop it.
BOM = "\ufeff"
CSV_MEDIA_TYPE = "text/csv"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A workbook holds at most 1,048,576 rows (Excel's own limit, header included), but it is built
# in the request at about 8,000 rows a second on a small server, and a request has 30 seconds:
# past 200,000 rows the answer says so and points to the CSV, which Excel opens as well. A
# larger export is refused before any of it is written (count first).
XLSX_MAX_ROWS = 200_000


class TooManyRows(DomainError):
    """More rows than a spreadsheet holds: the CSV is the way to get them."""

    status = 422
    code = "too_many_rows"

    def __init__(self, *, rows: int, limit: int):
        super().__init__(
            f"{rows:,} rows and a header do not fit in a spreadsheet, which holds at most "
            f"{limit:,} rows. Download the CSV instead."
        )
        self.rows = rows
        self.limit = limit


@dataclass(frozen=True)
class Table:
    """What the writers write: a header, then rows (any iterable, consumed once, so a
    server-side cursor keeps memory flat). Cells are Python values: str, int, float,
    Decimal, date, datetime (aware ones are written in UTC) or None (an empty cell)."""

    header: Sequence[str]
    rows: Iterable[Sequence]
    title: str = "Sheet1"  # the workbook's sheet: at most 31 characters, none of []:*?/\


def neutralise(value: str) -> str:
    return "'" + value if value and value.startswith(FORMULA_START) else value


def attachment_headers(filename: str) -> dict[str, str]:
    """A download's headers: a file to save, never kept by a shared cache."""
    return {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "private, no-store",
    }


def signatures_csv(*, campaign: Campaign, partner_id: int | None = None) -> Iterator[str | bytes]:
    """Yield the CSV (the byte order mark and a header line, then every signature by id)
    in chunks. `partner_id`: only those that came through that coalition partner."""
    yield BOM + _csv_line(HEADER)
    if connection.vendor == "postgresql":
        yield from _copy_rows(campaign, partner_id)
    else:
        yield from _python_rows(campaign, partner_id)


def signatures_csv_response(
    campaign: Campaign, *, partner_id: int | None = None
) -> StreamingHttpResponse:
    """The CSV as a download, kept out of shared caches."""
    response = StreamingHttpResponse(
        signatures_csv(campaign=campaign, partner_id=partner_id),
        content_type=f"{CSV_MEDIA_TYPE}; charset=utf-8",
    )
    for header, value in attachment_headers(f"{campaign.slug}-signatures.csv").items():
        response[header] = value
    return response


def _of(campaign: Campaign, partner_id: int | None):
    rows = Signature.objects.filter(campaign_id=campaign.id)
    return rows if partner_id is None else rows.filter(partner_id=partner_id)


def signatures_rows(*, campaign: Campaign, partner_id: int | None = None) -> Iterator[tuple]:
    """Every signature of the campaign by id, one tuple of Python values per row in the
    order of COLUMNS, read through a server-side cursor. The writers format and neutralise
    them (the COPY statement does the same in SQL)."""
    return (
        _of(campaign, partner_id)
        .order_by("id")
        .values_list(*(source for _header, source in COLUMNS))
        .iterator(chunk_size=CHUNK_ROWS)
    )


def signatures_sheet(*, campaign: Campaign, partner_id: int | None = None) -> Table:
    """The campaign's signatures as a table for a workbook, or TooManyRows (counted first,
    so a refusal costs one COUNT and no workbook)."""
    rows = _of(campaign, partner_id).count()
    if rows + 1 > XLSX_MAX_ROWS:
        raise TooManyRows(rows=rows, limit=XLSX_MAX_ROWS)
    return Table(
        header=SHEET_HEADER,
        rows=signatures_rows(campaign=campaign, partner_id=partner_id),
        title=SHEET_TITLE,
    )


def signatures_xlsx_response(campaign: Campaign, *, partner_id: int | None = None) -> HttpResponse:
    """The workbook as a download, kept out of shared caches (or TooManyRows)."""
    return HttpResponse(
        table_xlsx(signatures_sheet(campaign=campaign, partner_id=partner_id)),
        content_type=XLSX_MEDIA_TYPE,
        headers=attachment_headers(f"{campaign.slug}-signatures.xlsx"),
    )


# --- The writers ---------------------------------------------------------------------------


def table_csv(table: Table) -> Iterator[str]:
    """The table as CSV text in chunks: the byte order mark and the header, then the rows."""
    yield BOM + _csv_line(table.header)
    yield from _csv_chunks(table.rows)


def table_xlsx(table: Table) -> bytes:
    """The table as an .xlsx workbook of one sheet. openpyxl's write-only mode streams the
    rows to a temporary file as they come (strings inline, no shared-strings table in
    memory); only the finished, compressed file is held. Text is always stored as text,
    never as a formula or an error value, and neutralised as in the CSV."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=table.title)
    try:
        sheet.append(list(table.header))
        for written, row in enumerate(table.rows, start=2):
            if written > XLSX_MAX_ROWS:
                # Rows arrived after the caller counted them: refuse rather than write a
                # file Excel cannot open.
                raise TooManyRows(rows=written - 1, limit=XLSX_MAX_ROWS)
            sheet.append([xlsx_cell(sheet, value) for value in row])
    except BaseException:
        _discard(sheet)
        raise
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _moment(column: str) -> str:
    return f"to_char(s.{column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"')"


def _safe(expression: str) -> str:
    """The column, with a leading formula character neutralised by a quote; NULLIF because
    COPY writes an empty string as "" (to tell it from NULL) and the file should not."""
    starts = ", ".join(
        f"'{c}'" if c not in "\t\r" else ("E'\\t'" if c == "\t" else "E'\\r'")
        for c in FORMULA_START
    )
    quote = "''''"
    return (
        f"NULLIF(CASE WHEN left({expression}, 1) IN ({starts}) THEN {quote} || {expression} "
        f"ELSE {expression} END, '')"
    )


def _sql(source: str) -> str:
    """The SQL that fills one column of the file, from its source in COLUMNS."""
    if source in _MOMENTS:
        return _moment(source)
    if "__" in source:
        relation, column = source.split("__")
        expression = f"{_JOINS[relation][0]}.{column}"
    else:
        expression = f"s.{source}"
    return _safe(expression) if source in TYPED else expression


# Only names from COLUMNS and _JOINS are formatted in; the campaign is a parameter.
_COPY_SQL = (
    "COPY (SELECT "
    + ", ".join(_sql(source) for _header, source in COLUMNS)
    + " FROM signatures_signature s"
    + "".join(
        f" LEFT JOIN {table} {alias} ON {alias}.id = s.{key}"
        for alias, table, key in _JOINS.values()
    )
    + " WHERE s.campaign_id = %s AND (%s::bigint IS NULL OR s.partner_id = %s)"
    + " ORDER BY s.id) TO STDOUT WITH (FORMAT csv)"
)


def _copy_rows(campaign: Campaign, partner_id: int | None) -> Iterator[bytes]:
    connection.ensure_connection()
    with (
        connection.wrap_database_errors,
        connection.connection.cursor() as cursor,
        cursor.copy(_COPY_SQL, [campaign.id, partner_id, partner_id]) as copy,
    ):
        for block in copy:
            yield bytes(block)


def _iso(moment: datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.isoformat(timespec="microseconds")


class _Buffer:
    def __init__(self):
        self.parts = []

    def write(self, text: str) -> None:
        self.parts.append(text)

    def take(self) -> str:
        text = "".join(self.parts)
        self.parts = []
        return text


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, datetime):
        return _iso(value)
    return value


def _csv_line(cells: Sequence) -> str:
    buffer = _Buffer()
    csv.writer(buffer, lineterminator="\n").writerow(cells)
    return buffer.take()


def _csv_chunks(rows: Iterable[Sequence]) -> Iterator[str]:
    buffer = _Buffer()
    writer = csv.writer(buffer, lineterminator="\n")
    for written, row in enumerate(rows, start=1):
        writer.writerow([_csv_cell(value) for value in row])
        if written % CHUNK_ROWS == 0:
            yield buffer.take()
    tail = buffer.take()
    if tail:
        yield tail


def _python_rows(campaign: Campaign, partner_id: int | None) -> Iterator[str]:
    return _csv_chunks(signatures_rows(campaign=campaign, partner_id=partner_id))


def _discard(sheet) -> None:
    """openpyxl deletes a sheet's temporary file when the workbook is saved; one given up
    half-way (a refusal, a lost database) would keep it on disk until the process exits."""
    with suppress(Exception):
        sheet.close()
        sheet._writer.cleanup()  # openpyxl has no public way to drop an unsaved sheet


def xlsx_cell(sheet, value):
    """A value as a workbook's cell: text made safe (formulas, control characters, error
    codes kept as text), moments in UTC wall-clock time."""
    if isinstance(value, str):
        # XML cannot hold most control characters (signing refuses them; a report may not).
        text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", neutralise(value))
        if text in ERROR_CODES:
            # openpyxl would store "#N/A" as an error value; set the type by hand.
            cell = WriteOnlyCell(sheet, text)
            cell.data_type = "s"
            return cell
        return text
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value

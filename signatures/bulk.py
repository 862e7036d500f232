"""Inserting many signatures at once: paper imports, demo history, benchmark data.

On PostgreSQL the rows are COPYed into a temporary table and moved with one
`INSERT ... SELECT ... ON CONFLICT DO NOTHING`, so a person who signed in the meantime on the
public page is counted as a duplicate rather than failing the whole batch. Elsewhere (the
embedded SQLite default) it is an `executemany` of the same INSERT.
"""

from collections.abc import Iterable, Mapping

import psycopg
from django.db import connection, transaction

from signatures.models import Signature

# Every column but the id, from the model itself: a field added to Signature is written here
# with no list to keep in step (tests/signatures/test_bulk.py says so).
_FIELDS = [field for field in Signature._meta.concrete_fields if not field.primary_key]
COLUMNS = [field.column for field in _FIELDS]
# A value every row must name: a field with no default that may not be empty.
REQUIRED = frozenset(
    field.attname
    for field in _FIELDS
    if not field.has_default() and not field.null and not field.blank
)
# What a row gets for a column it does not name: the model's own default (or empty).
_CALLABLE_DEFAULTS = {
    field.attname: field.default
    for field in _FIELDS
    if field.has_default() and callable(field.default)
}
DEFAULTS = {
    field.attname: getattr(default := field.get_default(), "value", default)  # plain, not enums
    for field in _FIELDS
    if field.attname not in REQUIRED and field.attname not in _CALLABLE_DEFAULTS
}
_DATETIMES = {field.column for field in _FIELDS if field.get_internal_type() == "DateTimeField"}


def _row(values: Mapping) -> tuple:
    merged = {**DEFAULTS, **values}
    for name, default in _CALLABLE_DEFAULTS.items():
        if name not in merged:
            merged[name] = default()
    return tuple(merged[field.attname] for field in _FIELDS)


def _sql_names() -> tuple[str, str]:
    quote = connection.ops.quote_name
    return quote(Signature._meta.db_table), ", ".join(quote(c) for c in COLUMNS)


_CONFLICT = "ON CONFLICT (campaign_id, email_normalised) DO NOTHING"


def _adapted(row: tuple) -> list:
    """SQLite stores datetimes as text: adapt them as Django's ORM would."""
    adapt = connection.ops.adapt_datetimefield_value
    return [
        adapt(value) if column in _DATETIMES else value
        for column, value in zip(COLUMNS, row, strict=True)
    ]


def signature_insert_one(values: Mapping) -> int | None:
    """INSERT ... ON CONFLICT (campaign, email_normalised) DO NOTHING RETURNING id.

    One statement, atomic against a concurrent signer with the same email: the database's
    unique constraint decides, and the loser gets no row (None) instead of an error.
    """
    row = _row(values)
    table, columns = _sql_names()
    placeholders = ", ".join(["%s"] * len(COLUMNS))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) {_CONFLICT} RETURNING id"  # noqa: S608
    if connection.vendor == "postgresql":
        # On the hot path, a statement prepared once per connection, its parameters bound on
        # the server: Django's cursor would quote every value in Python on every signature.
        connection.ensure_connection()
        with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(sql, row, prepare=True)
            inserted = cursor.fetchone()
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, _adapted(row))
            inserted = cursor.fetchone()
    return inserted[0] if inserted else None


def signatures_insert(rows: Iterable[Mapping]) -> int:
    """Insert rows (dicts of column values); a row whose (campaign, normalised email) exists
    is skipped. Returns how many were inserted. Run it inside a transaction to make a batch
    all-or-nothing."""
    rows = [_row(values) for values in rows]
    if not rows:
        return 0
    table, columns = _sql_names()
    conflict = _CONFLICT
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMPORARY TABLE IF NOT EXISTS voces_signature_batch AS "  # noqa: S608
                f"SELECT {columns} FROM {table} WITH NO DATA"
            )
            cursor.execute("TRUNCATE voces_signature_batch")
            raw = cursor.cursor  # the psycopg cursor: COPY is not in the DB-API
            with raw.copy(f"COPY voces_signature_batch ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(
                f"INSERT INTO {table} ({columns}) "  # noqa: S608 - identifiers from the model
                f"SELECT {columns} FROM voces_signature_batch {conflict}"
            )
            inserted = cursor.rowcount
            cursor.execute("TRUNCATE voces_signature_batch")
        return inserted
    prepared = [_adapted(row) for row in rows]
    placeholders = ", ".join(["%s"] * len(COLUMNS))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) {conflict}",  # noqa: S608
            prepared,
        )
        return cursor.rowcount

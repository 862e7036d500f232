"""Inserting many signatures at once: paper imports, demo history, benchmark data.

On PostgreSQL the rows are COPYed into a temporary table and moved with one
`INSERT ... SELECT ... ON CONFLICT DO NOTHING`, so a person who signed in the meantime on the
public page is counted as a duplicate rather than failing the whole batch. Elsewhere (the
embedded SQLite default) it is an `executemany` of the same INSERT.
"""

import contextlib
import functools
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

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


def _merged(values: Mapping) -> dict:
    """Every column's value: the row's own, else the model's default."""
    merged = {**DEFAULTS, **values}
    for name, default in _CALLABLE_DEFAULTS.items():
        if name not in merged:
            merged[name] = default()
    if not merged.keys() >= REQUIRED:
        raise KeyError(", ".join(sorted(REQUIRED - merged.keys())))
    return merged


def _row(values: Mapping) -> tuple:
    merged = _merged(values)
    return tuple(merged[field.attname] for field in _FIELDS)


def _sql_names() -> tuple[str, str]:
    quote = connection.ops.quote_name
    return quote(Signature._meta.db_table), ", ".join(quote(c) for c in COLUMNS)


# The arbiters of "one person, one signature": the partial unique index on (campaign,
# email_normalised) over the rows that are not marked duplicates, and for rows without an
# email the one on (campaign, phone). An INSERT names the one its row falls under (with its
# predicate, as PostgreSQL requires of a partial index).
_NOT_DUPLICATE = "NOT (rejected_reason = 'duplicate')"
_BY_EMAIL = f"ON CONFLICT (campaign_id, email_normalised) WHERE {_NOT_DUPLICATE}"
_BY_PHONE = (
    "ON CONFLICT (campaign_id, phone) "
    f"WHERE email_normalised IS NULL AND phone IS NOT NULL AND {_NOT_DUPLICATE}"
)
# Many rows at once: whichever index a row meets, it is skipped.
_CONFLICT = "ON CONFLICT DO NOTHING"
# A signature the form itself rejected (a honeypot filled by a bot that used this address, say)
# gives way to a clean one from the same person: the row takes the new values but keeps
# `counted`, so the tally sees a rejected row become pending or confirmed.
_AUTOMATIC = ", ".join(f"'{reason}'" for reason in Signature.RejectedReason.automatic())
_RESCUE = (
    f"{{table}}.status = 'rejected' AND {{table}}.rejected_reason IN ({_AUTOMATIC}) "
    "AND EXCLUDED.status <> 'rejected'"
)
_KEPT_ON_RESCUE = {"campaign_id", "email_normalised", "phone", "counted"}


def _adapted(row: tuple) -> list:
    """SQLite stores datetimes as text: adapt them as Django's ORM would."""
    adapt = connection.ops.adapt_datetimefield_value
    return [
        adapt(value) if column in _DATETIMES else value
        for column, value in zip(COLUMNS, row, strict=True)
    ]


def _rescue_or_keep(by_phone: bool) -> str:
    """PostgreSQL's ON CONFLICT clause of the upsert: the rescue's condition said once (on
    the whole row) rather than once per column, short enough for psycopg to keep its parsed
    form, where the long one (7 kB) was parsed again on every signature (issue 19's profile:
    a tenth of the web workers' Python samples). Columns kept on rescue are not assigned."""
    quote = connection.ops.quote_name
    kept = [quote(column) for column in COLUMNS if column not in _KEPT_ON_RESCUE]
    return (
        f"{_BY_PHONE if by_phone else _BY_EMAIL} DO UPDATE SET ({', '.join(kept)}) = "  # noqa: S608
        f"(SELECT {', '.join(f'(r).{column}' for column in kept)} FROM (SELECT CASE "
        f"WHEN {_RESCUE.format(table='s')} THEN EXCLUDED ELSE s END AS r) AS chosen)"
    )


@functools.cache
def _upsert_sql(by_phone: bool) -> str:
    table, columns = _sql_names()
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        placeholders = ", ".join(["%s"] * len(COLUMNS))
        return (
            f"INSERT INTO {table} AS s ({columns}) VALUES ({placeholders}) "  # noqa: S608
            f"{_rescue_or_keep(by_phone)} RETURNING id, created"
        )
    rescue = _RESCUE.format(table=table)
    assignments = ", ".join(
        f"{quote(column)} = CASE WHEN {rescue} THEN EXCLUDED.{quote(column)} "
        f"ELSE {table}.{quote(column)} END"
        for column in COLUMNS
        if column not in _KEPT_ON_RESCUE
    )
    placeholders = ", ".join(["%s"] * len(COLUMNS))
    return (
        f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) "  # noqa: S608 - model names
        f"{_BY_PHONE if by_phone else _BY_EMAIL} DO UPDATE SET {assignments} "
        "RETURNING id, created"
    )


@functools.cache
def _rescue_sql(by_phone: bool) -> str:
    """Replace this person's automatic rejection with these values; no row comes back when
    there is none to replace."""
    table, columns = _sql_names()
    quote = connection.ops.quote_name
    assignments = ", ".join(
        f"{quote(column)} = EXCLUDED.{quote(column)}"
        for column in COLUMNS
        if column not in _KEPT_ON_RESCUE
    )
    placeholders = ", ".join(["%s"] * len(COLUMNS))
    return (
        f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) "  # noqa: S608 - model names
        f"{_BY_PHONE if by_phone else _BY_EMAIL} DO UPDATE SET {assignments} "
        f"WHERE {_RESCUE.format(table=table)} RETURNING id"
    )


def signature_upsert_one(values: Mapping) -> tuple[int, bool]:
    """Store one signature, or meet the one this person already gave: `(id, stored)`.

    One statement, atomic against a concurrent signer with the same email (the database's
    unique index decides), and the same one statement whether the person is new or signed
    before, so the two cannot be told apart by the work a request does. `stored` is True when
    these values are now the row's: a new signature, or one that replaced an automatic
    rejection; False when the person had signed already (that row is left as it was). A row
    without an email meets an earlier one by its phone, among the rows without an email.
    """
    row = _row(values)
    sql = _upsert_sql(values.get("email_normalised") is None)
    if connection.vendor == "postgresql":
        # On the hot path, a statement prepared once per connection, its parameters bound on
        # the server: Django's cursor would quote every value in Python on every signature.
        connection.ensure_connection()
        with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(sql, row, prepare=True)
            signature_id, created = cursor.fetchone()
        return signature_id, created == row[COLUMNS.index("created")]
    with connection.cursor() as cursor:
        cursor.execute(sql, _adapted(row))
        signature_id, created = cursor.fetchone()
    # SQLite gives the moment back as a naive UTC datetime (or its text).
    if isinstance(created, str):
        created = datetime.fromisoformat(created)
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return signature_id, created == row[COLUMNS.index("created")]


@functools.cache
def _upsert_many_sql(by_phone: bool) -> str:
    """Many rows, given as one JSON array of them (one parameter however many rows: with
    Python's C encoder, about half the Python that psycopg takes to adapt one array per
    column, and PostgreSQL reads it faster too): each new person's row is inserted; a person
    who had signed meets their row, which is left as it was (a no-op update, so that it is
    locked and returned) and comes back with its own moment, status and reason. The rows go
    in by person (campaign, then email or phone), so two processes storing the same people
    take their index locks in one order.

    Choosing row by row between the new values and the stored ones (as `_upsert_sql` does)
    cost PostgreSQL about 0.5 ms of CPU per statement to set up, more than the rows of a
    typical batch (README, Performance): the rare rescue of an automatic rejection is
    `_rescue_sql`'s, for that row alone."""
    table, columns = _sql_names()
    key = "phone" if by_phone else "email_normalised"
    return (
        f"INSERT INTO {table} AS s ({columns}) "  # noqa: S608 - identifiers from the model
        f"SELECT {columns} FROM json_populate_recordset(NULL::{table}, %s::json) "
        f"ORDER BY campaign_id, {key} {_BY_PHONE if by_phone else _BY_EMAIL} "
        "DO UPDATE SET counted = s.counted "
        f"RETURNING id, created, status, rejected_reason, campaign_id, {key}"
    )


def _json_rows(rows: Iterable[Mapping]) -> str:
    """Rows (every column named) as the JSON array `json_populate_recordset` reads."""
    return json.dumps(list(rows), default=_json_value)


def _json_value(value):
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} in a signature's row")


def signatures_upsert_many(rows: Sequence[Mapping]) -> list[tuple[int, bool]]:
    """`signature_upsert_one` for many people's signatures at once (group commit): in the
    order given, each row's `(id, stored)`, as that function would answer it alone — the
    same one statement for a new person and a repeat, the rescue of an automatic rejection,
    a row without an email met by its phone. Committed together, in one transaction.

    A person may come twice (a double click landing in one batch): the second time goes in a
    statement after the first, in the same transaction, and meets the first as a repeat. On
    PostgreSQL one statement stores all the others, however many (elsewhere, one by one); a
    row that rescues an automatic rejection takes one more, of its own."""
    if connection.vendor != "postgresql":
        with transaction.atomic():
            return [signature_upsert_one(values) for values in rows]
    merged = [_merged(values) for values in rows]
    # Statement n holds each person's n-th row (an upsert may not meet its own row twice),
    # those with an email apart from those without (each meets its own unique index).
    statements: dict[tuple[int, bool], list[int]] = {}
    seen: Counter = Counter()
    for index, values in enumerate(merged):
        person = (values["campaign_id"], *_identity(values))
        statements.setdefault((seen[person], person[1] == "p"), []).append(index)
        seen[person] += 1
    results: list[tuple[int, bool]] = [(0, False)] * len(rows)
    connection.ensure_connection()
    with (
        transaction.atomic() if len(statements) > 1 else contextlib.nullcontext(),
        connection.wrap_database_errors,
        psycopg.Cursor(connection.connection) as cursor,
    ):
        for (_, by_phone), indexes in sorted(statements.items()):
            batch = _json_rows(merged[i] for i in indexes)
            cursor.execute(_upsert_many_sql(by_phone), [batch], prepare=True)
            key = "phone" if by_phone else "email_normalised"
            met = {(campaign, person): row for *row, campaign, person in cursor}
            for index in indexes:
                values = merged[index]
                signature_id, created, status, reason = met[(values["campaign_id"], values[key])]
                stored = created == values["created"]  # its own moment: this row, new
                if not stored and _rescues(values, status, reason):
                    cursor.execute(_rescue_sql(by_phone), _row(values), prepare=True)
                    stored = cursor.fetchone() is not None
                results[index] = (signature_id, stored)
    return results


def _rescues(values: Mapping, status: str, reason: str) -> bool:
    """Whether these values replace the stored row: a form's automatic rejection of the
    person, given way to a signature that is not rejected (`_RESCUE`, in Python)."""
    return (
        status == Signature.Status.REJECTED
        and reason in Signature.RejectedReason.automatic()
        and values["status"] != Signature.Status.REJECTED
    )


def signatures_insert(rows: Iterable[Mapping]) -> int:
    """Insert rows (dicts of column values); a row whose person (by email, or by phone for a
    row without one) has signed the campaign is skipped. Returns how many were inserted. Run
    it inside a transaction to make a batch all-or-nothing."""
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


def _identity(row: Mapping) -> tuple[str, str]:
    if row.get("email_normalised") is not None:
        return ("e", row["email_normalised"])
    return ("p", row["phone"])


def _execute(sql: str, params: list) -> list[tuple]:
    if connection.vendor == "postgresql":
        # Parameters bound on the server (Django's cursor would quote each in Python).
        connection.ensure_connection()
        with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@functools.cache
def _store_sql(rows: int) -> str:
    """Many rows in one INSERT: on PostgreSQL one JSON array of them (one parameter, whatever
    the number of rows), elsewhere a list of VALUES."""
    table, columns = _sql_names()
    quote = connection.ops.quote_name
    returning = f"RETURNING id, {quote('email_normalised')}, {quote('phone')}"
    if connection.vendor == "postgresql":
        return (
            f"INSERT INTO {table} ({columns}) "  # noqa: S608 - identifiers from the model
            f"SELECT {columns} FROM json_populate_recordset(NULL::{table}, %s::json) "
            f"WITH ORDINALITY AS batch ORDER BY batch.ordinality {_CONFLICT} {returning}"
        )
    placeholders = ", ".join(["(" + ", ".join(["%s"] * len(COLUMNS)) + ")"] * rows)
    return (
        f"INSERT INTO {table} ({columns}) VALUES {placeholders} "  # noqa: S608 - model names
        f"{_CONFLICT} {returning}"
    )


def signatures_store(rows: Iterable[Mapping]) -> dict[tuple[str, str], int]:
    """Store many people's signatures in one INSERT (a field app's batch): `{identity: id}`
    for each row that was stored — new, or replacing that person's automatic rejection.
    Identity is ("e", email_normalised), or ("p", phone) for a row without an email. A row
    whose person had signed (or comes earlier in `rows`) is not stored and not in the answer.

    Rows go in the order given: callers sort them, so that two transactions storing the same
    people take their locks in the same order and cannot deadlock.
    """
    rows = list(rows)
    if not rows:
        return {}
    prepared = [_row(values) for values in rows]
    if connection.vendor == "postgresql":
        batch = _json_rows(dict(zip(COLUMNS, row, strict=True)) for row in prepared)
        returned = _execute(_store_sql(0), [batch])
    else:
        prepared = [_adapted(row) for row in prepared]
        returned = _execute(_store_sql(len(prepared)), [value for row in prepared for value in row])
    stored = {
        (("e", email) if email is not None else ("p", phone)): signature_id
        for signature_id, email, phone in returned
    }
    for values, row in zip(rows, prepared, strict=True):
        identity = _identity(values)
        if identity in stored:
            continue
        rescued = _execute(_rescue_sql(identity[0] == "p"), list(row))
        if rescued:
            stored[identity] = rescued[0][0]
    return stored

"""OSDI's `filter` query parameter: a small OData subset, parsed into a Django `Q`.

    filter := conjunction ("or" conjunction)*
    conjunction := operand ("and" operand)*
    operand := "(" filter ")" | field op 'value'
    op := eq | ne | gt | lt | ge | le

Keywords and ops are case-insensitive, field names exact; values are single-quoted, a quote
inside written twice ('O''Brien'). Parentheses nest at most MAX_DEPTH levels.

Datetime values are 'YYYY-MM-DD' (midnight UTC) or ISO 8601 with a time, 'Z' or an offset
(naive means UTC). A value names a span as long as its precision: a day, a minute, a second,
a millisecond... The rule is "never lose an update the client has not seen; duplicates are
fine", since clients show and compare times truncated to that precision:

* gt and ge mean "at or after the START of the span": `gt '2024-03-25T12:00:00Z'` returns
  a row modified at 12:00:00.7 (and one at 12:00:00.000000: a harmless duplicate);
  `gt '2024-03-25'` returns rows from 2024-03-25 00:00 UTC on.
* lt and le mean "before the END of the span": `le '...T12:00:00Z'` is `< 12:00:01`, and
  `lt '2024-04-25'` includes all of 25 April: consecutive windows overlap, never gap.
* eq matches the whole span; ne is its complement. A value with six decimals (microseconds,
  the precision stored) is compared exactly, as OData says; further digits are dropped.
"""

import calendar
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from django.db.models import Q

MAX_DEPTH = 10
LOOKUPS = {"eq": "exact", "ne": "exact", "gt": "gt", "lt": "lt", "ge": "gte", "le": "lte"}
_SPACE = " \t\r\n\f\v"
_WORD_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_WORD = _WORD_START | frozenset("0123456789")
_LATEST = datetime.max.replace(tzinfo=UTC)
_EXACT = timedelta(microseconds=1)
_MOMENT = re.compile(  # fixed widths, no nested repetition: linear time
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[Tt ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})"
    r"(?:[.,]([0-9]{1,9}))?)?(?:[Zz]|([+-])([0-9]{2})(?::?([0-9]{2}))?)?)?"
)


class FilterError(ValueError):
    """The filter cannot be read; the message says what is wrong and where."""


@dataclass(frozen=True)
class Field:
    """What a filterable name maps to: the model lookup, and how its values are read."""

    lookup: str
    kind: Literal["datetime", "text", "email", "phone", "identifier"]


@dataclass(frozen=True)
class _Token:
    kind: Literal["word", "string", "(", ")", "end"]
    text: str
    start: int
    end: int


def _tokens(text: str) -> list[_Token]:
    tokens, i = [], 0
    while i < len(text):
        char = text[i]
        if char in _SPACE:
            i += 1
        elif char in "()":
            tokens.append(_Token(char, char, i, i + 1))  # type: ignore[arg-type]
            i += 1
        elif char == "'":
            parts, j = [], i + 1
            while (k := text.find("'", j)) >= 0 and text.startswith("''", k):
                parts.append(text[j : k + 1])
                j = k + 2
            if k < 0:
                raise FilterError(f"The quote at position {i + 1} is never closed.")
            value = "".join([*parts, text[j:k]])
            if "\x00" in value:
                raise FilterError(f"The value at position {i + 1} contains a NUL character.")
            tokens.append(_Token("string", value, i, k + 1))
            i = k + 1
        elif char in _WORD_START:
            j = next((j for j in range(i + 1, len(text)) if text[j] not in _WORD), len(text))
            tokens.append(_Token("word", text[i:j], i, j))
            i = j
        else:
            raise FilterError(f"Unexpected character {char!r} at position {i + 1}.")
    return [*tokens, _Token("end", "", len(text), len(text))]


def _moment(value: str) -> tuple[datetime, timedelta]:
    """The UTC start of the span `value` names, and its length (1 microsecond: exact)."""
    match = _MOMENT.fullmatch(value)
    if match is None:
        raise FilterError(f"Cannot read {value!r} as a date: write e.g. 2014-03-25T12:00:00Z.")
    year, month, day, hour, minute, second, fraction, sign, off_hour, off_minute = match.groups()
    days = calendar.monthrange(max(int(year), 1), int(month))[1] if 0 < int(month) < 13 else 31
    for name, digits, low, high in (
        ("year", year, 1, 9999), ("month", month, 1, 12), ("day", day, 1, days),
        ("hour", hour, 0, 23), ("minute", minute, 0, 59), ("second", second, 0, 59),
        ("offset hour", off_hour, 0, 23), ("offset minute", off_minute, 0, 59),
    ):  # fmt: skip
        if digits is not None and not low <= int(digits) <= high:
            raise FilterError(f"In {value!r}, {name} {digits} is out of range ({low}-{high}).")
    micro = int((fraction or "")[:6].ljust(6, "0"))
    clock = (int(hour or 0), int(minute or 0), int(second or 0), micro)
    moment = datetime(int(year), int(month), int(day), *clock, tzinfo=UTC)
    if fraction:
        unit = timedelta(microseconds=10 ** (6 - min(len(fraction), 6)))
    else:
        unit = timedelta(seconds=1 if second else 60 if hour else 86400)
    shift = timedelta(hours=int(off_hour or 0), minutes=int(off_minute or 0))
    try:
        return (moment + shift if sign == "-" else moment - shift), unit
    except OverflowError:
        raise FilterError(f"The date {value!r} is outside the years 1-9999 in UTC.") from None


def _datetime_q(lookup: str, op: str, value: str) -> Q:
    start, unit = _moment(value)
    if unit == _EXACT:  # the precision stored: compare exactly
        q = Q(**{f"{lookup}__{LOOKUPS[op]}": start})
        return ~q if op == "ne" else q
    after = Q(**{f"{lookup}__gte": start})
    try:
        before = Q(**{f"{lookup}__lt": start + unit})
    except OverflowError:  # the span ends with the year 9999
        before = Q(**{f"{lookup}__lte": _LATEST})
    within = after & before
    return {"gt": after, "ge": after, "lt": before, "le": before, "eq": within, "ne": ~within}[op]


@dataclass
class _Parser:
    text: str
    tokens: list[_Token]
    fields: Mapping[str, Field]
    normalisers: Mapping[str, Callable[[str], object]]
    max_clauses: int
    at: int = 0
    clauses: int = 0

    def error(self, first: _Token, last: _Token, what: str) -> FilterError:
        near = self.text[first.start : last.end].strip(_SPACE)
        near = near if len(near) <= 40 else near[:37] + "..."
        if last.kind == "end":
            return FilterError(f"The filter ends too early, after {near!r}: {what}.")
        return FilterError(f"Cannot read the filter near {near!r}: {what}.")

    def keyword(self, word: str) -> bool:
        token = self.tokens[self.at]
        found = token.kind == "word" and token.text.lower() == word
        self.at += found
        return found

    def disjunction(self, depth: int) -> Q:
        q = self.conjunction(depth)
        while self.keyword("or"):
            q = q | self.conjunction(depth)
        return q

    def conjunction(self, depth: int) -> Q:
        q = self.operand(depth)
        while self.keyword("and"):
            q = q & self.operand(depth)
        return q

    def operand(self, depth: int) -> Q:
        opening = self.tokens[self.at]
        if opening.kind != "(":
            return self.comparison()
        if depth >= MAX_DEPTH:
            raise FilterError(f"Parentheses nest over {MAX_DEPTH} deep at position {opening.end}.")
        self.at += 1
        q = self.disjunction(depth + 1)
        closing = self.tokens[self.at]
        if closing.kind != ")":
            where = f"the '(' at position {opening.start + 1} is not closed (or and/or is missing)"
            raise self.error(opening, closing, where)
        self.at += 1
        return q

    def comparison(self) -> Q:
        before = self.tokens[max(self.at - 1, 0)]
        name, op, value = (self.tokens[min(self.at + i, len(self.tokens) - 1)] for i in range(3))
        for token, kind in ((name, "word"), (op, "word"), (value, "string")):
            if token.kind != kind or (token is name and name.text.lower() in ("and", "or")):
                raise self.error(before, token, "expected field op 'value'")
        self.at += 3
        self.clauses += 1
        if self.clauses > self.max_clauses:
            raise FilterError(f"Over {self.max_clauses} comparisons, at position {name.end}.")
        if name.text not in self.fields:
            supported = ", ".join(sorted(self.fields))
            raise self.error(name, value, f"unknown field {name.text!r}; use {supported}")
        field, op_name = self.fields[name.text], op.text.lower()
        if op_name not in LOOKUPS:
            raise self.error(name, value, f"unknown operator {op.text!r}; use {', '.join(LOOKUPS)}")
        if field.kind == "datetime":
            return _datetime_q(field.lookup, op_name, value.text)
        if op_name not in ("eq", "ne"):
            raise self.error(name, value, f"{name.text} can only be compared with eq or ne")
        normalise = self.normalisers.get(name.text) or self.normalisers.get(field.kind)
        try:
            lookup_value = normalise(value.text) if normalise else value.text
        except ValueError as error:
            if isinstance(error, FilterError):
                raise
            raise FilterError(f"The value {value.text!r} is not a valid {name.text}.") from None
        # A normaliser may answer the comparison itself (a Q): an identifier names rows
        # that no single lookup finds.
        if isinstance(lookup_value, Q):
            q = lookup_value
        else:
            q = Q(**{f"{field.lookup}__exact": lookup_value})
        return ~q if op_name == "ne" else q


def parse(
    text: str,
    fields: Mapping[str, Field],
    *,
    normalisers: Mapping[str, Callable[[str], object]] | None = None,
    max_length: int = 2000,
    max_clauses: int = 20,
) -> Q:
    """The `Q` that `text` asks for (`Q()` for a blank filter), or FilterError. `normalisers`
    (by field name, else by kind; email, phone and identifier fields need one) turn a value
    into what the lookup compares, or into the `Q` of the equality itself (which ne
    negates); they may raise FilterError, or ValueError: invalid value."""
    normalisers = normalisers or {}
    for name, field in fields.items():
        if (
            field.kind in ("email", "phone", "identifier")
            and not {name, field.kind} & normalisers.keys()
        ):
            raise TypeError(f"The {field.kind} field {name!r} needs a normaliser.")
    if len(text) > max_length:
        raise FilterError(f"The filter is longer than {max_length} characters.")
    if not text.strip(_SPACE):
        return Q()
    parser = _Parser(text, _tokens(text), fields, normalisers, max_clauses)
    q = parser.disjunction(0)
    rest = parser.tokens[parser.at]
    if rest.kind != "end":
        what = "this ')' has no '('" if rest.kind == ")" else "expected 'and', 'or' or the end"
        raise parser.error(parser.tokens[max(parser.at - 1, 0)], rest, what)
    return q

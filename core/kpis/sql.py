"""SQL expressions the KPI queries need that SQLite and PostgreSQL spell differently.

Time is counted in whole seconds: every timestamp is truncated to its second before anything
is subtracted or bucketed, on both backends alike, so a wait of exactly 20 s is 20 on each and
a bucket boundary never wobbles with floating point. ``epoch_seconds`` in Python does the same.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

BUCKET_SECONDS = 900


def epoch_seconds(moment: datetime) -> int:
    """Whole seconds since 1970 of an aware datetime, truncated like ``sql_epoch``."""
    return calendar.timegm(moment.astimezone(UTC).timetuple())


class sql_epoch(FunctionElement[int]):
    """Whole seconds since 1970 of a UTC timestamp column."""

    type = sa.BigInteger()
    inherit_cache = True
    name = "sql_epoch"


@compiles(sql_epoch, "postgresql")
def _epoch_postgresql(element: sql_epoch, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})) AS BIGINT)"


@compiles(sql_epoch, "sqlite")
def _epoch_sqlite(element: sql_epoch, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite keeps 'YYYY-MM-DD HH:MM:SS.ffffff'; its date functions round the fraction to
    # milliseconds (…:59.9996 would count as the next second), so the fraction is cut first.
    moment = compiler.process(element.clauses, **kw)
    return f"CAST(strftime('%s', substr({moment}, 1, 19)) AS INTEGER)"


class uuid_key(FunctionElement[str]):
    """A uuid column as comparable text (PostgreSQL: the dashed form; SQLite: stored hex)."""

    type = sa.String()
    inherit_cache = True
    name = "uuid_key"


@compiles(uuid_key, "postgresql")
def _uuid_key_postgresql(element: uuid_key, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS TEXT)"


@compiles(uuid_key, "sqlite")
def _uuid_key_sqlite(element: uuid_key, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


class uuid_text_key(FunctionElement[str]):
    """A uuid written as text (in event data) in the form ``uuid_key`` compares with."""

    type = sa.String()
    inherit_cache = True
    name = "uuid_text_key"


@compiles(uuid_text_key, "postgresql")
def _uuid_text_postgresql(element: uuid_text_key, compiler: SQLCompiler, **kw: Any) -> str:
    return f"LOWER({compiler.process(element.clauses, **kw)})"


@compiles(uuid_text_key, "sqlite")
def _uuid_text_sqlite(element: uuid_text_key, compiler: SQLCompiler, **kw: Any) -> str:
    return f"LOWER(REPLACE({compiler.process(element.clauses, **kw)}, '-', ''))"


class unindexed(FunctionElement[Any]):
    """A column SQLite must not pick an index by (``+column``), so that a correlated lookup of
    one conversation's events walks the conversation's index rather than every event of a
    type: without ANALYZE statistics SQLite often guesses the other way. PostgreSQL plans
    by statistics and gets the column as it is."""

    inherit_cache = True
    name = "unindexed"

    def __init__(self, column: sa.ColumnElement[Any]) -> None:
        super().__init__(column)
        self.type = column.type


@compiles(unindexed)
def _unindexed_default(element: unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element: unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return f"+{compiler.process(element.clauses, **kw)}"


class slot_of(FunctionElement[int]):
    """Which of the slots starting at ``starts`` (ascending epoch seconds) holds an epoch-second
    expression: 1 for the first, 0 before it. PostgreSQL finds it by binary search."""

    type = sa.Integer()
    inherit_cache = False  # the starts are part of the statement's text
    name = "slot_of"

    def __init__(self, seconds: sa.ColumnElement[int], starts: list[int]) -> None:
        super().__init__(seconds)
        self.starts = [int(start) for start in starts]


@compiles(slot_of, "postgresql")
def _slot_postgresql(element: slot_of, compiler: SQLCompiler, **kw: Any) -> str:
    starts = ", ".join(map(str, element.starts))
    return f"width_bucket({compiler.process(element.clauses, **kw)}, ARRAY[{starts}]::bigint[])"


@compiles(slot_of, "sqlite")
def _slot_sqlite(element: slot_of, compiler: SQLCompiler, **kw: Any) -> str:
    seconds = compiler.process(element.clauses, **kw)
    cases = " ".join(f"WHEN {seconds} < {start} THEN {n}" for n, start in enumerate(element.starts))
    return f"CASE {cases} ELSE {len(element.starts)} END"


def bucket_of(moment: sa.ColumnElement[Any], span: int = BUCKET_SECONDS) -> sa.ColumnElement[int]:
    """The epoch second at which the 15-minute bucket (or ``span`` seconds) holding ``moment``
    starts."""
    seconds = sql_epoch(moment)
    return seconds - seconds % span


def seconds_between(start: sa.ColumnElement[Any], end: sa.ColumnElement[Any]) -> Any:
    """Whole seconds from ``start`` to ``end`` (negative if end comes first)."""
    return sql_epoch(end) - sql_epoch(start)


def in_ranges(moment: sa.ColumnElement[Any], ranges: list[tuple[datetime, datetime]]) -> Any:
    """``moment`` falls in one of the half-open ``[start, end)`` ranges."""
    return sa.or_(*(sa.and_(moment >= start, moment < end) for start, end in ranges))


def count_if(condition: Any) -> Any:
    """1 where the condition holds, else 0: a per-fact counter to SUM."""
    return sa.case((condition, 1), else_=0)

"""Stored business-hours calendars: create, change, retire; and which one a clock runs on.

A record keeps weekly hours as ``{"0": [["09:00", "18:00"]], ...}`` (0 = Monday; an end of
``"24:00"`` is midnight at the end of the day), holidays as ISO dates and an IANA time zone.
Services flush but never commit. At most one calendar per tenant is the default.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import date, time
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from core.errors import ConflictError, FieldProblem, InvalidInputError, reject_unknown_fields
from core.lookup import get_by_id
from core.models.business_calendar import BusinessCalendarRecord
from core.models.queue import Queue
from core.models.sla import SlaPolicy
from core.sla.business_hours import BusinessCalendar

UPDATABLE_FIELDS = frozenset({"name", "timezone", "weekly", "holidays", "is_default"})
MAX_INTERVALS_PER_DAY = 12
MAX_HOLIDAYS = 1000


def get_calendar(session: Session, *, calendar_id: uuid.UUID) -> BusinessCalendarRecord:
    """The calendar; NotFoundError if this tenant has none with that id."""
    return get_by_id(session, BusinessCalendarRecord, calendar_id, noun="calendar")


def list_calendars(session: Session) -> list[BusinessCalendarRecord]:
    """Every calendar of the tenant, the default first, then by name."""
    query = sa.select(BusinessCalendarRecord).order_by(
        col(BusinessCalendarRecord.is_default).desc(), col(BusinessCalendarRecord.name)
    )
    return list(session.execute(query).scalars())


def create_calendar(
    session: Session,
    *,
    name: str,
    timezone: str,
    weekly: Mapping[str, Any],
    holidays: Iterable[str] = (),
    is_default: bool = False,
) -> BusinessCalendarRecord:
    """A new calendar; InvalidInputError naming each bad field, ConflictError on a taken name."""
    _check_name_free(session, name=name)
    record = BusinessCalendarRecord(
        name=name, **_validated(timezone=timezone, weekly=weekly, holidays=holidays)
    )
    session.add(record)
    session.flush()
    if is_default:
        _make_default(session, record)
    return record


def update_calendar(
    session: Session, *, calendar_id: uuid.UUID, changes: Mapping[str, Any]
) -> BusinessCalendarRecord:
    """Change some fields; the whole calendar is validated again as it will be stored."""
    reject_unknown_fields(changes, UPDATABLE_FIELDS)
    record = get_calendar(session, calendar_id=calendar_id)
    if "name" in changes and changes["name"] != record.name:
        _check_name_free(session, name=changes["name"])
        record.name = changes["name"]
    validated = _validated(
        timezone=changes.get("timezone", record.timezone),
        weekly=changes.get("weekly", record.weekly),
        holidays=changes.get("holidays", record.holidays),
    )
    for field_name, value in validated.items():
        setattr(record, field_name, value)
    session.flush()
    if changes.get("is_default"):
        _make_default(session, record)
    elif changes.get("is_default") is False:
        record.is_default = False
        session.flush()
    return record


def delete_calendar(session: Session, *, calendar_id: uuid.UUID) -> None:
    """Delete a calendar no queue or policy uses; ConflictError naming what still uses it."""
    record = get_calendar(session, calendar_id=calendar_id)
    for model, noun in ((Queue, "queue"), (SlaPolicy, "SLA policy")):
        used = session.execute(
            sa.select(col(model.id)).where(col(model.calendar_id) == calendar_id).limit(1)
        ).first()
        if used is not None:
            raise ConflictError(f"a {noun} uses this calendar; point it elsewhere first")
    session.delete(record)
    session.flush()


def to_calendar(record: BusinessCalendarRecord) -> BusinessCalendar:
    """The arithmetic object for a stored calendar, built once per distinct content.

    Cached by content rather than by id, so an edited calendar is never served stale.
    """
    return _from_stored(record.timezone, record.weekly, record.holidays)


def _from_stored(
    timezone: str, weekly: Mapping[str, Any], holidays: Iterable[str]
) -> BusinessCalendar:
    frozen = tuple(
        sorted((str(day), tuple(tuple(pair) for pair in pairs)) for day, pairs in weekly.items())
    )
    return _build(timezone, frozen, tuple(sorted(holidays)))


@lru_cache(maxsize=256)
def _build(
    timezone: str,
    weekly: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...],
    holidays: tuple[str, ...],
) -> BusinessCalendar:
    return BusinessCalendar(
        timezone=timezone,
        weekly={
            int(day): tuple((_parse_time(start), _parse_time(end)) for start, end in pairs)
            for day, pairs in weekly
        },
        holidays=frozenset(date.fromisoformat(day) for day in holidays),
    )


class CalendarResolver:
    """Which calendar a clock runs on: its conversation's queue's, else its policy's, else the
    tenant's default, else 24x7. Loads each queue, policy and record at most once, so a page of
    conversations costs a handful of queries, not a handful each."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._queue_calendar: dict[uuid.UUID, uuid.UUID | None] = {}
        self._policy_calendar: dict[uuid.UUID, uuid.UUID | None] = {}
        self._records: dict[uuid.UUID, BusinessCalendarRecord] = {}
        self._default: BusinessCalendarRecord | None = None
        self._default_loaded = False

    def preload(
        self, *, queue_ids: Iterable[uuid.UUID | None], policy_ids: Iterable[uuid.UUID | None]
    ) -> None:
        """Fetch the calendar ids of these queues and policies in one query each."""
        for model, known in ((Queue, self._queue_calendar), (SlaPolicy, self._policy_calendar)):
            wanted = {i for i in (queue_ids if model is Queue else policy_ids) if i} - set(known)
            if not wanted:
                continue
            rows = self._session.execute(
                sa.select(col(model.id), col(model.calendar_id)).where(col(model.id).in_(wanted))
            ).all()
            known.update({row[0]: row[1] for row in rows})
            known.update({missing: None for missing in wanted - {row[0] for row in rows}})
        self._load_records([*self._queue_calendar.values(), *self._policy_calendar.values()])

    def calendar(
        self, *, queue_id: uuid.UUID | None, policy_id: uuid.UUID | None
    ) -> BusinessCalendar:
        self.preload(queue_ids=[queue_id], policy_ids=[policy_id])
        for calendar_id in (
            self._queue_calendar.get(queue_id) if queue_id else None,
            self._policy_calendar.get(policy_id) if policy_id else None,
        ):
            if calendar_id is not None and calendar_id in self._records:
                return to_calendar(self._records[calendar_id])
        default = self._default_record()
        return to_calendar(default) if default is not None else BusinessCalendar.always_open()

    def _load_records(self, calendar_ids: Iterable[uuid.UUID | None]) -> None:
        wanted = {i for i in calendar_ids if i} - set(self._records)
        if wanted:
            query = sa.select(BusinessCalendarRecord).where(
                col(BusinessCalendarRecord.id).in_(wanted)
            )
            self._records.update({r.id: r for r in self._session.execute(query).scalars()})

    def _default_record(self) -> BusinessCalendarRecord | None:
        if not self._default_loaded:
            query = sa.select(BusinessCalendarRecord).where(
                col(BusinessCalendarRecord.is_default).is_(True)
            )
            self._default = self._session.execute(query.limit(1)).scalar_one_or_none()
            self._default_loaded = True
        return self._default


def calendar_for(
    session: Session, *, queue_id: uuid.UUID | None, policy_id: uuid.UUID | None = None
) -> BusinessCalendar:
    """The calendar of one clock (see CalendarResolver for the order)."""
    return CalendarResolver(session).calendar(queue_id=queue_id, policy_id=policy_id)


def _validated(
    *, timezone: str, weekly: Mapping[str, Any], holidays: Iterable[str]
) -> dict[str, Any]:
    """The stored form of a calendar, or InvalidInputError with one problem per bad field."""
    problems: list[FieldProblem] = []
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        problems.append(FieldProblem("timezone", "not an IANA time zone, like Asia/Shanghai"))
    stored_weekly: dict[str, list[list[str]]] = {}
    if not isinstance(weekly, Mapping):
        problems.append(FieldProblem("weekly", "must map weekdays 0 (Monday) to 6 to intervals"))
        weekly = {}
    for day, intervals in weekly.items():
        checked = _checked_day(str(day), intervals, problems)
        if checked:
            stored_weekly[str(day)] = checked
    stored_holidays = _checked_holidays(holidays, problems)
    if not problems:
        try:
            calendar = _from_stored(timezone, stored_weekly, stored_holidays)
        except ValueError as error:
            problems.append(FieldProblem("weekly", str(error)))
        else:
            if not any(calendar.weekly.values()):
                problems.append(FieldProblem("weekly", "a calendar needs some working hours"))
    if problems:
        raise InvalidInputError("invalid calendar", problems)
    return {"timezone": timezone, "weekly": stored_weekly, "holidays": stored_holidays}


def _checked_day(day: str, intervals: Any, problems: list[FieldProblem]) -> list[list[str]]:
    if day not in {str(weekday) for weekday in range(7)}:
        problems.append(FieldProblem(f"weekly.{day}", "weekdays are 0 (Monday) to 6 (Sunday)"))
        return []
    if not isinstance(intervals, list) or len(intervals) > MAX_INTERVALS_PER_DAY:
        problems.append(
            FieldProblem(f"weekly.{day}", f"a list of up to {MAX_INTERVALS_PER_DAY} intervals")
        )
        return []
    checked: list[list[str]] = []
    for index, interval in enumerate(intervals):
        where = f"weekly.{day}.{index}"
        if not isinstance(interval, list | tuple) or len(interval) != 2:
            problems.append(FieldProblem(where, 'an interval is ["HH:MM", "HH:MM"]'))
            continue
        try:
            start, end = (_parse_time(value) for value in interval)
        except (TypeError, ValueError):
            problems.append(FieldProblem(where, 'times are "HH:MM" (end may be "24:00")'))
            continue
        if start == time(0) and interval[0] == "24:00":
            problems.append(FieldProblem(where, "an interval cannot start at 24:00"))
            continue
        checked.append([_format_time(start), "24:00" if end == time(0) else _format_time(end)])
    return checked


def _checked_holidays(holidays: Iterable[str], problems: list[FieldProblem]) -> list[str]:
    days: set[date] = set()
    for index, value in enumerate(holidays):
        if index >= MAX_HOLIDAYS:
            problems.append(FieldProblem("holidays", f"at most {MAX_HOLIDAYS} holidays"))
            break
        try:
            days.add(date.fromisoformat(value))
        except (TypeError, ValueError):
            problems.append(FieldProblem(f"holidays.{index}", "an ISO date, like 2026-10-01"))
    return [day.isoformat() for day in sorted(days)]


def _parse_time(value: str) -> time:
    """``"HH:MM"`` or ``"HH:MM:SS"``; ``"24:00"`` is midnight (the end of the day)."""
    if value in ("24:00", "24:00:00"):
        return time(0)
    if not isinstance(value, str) or len(value) not in (5, 8):
        raise ValueError(f"not a wall time: {value!r}")
    return time.fromisoformat(value)


def _format_time(moment: time) -> str:
    return moment.strftime("%H:%M:%S" if moment.second else "%H:%M")


def _make_default(session: Session, record: BusinessCalendarRecord) -> None:
    """This calendar becomes the tenant's only default."""
    session.execute(
        sa.update(BusinessCalendarRecord)
        .where(col(BusinessCalendarRecord.id) != record.id)
        .values(is_default=False)
        .execution_options(synchronize_session="fetch")
    )
    record.is_default = True
    session.flush()


def _check_name_free(session: Session, *, name: str) -> None:
    taken = session.execute(
        sa.select(col(BusinessCalendarRecord.id)).where(col(BusinessCalendarRecord.name) == name)
    ).first()
    if taken is not None:
        raise ConflictError(f"calendar name {name!r} is taken")

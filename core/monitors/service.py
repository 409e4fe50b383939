"""Monitors: create, change, list, retire, and try a rule on sample texts before saving it.

Services flush but never commit. Every write parses the rule and the watch terms the way
intake will (``core.social.monitor_set``), so a stored monitor always compiles, and stamps
``updated_at``, which is how intake's compiled-monitor cache notices the change.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import Session
from sqlmodel import col

from core.clock import utcnow
from core.errors import ConflictError, FieldProblem, InvalidInputError, reject_unknown_fields
from core.lookup import get_by_id, get_referenced
from core.models.queue import Queue
from core.models.social import Monitor, SocialNetwork, VolumeBucket
from core.models.social_alert import SocialAlert
from core.monitors.rules import Rule, parse_rule
from core.pagination import Page, paginate
from core.social import volume
from core.social.monitor_set import watch_rule

MAX_WATCH_TERMS = 50
MAX_WATCH_TERM_LENGTH = 100
MAX_LANGUAGES = 20
MAX_EMAILS = 20
WINDOW_STEP_MINUTES = 5
MAX_COUNT = 1_000_000
MAX_FOLLOWERS = 10**12
LANGUAGE = re.compile(r"^[a-z]{2,3}$")
UPDATABLE_FIELDS = frozenset(
    {
        "name",
        "rule",
        "category",
        "languages",
        "networks",
        "opens_conversations",
        "queue_id",
        "watch_terms",
        "window_minutes",
        "negative_share_threshold",
        "negative_share_min_posts",
        "spike_threshold",
        "spike_min_volume",
        "influencer_followers",
        "notify_emails",
        "webhook_url",
        "webhook_secret",
        "active",
    }
)


@dataclass(frozen=True, slots=True)
class RuleTrial:
    """A rule's verdict on one text, and its evidence: the rule's non-negated terms found
    in it (what a matching post would store as ``matched_terms``)."""

    match: bool
    terms: tuple[str, ...]


def get_monitor(session: Session, *, monitor_id: uuid.UUID) -> Monitor:
    """The monitor; NotFoundError if this tenant has none with that id."""
    return get_by_id(session, Monitor, monitor_id, noun="monitor")


def list_monitors(
    session: Session, *, active: bool | None = None, limit: int = 50, cursor: str | None = None
) -> Page[Monitor]:
    """Monitors newest first, optionally by active flag."""
    query = sa.select(Monitor)
    if active is not None:
        query = query.where(col(Monitor.active) == active)
    return paginate(session, query, col(Monitor.id), limit=limit, cursor=cursor)


def create_monitor(session: Session, *, name: str, rule: str, **settings: Any) -> Monitor:
    """A new monitor; ConflictError if the name is taken, InvalidInputError (naming the field,
    with the parser's message for ``rule``) for bad settings.

    ``settings`` are the other updatable columns (languages, watch_terms, thresholds, ...).
    """
    reject_unknown_fields(settings, UPDATABLE_FIELDS, problem="not a monitor setting")
    values = _checked(session, {"name": name, "rule": rule, **settings})
    _check_name_free(session, name=values["name"])
    monitor = Monitor(**values, updated_at=utcnow())
    session.add(monitor)
    session.flush()
    return monitor


def update_monitor(
    session: Session, *, monitor_id: uuid.UUID, changes: Mapping[str, Any]
) -> Monitor:
    """Change some of a monitor's settings; the same checks as on creation apply."""
    reject_unknown_fields(changes, UPDATABLE_FIELDS)
    monitor = get_monitor(session, monitor_id=monitor_id)
    values = _checked(session, changes)
    if "name" in values and values["name"] != monitor.name:
        _check_name_free(session, name=values["name"])
    for field_name, value in values.items():
        setattr(monitor, field_name, value)
    monitor.updated_at = utcnow()
    session.flush()
    return monitor


def delete_monitor(session: Session, *, monitor_id: uuid.UUID) -> None:
    """Delete a monitor, its hits and its volumes; its alerts stay, no longer pointing at it."""
    monitor = get_monitor(session, monitor_id=monitor_id)
    session.execute(
        sa.delete(VolumeBucket).where(col(VolumeBucket.series) == volume.monitor_series(monitor_id))
    )
    session.execute(
        sa.update(SocialAlert)
        .where(col(SocialAlert.monitor_id) == monitor_id)
        .values(monitor_id=None)
        .execution_options(synchronize_session="fetch")
    )
    session.delete(monitor)
    session.flush()


def try_rule(*, rule: str, texts: Sequence[str]) -> list[RuleTrial]:
    """The rule's verdict on each text, in order; RuleSyntaxError (a 422 on ``rule``)."""
    parsed = _parse(rule)
    trials = []
    for text in texts:
        found = parsed.find_terms(text)
        evidence = tuple(term for term in found if term in parsed.positive_terms)
        trials.append(RuleTrial(match=parsed.evaluate(frozenset(found)), terms=evidence))
    return trials


def _parse(rule: str) -> Rule:
    """parse_rule, with the rare rule the parser lets through but Rule refuses as a 422 too."""
    try:
        return parse_rule(rule)
    except InvalidInputError:
        raise
    except ValueError as exc:
        raise InvalidInputError("invalid rule", [FieldProblem("rule", str(exc))]) from exc


def _checked(session: Session, values: Mapping[str, Any]) -> dict[str, Any]:
    """The values to store, with every problem reported at once (a bad rule's alone)."""
    out = dict(values)
    if "rule" in out:
        _parse(out["rule"])
    problems: list[FieldProblem] = []
    if "name" in out:
        out["name"] = str(out["name"]).strip()
        if not out["name"]:
            problems.append(FieldProblem("name", "must not be blank"))
    if "languages" in out:
        out["languages"] = _unique(str(code).strip().lower() for code in out["languages"])
        if len(out["languages"]) > MAX_LANGUAGES or not all(map(LANGUAGE.match, out["languages"])):
            problems.append(FieldProblem("languages", f"up to {MAX_LANGUAGES} codes like zh, en"))
    if "networks" in out:
        given = {str(network) for network in out["networks"]}
        out["networks"] = [network.value for network in SocialNetwork if network.value in given]
        if len(out["networks"]) < len(given):
            problems.append(FieldProblem("networks", "only " + ", ".join(SocialNetwork)))
    if "watch_terms" in out:
        out["watch_terms"] = _watch_terms(out["watch_terms"], problems)
    if "notify_emails" in out:
        out["notify_emails"] = _emails(out["notify_emails"], problems)
    if out.get("webhook_url") is not None:
        parts = urlsplit(str(out["webhook_url"]))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            problems.append(FieldProblem("webhook_url", "an http or https URL"))
    for name, (valid, message) in THRESHOLDS.items():
        if name in out and not valid(out[name]):
            problems.append(FieldProblem(name, message))
    if problems:
        raise InvalidInputError("invalid monitor", problems)
    if out.get("queue_id") is not None:
        get_referenced(session, Queue, out["queue_id"], field="queue_id", noun="queue")
    return out


def _whole(low: int, high: int) -> Callable[[Any], bool]:
    return lambda value: type(value) is int and low <= value <= high


def _real(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


THRESHOLDS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "window_minutes": (
        lambda v: _whole(5, 1440)(v) and v % WINDOW_STEP_MINUTES == 0,
        "minutes from 5 to 1440, a multiple of 5",
    ),
    "negative_share_threshold": (lambda v: _real(v) and 0 <= v <= 1, "a share from 0 to 1"),
    "negative_share_min_posts": (_whole(1, MAX_COUNT), f"a whole number from 1 to {MAX_COUNT}"),
    "spike_threshold": (lambda v: _real(v) and 0 < v <= 1000, "a robust z-score above 0"),
    "spike_min_volume": (_whole(1, MAX_COUNT), f"a whole number from 1 to {MAX_COUNT}"),
    "influencer_followers": (
        _whole(0, MAX_FOLLOWERS),
        f"a whole number from 0 to {MAX_FOLLOWERS}",
    ),
}
"""Each alerting threshold: what a valid value is, and the message when it is not."""


def _watch_terms(terms: Sequence[str], problems: list[FieldProblem]) -> list[str]:
    cleaned = _unique(str(term).strip() for term in terms)
    if len(cleaned) > MAX_WATCH_TERMS:
        problems.append(FieldProblem("watch_terms", f"at most {MAX_WATCH_TERMS} terms"))
    elif not all(1 <= len(term) <= MAX_WATCH_TERM_LENGTH for term in cleaned):
        problems.append(
            FieldProblem("watch_terms", f"each 1 to {MAX_WATCH_TERM_LENGTH} characters")
        )
    else:
        try:
            watch_rule(cleaned)
        except ValueError as exc:
            problems.append(FieldProblem("watch_terms", f"together they do not make a rule: {exc}"))
    return cleaned


def _emails(emails: Sequence[str], problems: list[FieldProblem]) -> list[str]:
    normalized: list[str] = []
    for email in emails:
        try:
            normalized.append(validate_email(str(email), check_deliverability=False).normalized)
        except EmailNotValidError as exc:
            problems.append(FieldProblem("notify_emails", f"{email!r}: {exc}"))
    if len(normalized) > MAX_EMAILS:
        problems.append(FieldProblem("notify_emails", f"at most {MAX_EMAILS} addresses"))
    return _unique(normalized)


def _unique(values: Any) -> list[str]:
    """The values in their order, each once."""
    return list(dict.fromkeys(values))


def _check_name_free(session: Session, *, name: str) -> None:
    if session.execute(sa.select(col(Monitor.id)).where(col(Monitor.name) == name)).first():
        raise ConflictError(f"monitor name {name!r} is taken")

"""Checking a submission against its form: one message per field, in the form's language.

Values arrive as JSON scalars (the JSON endpoint) or strings (multipart, url-encoded); both
are normalized the same way: text is stripped, emails lower-cased, phone numbers made E.164,
ratings integers, dates ISO. A field the form does not have, a select value that is not one
of its options and a rating out of range are field errors like any other (422), never dropped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import phonenumbers

from channels.webform.definition import FormDefinition, FormField, localized
from channels.webform.messages import text
from core.errors import FieldProblem, InvalidInputError
from core.identities import normalize_identity
from core.models.contact import IdentityKind

CHECKED = {"true": True, "on": True, "yes": True, "1": True}
UNCHECKED = {"false": False, "off": False, "no": False, "0": False, "": False}

Scalar = str | int | bool


@dataclass(frozen=True, slots=True)
class CleanSubmission:
    """The normalized values, who sent them, and what the roles pick out."""

    values: dict[str, Scalar]
    identity_kind: IdentityKind
    identity: str
    email: str | None
    name: str | None
    subject: str | None
    category: str | None
    callback_number: str | None


class _Invalid(Exception):
    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


def validate_fields(
    definition: FormDefinition, raw: Mapping[str, Any], *, language: str, today: date
) -> tuple[CleanSubmission | None, list[FieldProblem]]:
    """The clean submission, or None and the problems (field name → message in ``language``)."""
    problems = [
        FieldProblem(name, text("unknown_field", language))
        for name in raw
        if definition.field(name) is None
    ]
    values: dict[str, Scalar] = {}
    for field in definition.fields:
        try:
            value = _clean(field, raw.get(field.name), definition, today)
        except _Invalid as invalid:
            problems.append(FieldProblem(field.name, text(invalid.key, language, **invalid.values)))
            continue
        if value is None:
            if field.required:
                problems.append(FieldProblem(field.name, text("required", language)))
            continue
        values[field.name] = value
    email = _first(definition, values, "email")
    phone = _first(definition, values, "phone")
    if email is None and phone is None and not problems:
        first_contact = next(f for f in definition.fields if f.type in ("email", "phone"))
        problems.append(FieldProblem(first_contact.name, text("identity", language)))
    if problems:
        return None, problems
    kind, identity = (IdentityKind.EMAIL, email) if email else (IdentityKind.PHONE, phone)
    assert identity is not None
    return (
        CleanSubmission(
            values=values,
            identity_kind=kind,
            identity=identity,
            email=email,
            name=_role_value(definition, values, "name"),
            subject=_role_value(definition, values, "subject"),
            category=_role_value(definition, values, "category"),
            callback_number=_role_value(definition, values, "callback"),
        ),
        [],
    )


def render_text(definition: FormDefinition, values: Mapping[str, Scalar], language: str) -> str:
    """The submission as an agent reads it: one ``Label: value`` line per filled field,
    long text indented below its label, choices by their label (and value)."""
    lines: list[str] = []
    for field in definition.fields:
        if field.name not in values:
            continue
        label = localized(field.label, language)
        value = values[field.name]
        if field.type == "textarea":
            lines.append(f"{label}:")
            lines.extend(f"  {line}" for line in str(value).splitlines() or [""])
        elif field.type == "select":
            lines.append(f"{label}: {field.option_label(str(value), language)} ({value})")
        elif field.type == "checkbox":
            lines.append(f"{label}: {text('yes', language) if value else '—'}")
        elif field.type == "rating":
            lines.append(f"{label}: {value}/{field.max_value}")
        else:
            lines.append(f"{label}: {value}")
    return "\n".join(lines)


def _first(definition: FormDefinition, values: Mapping[str, Scalar], kind: str) -> str | None:
    """The first filled field of that type; a call-back number counts only if nothing else."""
    ranked = sorted(
        (f for f in definition.fields if f.type == kind and f.name in values),
        key=lambda f: f.role == "callback",
    )
    return str(values[ranked[0].name]) if ranked else None


def _role_value(definition: FormDefinition, values: Mapping[str, Scalar], role: str) -> str | None:
    field = definition.with_role(role)
    if field is None or field.name not in values:
        return None
    return str(values[field.name])


def _clean(field: FormField, raw: Any, definition: FormDefinition, today: date) -> Scalar | None:
    """The normalized value, None when absent; raises _Invalid with a message key."""
    if raw is None:
        return None
    if field.type == "checkbox":
        return _checkbox(raw)
    if field.type == "rating" and isinstance(raw, int) and not isinstance(raw, bool):
        return _rating(field, raw)
    if not isinstance(raw, str):
        raise _Invalid("not_text")
    value = raw.strip()
    if not value:
        return None
    if "\x00" in value:
        raise _Invalid("not_text")
    if len(value) > field.length_limit:
        raise _Invalid("too_long", max=field.length_limit)
    match field.type:
        case "email":
            return _identity(IdentityKind.EMAIL, value, None, "email")
        case "phone":
            number = _identity(IdentityKind.PHONE, value, definition.phone_region, "phone")
            if field.role == "callback" and not phonenumbers.is_valid_number(
                phonenumbers.parse(number)
            ):
                raise _Invalid("phone")
            return number
        case "select":
            if value not in {option.value for option in field.options}:
                raise _Invalid("choice", options=", ".join(o.value for o in field.options))
            return value
        case "rating":
            if not re.fullmatch(r"[0-9]{1,3}", value):
                raise _Invalid("rating", min=field.min_value, max=field.max_value)
            return _rating(field, int(value))
        case "date":
            return _date(field, value, today)
        case _:
            if field.pattern is not None and re.fullmatch(field.pattern, value) is None:
                raise _Invalid("pattern")
            return value.replace("\r\n", "\n")


def _identity(kind: IdentityKind, value: str, region: str | None, message: str) -> str:
    try:
        return normalize_identity(kind, value, region=region)
    except InvalidInputError as exc:
        raise _Invalid(message) from exc


def _rating(field: FormField, value: int) -> int:
    if not field.min_value <= value <= field.max_value:
        raise _Invalid("rating", min=field.min_value, max=field.max_value)
    return value


def _checkbox(raw: Any) -> bool | None:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str):
        key = raw.strip().lower()
        if key in CHECKED:
            return True
        if key in UNCHECKED:
            return None
    raise _Invalid("checkbox")


def _date(field: FormField, value: str, today: date) -> str:
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise _Invalid("date")
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise _Invalid("date") from exc
    if field.past_only and day > today:
        raise _Invalid("future_date")
    return day.isoformat()

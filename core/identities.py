"""Normalising customer addresses so that one person resolves to one contact (D9)."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from core.errors import FieldProblem, InvalidInputError
from core.models.contact import IdentityKind


@lru_cache(maxsize=65536)
def normalize_identity(kind: IdentityKind, raw: str, *, region: str | None = None) -> str:
    """The lookup form of an address (E.164, lower-cased email, network:handle); raises if bad.

    Memoised: customers write again and again, and parsing an address costs more than the
    database lookup it leads to. (Invalid input raises, and exceptions are not cached.)
    """
    value = raw.strip()
    if not value:
        raise _invalid(kind, "is empty")
    if kind is IdentityKind.PHONE:
        return _normalize_phone(value, region)
    if kind is IdentityKind.EMAIL:
        try:
            checked = validate_email(value, check_deliverability=False)
        except EmailNotValidError as exc:
            raise _invalid(kind, str(exc)) from exc
        return checked.normalized.lower()
    if kind is IdentityKind.SOCIAL:
        network, sep, handle = value.partition(":")
        handle = handle.strip().lstrip("@")
        if not sep or not network.strip() or not handle:
            raise _invalid(kind, "must look like network:handle")
        return f"{network.strip().lower()}:{handle.lower()}"
    if len(value) > 320:
        raise _invalid(kind, "is longer than 320 characters")
    return value


def _normalize_phone(value: str, region: str | None) -> str:
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        raise _invalid(IdentityKind.PHONE, str(exc)) from exc
    if not phonenumbers.is_possible_number(number):
        raise _invalid(IdentityKind.PHONE, "is not a possible phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _invalid(kind: IdentityKind, reason: str) -> InvalidInputError:
    message = f"{kind.value} identity {reason}"
    return InvalidInputError(message, [FieldProblem(field="identity", message=message)])

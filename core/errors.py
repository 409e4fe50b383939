"""Domain exceptions; the API maps each to one HTTP problem type in one place."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field


class DomainError(Exception):
    """Base of every error that core raises on purpose."""

    title = "Domain error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFoundError(DomainError):
    """The object does not exist for this tenant (another tenant's object is not found, too)."""

    title = "Not found"


class ConflictError(DomainError):
    """The request contradicts the current state (a merge of a contact into itself, say)."""

    title = "Conflict"


@dataclass(frozen=True)
class FieldProblem:
    """One invalid field: where it is and what is wrong with it."""

    field: str
    message: str


class InvalidInputError(DomainError):
    """Input that parsed but breaks a domain rule; carries field-level messages."""

    title = "Invalid input"

    def __init__(self, detail: str, problems: list[FieldProblem] | None = None) -> None:
        super().__init__(detail)
        self.problems: list[FieldProblem] = problems or []


def reject_unknown_fields(
    given: Iterable[str], allowed: Collection[str], *, problem: str = "cannot be changed"
) -> None:
    """InvalidInputError naming every field of ``given`` not in ``allowed`` (sorted), if any."""
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise InvalidInputError("unknown fields", [FieldProblem(f, problem) for f in unknown])


def required_text(text: str, field: str) -> str:
    """The text without surrounding blanks; InvalidInputError on ``field`` if nothing is left."""
    if not text.strip():
        raise InvalidInputError(f"{field} required", [FieldProblem(field, "must not be blank")])
    return text.strip()


class AuthenticationError(DomainError):
    """No or bad credentials."""

    title = "Unauthorized"


class PermissionDeniedError(DomainError):
    """Authenticated, but the caller's roles or token scopes do not allow this action."""

    title = "Forbidden"


class RateLimitedError(DomainError):
    """Too many attempts (sign-ins, resets); the caller may retry after ``retry_after`` s."""

    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


@dataclass
class RejectedInbound(DomainError):
    """Inbound traffic we refuse to ingest (after logging it); never a silent drop."""

    reason: str
    details: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.reason)

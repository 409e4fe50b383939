"""Password hashing (argon2id, OWASP parameters by way of argon2-cffi's defaults) and policy."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from core.errors import FieldProblem, InvalidInputError

MIN_LENGTH = 12
MAX_LENGTH = 256  # argon2 takes any length; the cap keeps a login from costing megabytes


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    return PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches; False (never an exception) for a damaged hash."""
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    return _hasher().check_needs_rehash(password_hash)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher().hash("no account has this password")


def spend_verification_time() -> None:
    """As long as a real verification: a login for an unknown account takes as long as for a
    known one, so timing does not tell which e-mail addresses have accounts."""
    verify_password(_dummy_hash(), "not it")


def check_policy(password: str, *, email: str) -> str:
    """The password when it is acceptable; InvalidInputError on ``password`` otherwise."""
    problem = None
    if len(password) < MIN_LENGTH:
        problem = f"must be at least {MIN_LENGTH} characters"
    elif len(password) > MAX_LENGTH:
        problem = f"must be at most {MAX_LENGTH} characters"
    elif password.strip().lower() in {email.lower(), email.split("@")[0].lower()}:
        problem = "must not be the e-mail address"
    elif len(set(password)) < 4:
        problem = "is too repetitive"
    if problem:
        raise InvalidInputError("password rejected", [FieldProblem("password", problem)])
    return password

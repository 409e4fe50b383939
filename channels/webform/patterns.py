"""Which field patterns a tenant may set: regular expressions that cannot backtrack for long.

Patterns run on public input in a process many tenants share, so a pattern like ``(a+)+$``
would let one submission hold a server thread for minutes. A pattern is accepted when no
repetition contains another repetition or an alternative (the shapes that backtrack
exponentially), it has no backreferences, and the product of its repetitions' ranges —
over values no longer than the field allows — stays small (the polynomial shapes, ``a*a*a*``).
"""

from __future__ import annotations

import re
import re._parser as sre  # the stdlib's own parser; its tree is what the matcher runs
from typing import Any

MAX_BACKTRACKING = 100_000
_REPEATS = {sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", sre.MAX_REPEAT)}
_FORBIDDEN = {sre.GROUPREF, sre.GROUPREF_EXISTS, getattr(sre, "GROUPREF_IGNORE", sre.GROUPREF)}


class _Refused(Exception):
    pass


def pattern_problem(pattern: str, *, max_length: int) -> str | None:
    """Why a pattern cannot be used on values up to ``max_length`` characters, or None."""
    try:
        tree = sre.parse(pattern)
    except (re.error, OverflowError, RecursionError, ValueError) as exc:
        return f"not a regular expression: {exc}"
    try:
        product = _scan(list(tree), max_length=max_length, in_loop=False)
    except _Refused as refused:
        return str(refused)
    if product > MAX_BACKTRACKING:
        return "too many open-ended repetitions; bound them, e.g. [0-9]{6,12}"
    return None


def _scan(items: list[Any], *, max_length: int, in_loop: bool) -> int:
    """The product of the variable repetitions' ranges in ``items``; raises _Refused."""
    product = 1
    for op, arg in items:
        if op in _FORBIDDEN:
            raise _Refused("backreferences are not allowed")
        if op in _REPEATS:
            low, high, sub = arg
            loops = high > 1
            if loops and in_loop:
                raise _Refused("a repetition inside a repetition is not allowed")
            width = max(1, min(high, max_length) - low + 1)
            product *= width * _scan(list(sub), max_length=max_length, in_loop=in_loop or loops)
        elif op is sre.BRANCH:
            if in_loop:
                raise _Refused("alternatives inside a repetition are not allowed; use [...]")
            product *= sum(_scan(list(b), max_length=max_length, in_loop=False) for b in arg[1])
        elif op is sre.SUBPATTERN:
            product *= _scan(list(arg[-1]), max_length=max_length, in_loop=in_loop)
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            product *= _scan(list(arg[1]), max_length=max_length, in_loop=in_loop)
        elif op is getattr(sre, "ATOMIC_GROUP", None):
            product *= _scan(list(arg), max_length=max_length, in_loop=in_loop)
        if product > MAX_BACKTRACKING:
            return product
    return product

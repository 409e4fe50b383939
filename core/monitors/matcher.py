"""All of a tenant's monitor rules compiled into one matcher: one pass over each post.

One Aho-Corasick automaton holds every distinct term of every rule. A post is normalized once,
scanned once, hits that cut through a word are dropped (see core.monitors.rules), and only the
rules sharing a term with the post are evaluated; parse_rule guarantees the others are false.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import ahocorasick

from core.monitors.rules import Rule, is_whole_match, normalize

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True, slots=True)
class MatchResult(Generic[K]):
    """The rules a post matched, in compile order, each with its evidence: the rule's
    non-negated terms found in the post, in the order the scan met them."""

    terms: Mapping[K, tuple[str, ...]]

    @property
    def keys(self) -> tuple[K, ...]:
        return tuple(self.terms)

    def __bool__(self) -> bool:
        return bool(self.terms)

    def __contains__(self, key: object) -> bool:
        return key in self.terms


class MonitorMatcher(Generic[K]):
    """Immutable once compiled, so one instance may serve many threads; rebuild it when a
    tenant's monitors change."""

    __slots__ = ("_automaton", "_keys", "_rules")

    def __init__(self, keys: tuple[K, ...], rules: tuple[Rule, ...], automaton: Any) -> None:
        self._keys = keys
        self._rules = rules
        self._automaton = automaton

    @classmethod
    def compile(cls, rules: Mapping[K, Rule]) -> MonitorMatcher[K]:
        """Build the matcher; results list keys in the mapping's order."""
        keys = tuple(rules)
        compiled = tuple(rules.values())
        rules_by_term: dict[str, list[int]] = {}
        for index, rule in enumerate(compiled):
            for term in rule.terms:
                rules_by_term.setdefault(term, []).append(index)
        automaton = None
        if rules_by_term:
            automaton = ahocorasick.Automaton()
            for term, indexes in rules_by_term.items():
                automaton.add_word(term, (term, tuple(indexes)))
            automaton.make_automaton()
        return cls(keys, compiled, automaton)

    def __len__(self) -> int:
        return len(self._rules)

    def match(self, text: str) -> MatchResult[K]:
        """The rules the post matches; agrees with Rule.matches for every rule and text."""
        if self._automaton is None:
            return MatchResult({})
        normalized = normalize(text)
        found: dict[str, None] = {}
        candidates: set[int] = set()
        for end, (term, indexes) in self._automaton.iter(normalized):
            if term not in found and is_whole_match(normalized, end - len(term) + 1, end + 1):
                found[term] = None
                candidates.update(indexes)
        present = found.keys()
        matched: dict[K, tuple[str, ...]] = {}
        for index in sorted(candidates):
            rule = self._rules[index]
            if rule.evaluate(present):
                evidence = rule.positive_terms
                matched[self._keys[index]] = tuple(term for term in found if term in evidence)
        return MatchResult(matched)

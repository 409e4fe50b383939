"""Boolean keyword rules for monitors: the parser, the immutable AST and one-off matching.

Grammar, loosest first (so NOT binds tighter than AND, AND tighter than OR)::

    rule     := any_of
    any_of   := all_of ("OR" all_of)*
    all_of   := unary (["AND"] unary)*     juxtaposition is AND: `a NOT b` is `a AND NOT b`
    unary    := "NOT"* (term | "(" any_of ")")
    term     := bare word | "quoted phrase"

Only the upper-case words AND, OR, NOT (also in full width) are operators. Full-width
parentheses and curly quotes work like ASCII ones; `\\"` puts a quote inside a phrase.

Matching: rule terms and post text are normalized alike (NFKC, case-folded, whitespace runs
collapsed to one space). A term occurs where it is a substring of the text that does not cut
through a word: at an edge where the term has a letter or digit that is not CJK, the
neighbouring character of the text must not be one either. So CJK terms match as plain
substrings; `315` matches "315晚会" and "#315" but not "23150"; `lawsuit` does not match
"lawsuits" (write `lawsuit OR lawsuits`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator, Set
from dataclasses import dataclass, field
from enum import Enum

from core.errors import FieldProblem, InvalidInputError

MAX_RULE_LENGTH = 2000
MAX_TERMS = 200
MAX_NESTING = 32

_OPENING = frozenset("(（")
_CLOSING = frozenset(")）")
_QUOTES = frozenset('"“”＂')
_ESCAPABLE = _QUOTES | {"\\"}
_OPERATORS = frozenset({"AND", "OR", "NOT"})
_NEEDS_QUOTING = _OPENING | _CLOSING | _QUOTES
_NOTHING_PRESENT: frozenset[str] = frozenset()
_CJK_RANGES = (
    (0x1100, 0x11FF),
    (0x2E80, 0x9FFF),
    (0xA960, 0xA97F),
    (0xAC00, 0xD7FF),
    (0xF900, 0xFAFF),
    (0xFF66, 0xFF9F),
    (0x20000, 0x3FFFF),
)


class RuleSyntaxError(InvalidInputError, ValueError):
    """A rule that does not parse, is too large, or would match posts lacking all its terms.

    `position` is the 0-based character offset in the rule text; the message names it too. As an
    InvalidInputError it reaches API clients as a 422 with a problem on the field "rule".
    """

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message, [FieldProblem("rule", message)])
        self.position = position


def normalize(text: str) -> str:
    """The form rules and posts are compared in: NFKC, case-folded, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def is_cjk(char: str) -> bool:
    """Whether the character belongs to a script written without spaces between words."""
    code = ord(char)
    return any(low <= code <= high for low, high in _CJK_RANGES)


def is_word_char(char: str) -> bool:
    """Letters and digits that join into space-separated words (so not CJK ones)."""
    return char.isalnum() and (char < "\u1100" or not is_cjk(char))


def is_whole_match(text: str, start: int, end: int) -> bool:
    """Whether the occurrence text[start:end] of a term leaves the words at both edges whole."""
    if start > 0 and is_word_char(text[start]) and is_word_char(text[start - 1]):
        return False
    return not (end < len(text) and is_word_char(text[end - 1]) and is_word_char(text[end]))


def first_occurrence(term: str, normalized_text: str) -> int:
    """Where the term first occurs as a whole match in normalized text, or -1."""
    start = normalized_text.find(term)
    while start >= 0:
        if is_whole_match(normalized_text, start, start + len(term)):
            return start
        start = normalized_text.find(term, start + 1)
    return -1


@dataclass(frozen=True, slots=True)
class Term:
    """A normalized word or phrase; present when it occurs in the post as a whole match."""

    text: str

    def render(self) -> str:
        if (
            any(char.isspace() or char in _NEEDS_QUOTING for char in self.text)
            or unicodedata.normalize("NFKC", self.text) in _OPERATORS
        ):
            escaped = "".join("\\" + char if char in _ESCAPABLE else char for char in self.text)
            return f'"{escaped}"'
        return self.text


@dataclass(frozen=True, slots=True)
class Not:
    """True when its operand is false; never directly wraps another Not."""

    operand: Node

    def render(self) -> str:
        inner = self.operand.render()
        return f"NOT {inner}" if isinstance(self.operand, Term) else f"NOT ({inner})"


@dataclass(frozen=True, slots=True)
class And:
    """True when every operand is; at least two operands, none of them an And."""

    operands: tuple[Node, ...]

    def render(self) -> str:
        return " AND ".join(
            f"({operand.render()})" if isinstance(operand, Or) else operand.render()
            for operand in self.operands
        )


@dataclass(frozen=True, slots=True)
class Or:
    """True when any operand is; at least two operands, none of them an Or."""

    operands: tuple[Node, ...]

    def render(self) -> str:
        return " OR ".join(operand.render() for operand in self.operands)


Node = Term | Not | And | Or


def _negated_terms(node: Node, negated: bool = False) -> Iterator[tuple[str, bool]]:
    if isinstance(node, Term):
        yield node.text, negated
    elif isinstance(node, Not):
        yield from _negated_terms(node.operand, not negated)
    else:
        for operand in node.operands:
            yield from _negated_terms(operand, negated)


def _compile_predicate(root: Node) -> Callable[[Set[str]], bool]:
    """The tree as one Python boolean expression over term membership: the matcher evaluates
    rules per post, and bytecode is several times faster than walking the tree. The generated
    source holds only term indexes and operators; the terms reach it as data, never as code."""
    terms: list[str] = []

    def source(node: Node) -> str:
        if isinstance(node, Term):
            terms.append(node.text)
            return f"t[{len(terms) - 1}] in p"
        if isinstance(node, Not):
            return f"not ({source(node.operand)})"
        joiner = " and " if isinstance(node, And) else " or "
        return joiner.join(f"({source(operand)})" for operand in node.operands)

    expression = source(root)
    predicate: Callable[[Set[str]], bool] = eval(
        f"lambda p: {expression}", {"__builtins__": {}, "t": tuple(terms)}
    )
    return predicate


@dataclass(frozen=True, slots=True)
class Rule:
    """A parsed rule; equal rules have equal canonical forms.

    Guaranteed (construction raises ValueError otherwise, parse_rule a RuleSyntaxError with the
    position): the rule is false for a post containing none of its terms, so a matcher need only
    evaluate the rules some of whose terms occur.
    """

    root: Node
    terms: frozenset[str] = field(init=False, repr=False, compare=False)
    positive_terms: frozenset[str] = field(init=False, repr=False, compare=False)
    _predicate: Callable[[Set[str]], bool] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        occurrences = list(_negated_terms(self.root))
        object.__setattr__(self, "terms", frozenset(term for term, _ in occurrences))
        object.__setattr__(
            self, "positive_terms", frozenset(term for term, negated in occurrences if not negated)
        )
        object.__setattr__(self, "_predicate", _compile_predicate(self.root))
        if self._predicate(_NOTHING_PRESENT):
            raise ValueError(f"rule {self.canonical()!r} matches posts without any of its terms")

    def __reduce__(self) -> tuple[type[Rule], tuple[Node]]:
        return Rule, (self.root,)

    def evaluate(self, present: Set[str]) -> bool:
        """The rule's verdict given which (normalized) terms occur in a post."""
        return self._predicate(present)

    def find_terms(self, text: str) -> tuple[str, ...]:
        """This rule's terms that occur in the text, in the order of their first occurrence."""
        normalized = normalize(text)
        found = {term: first_occurrence(term, normalized) for term in self.terms}
        return tuple(sorted((term for term, at in found.items() if at >= 0), key=found.__getitem__))

    def matches(self, text: str) -> bool:
        """Whether the post matches; for one-off use (MonitorMatcher is faster for many)."""
        return self.evaluate(frozenset(self.find_terms(text)))

    def canonical(self) -> str:
        """A normalized printable form that parses back to an equal rule."""
        return self.root.render()

    def __str__(self) -> str:
        return self.canonical()


def parse_rule(text: str) -> Rule:
    """Parse a rule; raises RuleSyntaxError naming the position and what was expected."""
    if len(text) > MAX_RULE_LENGTH:
        raise RuleSyntaxError(
            f"rule is {len(text)} characters long; at most {MAX_RULE_LENGTH} are allowed",
            MAX_RULE_LENGTH,
        )
    tokens = _tokenize(text)
    if tokens[0].kind is _Kind.END:
        raise RuleSyntaxError("empty rule", 0)
    return Rule(_Parser(tokens).parse())


class _Kind(Enum):
    TERM = "term"
    AND = "AND"
    OR = "OR"
    NOT = "NOT"
    OPEN = "'('"
    CLOSE = "')'"
    END = "the end of the rule"


_STARTS_OPERAND = frozenset({_Kind.TERM, _Kind.NOT, _Kind.OPEN})


@dataclass(frozen=True, slots=True)
class _Token:
    kind: _Kind
    position: int
    term: str = ""


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    terms = 0
    index = 0
    while index < len(text):
        char = text[index]
        if char.isspace():
            index += 1
            continue
        if char in _OPENING or char in _CLOSING:
            tokens.append(_Token(_Kind.OPEN if char in _OPENING else _Kind.CLOSE, index))
            index += 1
            continue
        start = index
        if char in _QUOTES:
            raw, index = _read_phrase(text, start)
        else:
            while index < len(text) and not _ends_word(text[index]):
                index += 1
            raw = text[start:index]
            word = unicodedata.normalize("NFKC", raw)
            if word in _OPERATORS:
                tokens.append(_Token(_Kind[word], start))
                continue
        term = normalize(raw)
        if not term:
            what = "words inside the quotes" if char in _QUOTES else "a letter, digit or symbol"
            raise RuleSyntaxError(f"empty term at {start}: expected {what}", start)
        terms += 1
        if terms > MAX_TERMS:
            raise RuleSyntaxError(
                f"too many terms: at most {MAX_TERMS} are allowed, term {terms} is at {start}",
                start,
            )
        tokens.append(_Token(_Kind.TERM, start, term))
    tokens.append(_Token(_Kind.END, len(text)))
    return tokens


def _ends_word(char: str) -> bool:
    return char.isspace() or char in _OPENING or char in _CLOSING or char in _QUOTES


def _read_phrase(text: str, opening: int) -> tuple[str, int]:
    """The phrase's raw text (escapes resolved) and the index after its closing quote."""
    chars: list[str] = []
    index = opening + 1
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text) and text[index + 1] in _ESCAPABLE:
            chars.append(text[index + 1])
            index += 2
        elif char in _QUOTES:
            return "".join(chars), index + 1
        else:
            chars.append(char)
            index += 1
    raise RuleSyntaxError(f"unclosed quote at {opening}: expected a closing quote", opening)


class _Parser:
    """Recursive descent; each level returns its node and, if the node is true for a post
    containing none of its terms, the position of the NOT that makes it so."""

    def __init__(self, tokens: list[_Token]) -> None:
        self._tokens = tokens
        self._index = 0
        self._depth = 0

    @property
    def _current(self) -> _Token:
        return self._tokens[self._index]

    def parse(self) -> Node:
        self._require_operand(after=None)
        node, unbounded_at = self._any_of()
        if self._current.kind is _Kind.CLOSE:
            position = self._current.position
            raise RuleSyntaxError(f"unexpected ')' at {position}: no parenthesis is open", position)
        if unbounded_at is not None:
            raise RuleSyntaxError(
                f"NOT at {unbounded_at} leaves the rule matching posts that contain none of its "
                "terms; expected a term that must be present, as in `brand NOT spam`",
                unbounded_at,
            )
        return node

    def _advance(self) -> _Token:
        token = self._current
        self._index += 1
        return token

    def _require_operand(self, after: _Token | None) -> None:
        token = self._current
        if token.kind in _STARTS_OPERAND:
            return
        if token.kind is _Kind.END and after is None:
            raise RuleSyntaxError("empty rule", token.position)
        context = "" if after is None else f" after {after.kind.value}"
        raise RuleSyntaxError(
            f"expected a term{context} at {token.position}, found {token.kind.value}",
            token.position,
        )

    def _any_of(self) -> tuple[Node, int | None]:
        parts = [self._all_of()]
        while self._current.kind is _Kind.OR:
            self._require_operand(after=self._advance())
            parts.append(self._all_of())
        unbounded = [at for _, at in parts if at is not None]
        return _combine(Or, [node for node, _ in parts]), (unbounded[0] if unbounded else None)

    def _all_of(self) -> tuple[Node, int | None]:
        parts = [self._unary()]
        while self._current.kind in _STARTS_OPERAND or self._current.kind is _Kind.AND:
            if self._current.kind is _Kind.AND:
                self._require_operand(after=self._advance())
            parts.append(self._unary())
        unbounded = [at for _, at in parts if at is not None]
        bounded = len(unbounded) < len(parts)
        return _combine(And, [node for node, _ in parts]), (None if bounded else unbounded[0])

    def _unary(self) -> tuple[Node, int | None]:
        negations: list[int] = []
        while self._current.kind is _Kind.NOT:
            token = self._advance()
            negations.append(token.position)
            self._require_operand(after=token)
        node, unbounded_at = self._primary()
        if len(negations) % 2 == 0:
            return node, unbounded_at
        negated = node.operand if isinstance(node, Not) else Not(node)
        return negated, (negations[0] if unbounded_at is None else None)

    def _primary(self) -> tuple[Node, int | None]:
        token = self._advance()
        if token.kind is _Kind.TERM:
            return Term(token.term), None
        self._depth += 1
        if self._depth > MAX_NESTING:
            raise RuleSyntaxError(
                f"parentheses nested deeper than {MAX_NESTING} at {token.position}",
                token.position,
            )
        self._require_operand(after=token)
        inner = self._any_of()
        if self._current.kind is not _Kind.CLOSE:
            raise RuleSyntaxError(
                f"unclosed parenthesis at {token.position}: expected ')' "
                f"at {self._current.position}, found {self._current.kind.value}",
                token.position,
            )
        self._advance()
        self._depth -= 1
        return inner


def _combine(kind: type[And] | type[Or], parts: list[Node]) -> Node:
    """One node for the parts: the part itself if alone, else `kind` with nested ones flattened."""
    if len(parts) == 1:
        return parts[0]
    flat: list[Node] = []
    for part in parts:
        flat.extend(part.operands if isinstance(part, kind) else (part,))
    return kind(tuple(flat))

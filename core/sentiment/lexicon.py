"""Loading the lexicons shipped in ``core/sentiment/data`` and inside the vaderSentiment package.

Everything here reads local files only; nothing is ever downloaded. Loaders return fresh
immutable mappings and are called once per process by ``scoring``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import MappingProxyType

_EMOJI_NOISE = str.maketrans("", "", "\ufe0f\ufe0e\u200d\u2640\u2642")


@dataclass(frozen=True, slots=True)
class Term:
    """One lexicon entry: its valence on VADER's -4..4 scale, and whether it needs context."""

    weight: float
    needs_context: bool = False


def data_path(name: str) -> Path:
    """Path of a data file shipped in this package (lexicons, dev and eval sets)."""
    return Path(str(resources.files("core.sentiment") / "data" / name))


def load_terms(name: str) -> Mapping[str, Term]:
    """Read ``term<TAB>weight[<TAB>context]`` lines; ``#`` starts a comment line.

    Raises ValueError naming the line when a row is malformed, so a bad edit fails loudly.
    """
    terms: dict[str, Term] = {}
    for number, line in enumerate(data_path(name).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) not in (2, 3) or (len(fields) == 3 and fields[2] != "context"):
            raise ValueError(f"{name}:{number}: expected term<TAB>weight[<TAB>context]")
        terms[normalize_emoji(fields[0].strip().lower())] = Term(
            weight=float(fields[1]), needs_context=len(fields) == 3
        )
    return MappingProxyType(terms)


def load_modifiers(name: str) -> Mapping[str, Mapping[str, float]]:
    """Read ``word<TAB>role<TAB>factor`` lines into {role: {word: factor}}.

    Raises ValueError naming the line when a row is malformed.
    """
    roles: dict[str, dict[str, float]] = {}
    for number, line in enumerate(data_path(name).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 3:
            raise ValueError(f"{name}:{number}: expected word<TAB>role<TAB>factor")
        roles.setdefault(fields[1], {})[fields[0]] = float(fields[2])
    return MappingProxyType({role: MappingProxyType(words) for role, words in roles.items()})


def normalize_emoji(text: str) -> str:
    """Drop variation selectors, joiners and gender signs so "❤️" and "❤" look up alike."""
    return text.translate(_EMOJI_NOISE)


def emoji_valences(vader_lexicon: Mapping[str, float]) -> Mapping[str, float]:
    """Valence of every single-character emoji VADER knows, with our overrides applied.

    VADER scores an emoji by its Unicode description ("pouting face"); we sum the lexicon
    valences of those words, then let ``lexicon_emoji.tsv`` fix emoji whose social-media
    meaning differs from their name (👍, 🙄, 🤡…). Neutral emoji are left out.
    """
    valences: dict[str, float] = {}
    for line in _vader_file("emoji_utf8_lexicon.txt").splitlines():
        emoji, _, description = line.partition("\t")
        emoji = normalize_emoji(emoji)
        if len(emoji) != 1:
            continue
        valence = sum(vader_lexicon.get(word, 0.0) for word in description.lower().split())
        if valence:
            valences[emoji] = max(-3.0, min(3.0, valence))
    for emoji, term in load_terms("lexicon_emoji.tsv").items():
        valences[emoji] = term.weight
    return MappingProxyType({emoji: v for emoji, v in valences.items() if v})


def vader_lexicon() -> dict[str, float]:
    """VADER's own English lexicon, as shipped inside the vaderSentiment package."""
    lexicon: dict[str, float] = {}
    for line in _vader_file("vader_lexicon.txt").splitlines():
        fields = line.split("\t")
        if len(fields) >= 2:
            lexicon[fields[0]] = float(fields[1])
    return lexicon


def _vader_file(name: str) -> str:
    return (resources.files("vaderSentiment") / name).read_text(encoding="utf-8")

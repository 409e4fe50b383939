"""The public scoring entry points and the once-per-process model loading behind them."""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace

from core.sentiment import language
from core.sentiment.calibration import CALIBRATED, Calibration, combine
from core.sentiment.chinese import ChineseScorer
from core.sentiment.english import EnglishScorer
from core.sentiment.evidence import Evidence
from core.sentiment.lexicon import (
    emoji_valences,
    load_modifiers,
    load_terms,
    vader_lexicon,
)
from core.sentiment.result import SentimentResult, label_for


@dataclass(frozen=True, slots=True)
class Scorers:
    """Everything loaded from disk, built once; immutable and safe to share between threads."""

    chinese: ChineseScorer
    english: EnglishScorer
    emoji: dict[str, float]


_scorers: Scorers | None = None
_scorers_lock = threading.Lock()


def scorers() -> Scorers:
    """Load lexicons and models on first use (about a second), exactly once per process."""
    global _scorers
    if _scorers is None:
        with _scorers_lock:
            if _scorers is None:
                emoji = dict(emoji_valences(vader_lexicon()))
                _scorers = Scorers(
                    chinese=ChineseScorer(
                        load_terms("lexicon_zh.tsv"),
                        load_modifiers("modifiers_zh.tsv"),
                        emoji,
                    ),
                    english=EnglishScorer(load_terms("lexicon_en.tsv"), emoji),
                    emoji=emoji,
                )
    return _scorers


def evidence(text: str) -> tuple[str, tuple[Evidence, ...]]:
    """Detected language and the raw evidence of each part; what calibration tunes against."""
    loaded = scorers()
    normalized = text if text.isascii() else unicodedata.normalize("NFKC", text)
    profile = language.profile(normalized)
    lang = language.detect_language(normalized, profile)
    if lang == "zh":
        return lang, (loaded.chinese.evidence(normalized, profile.han_weight),)
    if lang == "en":
        return lang, (loaded.english.evidence(normalized, profile.latin_weight),)
    if lang == "mixed":
        parts = language.split_mixed(normalized)
        chinese = loaded.chinese.evidence(parts.chinese, profile.han_weight)
        english = loaded.english.evidence(parts.english, profile.latin_weight)
        question = chinese.question or english.question
        sarcastic = chinese.sarcastic or english.sarcastic
        return lang, tuple(
            part
            if (part.question, part.sarcastic) == (question, sarcastic)
            else replace(part, question=question, sarcastic=sarcastic)
            for part in (chinese, english)
        )
    emoji = tuple(loaded.emoji[ch] for ch in normalized if ch in loaded.emoji)
    return lang, (Evidence(lang="und", valences=emoji, emphasis=0.0, question=False, weight=1.0),)


def score(text: str, calibration: Calibration = CALIBRATED) -> SentimentResult:
    """Sentiment of one post. Never raises for any string; ``label`` always matches ``score``.

    Chinese, English and mixed Chinese/English text are scored; other languages get a score
    from their emoji only (neutral when there are none).
    """
    lang, parts = evidence(text)
    value = combine(parts, calibration)
    return SentimentResult(label=label_for(value, calibration.neutral_band), score=value, lang=lang)


def score_many(texts: Iterable[str]) -> list[SentimentResult]:
    """``score`` for each text, in order."""
    return [score(text) for text in texts]


def warm_up() -> None:
    """Load everything now (lexicons, jieba's dictionary), so the first post does not wait."""
    score("预热 warm-up")

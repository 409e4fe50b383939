"""The value every scorer returns, and the one rule that turns a score into a label."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Label(StrEnum):
    """Sentiment class of a post; values are the strings used in data files and JSON."""

    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"


@dataclass(frozen=True, slots=True)
class SentimentResult:
    """Sentiment of one text: ``score`` is in [-1, 1] and ``label`` always matches its band."""

    label: Label
    score: float
    lang: str


def label_for(score: float, neutral_band: float) -> Label:
    """Map a score to its label: neutral strictly inside (-band, band), polar at or beyond it."""
    if score <= -neutral_band:
        return Label.NEGATIVE
    if score >= neutral_band:
        return Label.POSITIVE
    return Label.NEUTRAL

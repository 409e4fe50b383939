"""Turning raw evidence into one score in [-1, 1]: the tuned constants and the combination rule.

The constants in ``CALIBRATED`` were chosen by ``core.sentiment.tuning`` on ``data/dev.jsonl``
only; the evaluation set is never used to set them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from core.sentiment.evidence import Evidence


@dataclass(frozen=True, slots=True)
class Calibration:
    """Every tunable number of the scorer, in one place."""

    neutral_band: float
    """``abs(score) < neutral_band`` is neutral."""
    zh_alpha: float
    """VADER-style normalisation s/sqrt(s²+alpha) of the Chinese valence sum."""
    en_alpha: float
    """The same for English (VADER itself uses 15)."""
    question_damping: float
    """Factor on weak terms inside an information-seeking question."""
    question_keep: float
    """Terms at least this strong (abs valence) keep their weight inside a question."""
    mixed_gain: float
    """Factor on the length-weighted average of a mixed post's parts."""
    mixed_empty_weight: float
    """Share of its length a part with no sentiment-bearing word keeps when parts are averaged."""
    sarcasm_factor: float
    """Factor on praise words in a post carrying a sarcasm marker (呵呵, 🙄): negative flips them."""


CALIBRATED = Calibration(
    neutral_band=0.2,
    zh_alpha=15.0,
    en_alpha=10.0,
    question_damping=0.3,
    question_keep=2.8,
    mixed_gain=1.75,
    mixed_empty_weight=1.0,
    sarcasm_factor=-0.5,
)


def combine(parts: Sequence[Evidence], calibration: Calibration) -> float:
    """Score of a post from its parts' evidence, averaged by their length; always in [-1, 1].

    A single part is scored alone; the parts of a mixed post are averaged by length (a part
    without sentiment words counts ``mixed_empty_weight`` of its length) and scaled by
    ``mixed_gain``, since averaging with a silent part dilutes the other.
    """
    if not parts:
        return 0.0
    if len(parts) == 1:
        return _clamp(part_score(parts[0], calibration))
    weights = [
        part.weight * (1.0 if part.valences else calibration.mixed_empty_weight) for part in parts
    ]
    total_weight = sum(weights)
    if total_weight <= 0:
        return 0.0
    weighted = sum(
        weight * part_score(part, calibration) for weight, part in zip(weights, parts, strict=True)
    )
    return _clamp(calibration.mixed_gain * weighted / total_weight)


def part_score(evidence: Evidence, calibration: Calibration) -> float:
    """Score of one script's part: its valence sum, VADER-normalised into (-1, 1)."""
    valences = evidence.valences
    if evidence.sarcastic:
        valences = tuple(v * calibration.sarcasm_factor if v > 0 else v for v in valences)
    if evidence.question:
        valences = tuple(
            v if abs(v) >= calibration.question_keep else v * calibration.question_damping
            for v in valences
        )
    total = math.fsum(valences)
    if total > 0:
        total += evidence.emphasis
    elif total < 0:
        total -= evidence.emphasis
    alpha = calibration.zh_alpha if evidence.lang == "zh" else calibration.en_alpha
    return total / math.sqrt(total * total + alpha)


def _clamp(score: float) -> float:
    if math.isnan(score):
        return 0.0
    return max(-1.0, min(1.0, score))

"""What a language scorer reads off one part of a post, before calibration turns it into a score."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Evidence:
    """Raw, uncalibrated sentiment signals of one part of a post (one script).

    ``lang`` is the scorer that read it ("zh", "en", or "und" for emoji only); ``valences``
    are the modified term valences (VADER's -4..4 scale) in text order; ``emphasis`` is the
    exclamation-mark boost, applied in the direction of the sum; ``question`` marks an
    information-seeking question; ``sarcastic`` a sarcasm marker (呵呵, 🙄) that turns praise
    words into complaints; ``weight`` is the part's length.
    """

    lang: str
    valences: tuple[float, ...]
    emphasis: float
    question: bool
    weight: float
    sarcastic: bool = False

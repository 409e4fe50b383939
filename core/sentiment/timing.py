"""Measuring scorer latency on realistic posts, so the throughput figure can be reproduced."""

from __future__ import annotations

import itertools
import statistics
import time
from collections.abc import Callable, Sequence

from core.sentiment.evaluation import dev_set_path, load_examples
from core.sentiment.result import SentimentResult
from core.sentiment.scoring import score

TYPICAL_MIN_CHARS, TYPICAL_MAX_CHARS = 30, 140


def typical_posts() -> list[str]:
    """Dev-set posts of 30–140 characters, plus pairs of same-language dev posts joined into one
    (social posts often hold two complaints), kept when 30–140 characters. Deterministic."""
    examples = load_examples(dev_set_path())
    posts = [e.text for e in examples if TYPICAL_MIN_CHARS <= len(e.text) <= TYPICAL_MAX_CHARS]
    for first, second in itertools.pairwise(examples):
        if first.lang == second.lang:
            joined = f"{first.text} {second.text}"
            if TYPICAL_MIN_CHARS <= len(joined) <= TYPICAL_MAX_CHARS:
                posts.append(joined)
    return posts


def microseconds_per_post(
    texts: Sequence[str],
    scorer: Callable[[str], SentimentResult] = score,
    rounds: int = 5,
    repeats: int = 5,
) -> float:
    """Median over ``rounds`` of the mean CPU time (µs) to score one text, after a warm-up pass.

    CPU time of this process, not wall time, so other work on the machine does not inflate it.
    """
    if not texts:
        return 0.0
    for text in texts:
        scorer(text)
    timings = []
    for _ in range(rounds):
        start = time.process_time()
        for _ in range(repeats):
            for text in texts:
                scorer(text)
        timings.append((time.process_time() - start) / (repeats * len(texts)) * 1e6)
    return statistics.median(timings)

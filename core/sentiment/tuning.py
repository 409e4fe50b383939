"""Choosing ``CALIBRATED`` on the dev set: coordinate descent over a small grid per constant.

Run ``python -m core.sentiment.tuning`` and copy the printed values into ``calibration.py``.
It reads ``data/dev.jsonl`` only, never the evaluation set. Deterministic: ties keep the
current value, and the grids are visited in a fixed order.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from core.sentiment.calibration import CALIBRATED, Calibration, combine
from core.sentiment.evaluation import Example, dev_set_path, grouped_metrics, load_examples
from core.sentiment.evidence import Evidence
from core.sentiment.result import label_for
from core.sentiment.scoring import evidence

GRID: dict[str, tuple[float, ...]] = {
    "neutral_band": (0.1, 0.125, 0.15, 0.175, 0.2, 0.225, 0.25, 0.3, 0.35, 0.4),
    "zh_alpha": (5.0, 8.0, 10.0, 12.0, 15.0, 20.0, 25.0),
    "en_alpha": (5.0, 8.0, 10.0, 12.0, 15.0, 20.0, 25.0),
    "question_damping": (0.0, 0.15, 0.3, 0.5, 0.75, 1.0),
    "question_keep": (2.0, 2.5, 2.8, 3.0, 3.5, 99.0),
    "mixed_gain": (1.0, 1.25, 1.5, 1.75, 2.0),
    "mixed_empty_weight": (0.0, 0.25, 0.5, 0.75, 1.0),
    "sarcasm_factor": (-0.74, -0.5, -0.25, 0.0, 0.5, 1.0),
}

Featurised = list[tuple[Example, str, tuple[Evidence, ...]]]


def featurise(examples: Sequence[Example]) -> Featurised:
    """Evidence of every example, computed once so each grid point only re-combines."""
    return [(example, *evidence(example.text)) for example in examples]


def objective(data: Featurised, calibration: Calibration) -> float:
    """Mean over languages of (accuracy + macro-F1) / 2; what tuning maximises."""
    predicted = [
        label_for(combine(parts, calibration), calibration.neutral_band).value
        for _, _, parts in data
    ]
    report = grouped_metrics([example for example, _, _ in data], predicted)
    per_language = [m for lang, m in report.items() if lang != "all"]
    return sum(float(m["accuracy"]) + float(m["macro_f1"]) for m in per_language) / (
        2 * len(per_language)
    )


def tune(path: Path | None = None, start: Calibration = CALIBRATED, rounds: int = 4) -> Calibration:
    """Improve one constant at a time over ``GRID`` until a full round changes nothing."""
    data = featurise(load_examples(path if path is not None else dev_set_path()))
    best, best_value = start, objective(data, start)
    for _ in range(rounds):
        changed = False
        for name, values in GRID.items():
            for value in values:
                candidate = dataclasses.replace(best, **{name: value})
                candidate_value = objective(data, candidate)
                if candidate_value > best_value + 1e-9:
                    best, best_value, changed = candidate, candidate_value, True
        if not changed:
            break
    return best


if __name__ == "__main__":
    tuned = tune()
    data = featurise(load_examples(dev_set_path()))
    print(f"dev objective {objective(data, CALIBRATED):.4f} -> {objective(data, tuned):.4f}")
    print(tuned)

"""Accuracy and macro-F1 of the scorer on a labelled JSONL set, per language and overall."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from core.sentiment.lexicon import data_path
from core.sentiment.result import Label, SentimentResult
from core.sentiment.scoring import score

LABELS: tuple[str, ...] = tuple(label.value for label in Label)


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled post."""

    text: str
    lang: str
    label: str


def eval_set_path() -> Path:
    """The shipped held-out evaluation set."""
    return data_path("eval.jsonl")


def dev_set_path() -> Path:
    """The shipped development set, the only one calibration may look at."""
    return data_path("dev.jsonl")


def load_examples(path: Path | str) -> list[Example]:
    """Read ``{"text", "lang", "label"}`` lines; raises ValueError on an unknown label."""
    examples = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if row["label"] not in LABELS:
            raise ValueError(f"unknown label {row['label']!r} in {path}")
        examples.append(Example(text=row["text"], lang=row["lang"], label=row["label"]))
    return examples


def macro_f1(gold: Sequence[str], predicted: Sequence[str]) -> float:
    """Unweighted mean of per-label F1 over the labels present in gold or predictions."""
    labels = sorted(set(gold) | set(predicted))
    if not labels:
        return 0.0
    f1_sum = 0.0
    for label in labels:
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == p == label)
        fp = sum(1 for g, p in zip(gold, predicted, strict=True) if p == label != g)
        fn = sum(1 for g, p in zip(gold, predicted, strict=True) if g == label != p)
        f1_sum += 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return f1_sum / len(labels)


def metrics(gold: Sequence[str], predicted: Sequence[str]) -> dict[str, float | int]:
    """``{"accuracy", "macro_f1", "n"}`` for one group of examples."""
    n = len(gold)
    correct = sum(1 for g, p in zip(gold, predicted, strict=True) if g == p)
    return {
        "accuracy": correct / n if n else 0.0,
        "macro_f1": macro_f1(gold, predicted),
        "n": n,
    }


def evaluate(
    path: Path | str | None = None,
    scorer: Callable[[str], SentimentResult] = score,
) -> dict[str, dict[str, float | int]]:
    """Per-language metrics (keyed by each example's labelled ``lang``) plus ``"all"``.

    Deterministic: the scorer has no randomness and languages are reported in sorted order.
    """
    examples = load_examples(path if path is not None else eval_set_path())
    predicted = [scorer(example.text).label.value for example in examples]
    return grouped_metrics(examples, predicted)


def grouped_metrics(
    examples: Sequence[Example], predicted: Iterable[str]
) -> dict[str, dict[str, float | int]]:
    """Metrics per labelled language and for all examples together."""
    pairs = list(zip(examples, predicted, strict=True))
    report: dict[str, dict[str, float | int]] = {}
    for lang in sorted({example.lang for example in examples}):
        group = [(e.label, p) for e, p in pairs if e.lang == lang]
        report[lang] = metrics([g for g, _ in group], [p for _, p in group])
    report["all"] = metrics([e.label for e, _ in pairs], [p for _, p in pairs])
    return report

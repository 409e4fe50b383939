"""``switchboard sentiment``: one JSON line per input line, and the evaluation report."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from switchboard.sentiment_cli import app


def test_score_prints_one_json_line_per_input_line() -> None:
    result = CliRunner().invoke(
        app, ["score"], input="中国移动又乱扣费了，太坑了！！！\n\nhow do I check my balance?\n"
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["label"] for line in lines] == ["negative", "neutral", "neutral"]
    assert [line["lang"] for line in lines] == ["zh", "und", "en"]
    assert all(set(line) == {"label", "score", "lang"} for line in lines)
    assert all(round(line["score"], 4) == line["score"] for line in lines)


def test_score_writes_chinese_unescaped() -> None:
    result = CliRunner().invoke(app, ["score"], input="给力\n")
    assert json.loads(result.stdout)["label"] == "positive"
    assert "\\u" not in result.stdout


def test_evaluate_prints_metrics_per_language(tmp_path: Path) -> None:
    path = tmp_path / "tiny.jsonl"
    path.write_text(
        json.dumps({"text": "太坑了", "lang": "zh", "label": "negative"}, ensure_ascii=False),
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["evaluate", str(path)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "all": {"accuracy": 1.0, "macro_f1": 1.0, "n": 1},
        "zh": {"accuracy": 1.0, "macro_f1": 1.0, "n": 1},
    }


def test_evaluate_defaults_to_the_shipped_eval_set() -> None:
    result = CliRunner().invoke(app, ["evaluate"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) == {"zh", "en", "mixed", "all"}
    assert report["all"]["n"] >= 450

"""``switchboard monitor test``: a rule tried on stdin lines, one JSON line out per line in."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from switchboard.monitor_cli import app

runner = CliRunner()


def test_prints_one_json_line_per_input_line() -> None:
    result = runner.invoke(
        app,
        ["test", "(移动 OR 10086) AND 扣费 NOT 招聘"],
        input="10086又乱扣费\n移动招聘，不扣费\n\nnothing here\n",
    )
    assert result.exit_code == 0, result.output
    assert "乱扣费" in result.stdout
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines == [
        {"match": True, "terms": ["10086", "扣费"], "text": "10086又乱扣费"},
        {"match": False, "terms": ["移动", "招聘", "扣费"], "text": "移动招聘，不扣费"},
        {"match": False, "terms": [], "text": ""},
        {"match": False, "terms": [], "text": "nothing here"},
    ]


def test_last_line_without_newline_and_crlf_lines_are_read() -> None:
    result = runner.invoke(app, ["test", '"no signal"'], input="No  Signal\r\nno signal")
    assert [json.loads(line)["text"] for line in result.stdout.splitlines()] == [
        "No  Signal",
        "no signal",
    ]
    assert all(json.loads(line)["match"] for line in result.stdout.splitlines())


def test_bad_rule_prints_the_syntax_error_and_exits_2() -> None:
    result = runner.invoke(app, ["test", "(移动 OR 10086"], input="移动\n")
    assert result.exit_code == 2
    assert "unclosed parenthesis at 0" in result.stderr
    assert result.stdout == ""


def test_not_only_rule_is_refused() -> None:
    result = runner.invoke(app, ["test", "NOT spam"], input="hello\n")
    assert result.exit_code == 2
    assert "none of its terms" in result.stderr

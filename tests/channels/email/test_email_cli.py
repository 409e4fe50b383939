"""``switchboard email parse``: one JSON line per file, errors as lines, exit status 0."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from switchboard.cli import app

CORPUS = Path(__file__).parent / "corpus"


def test_parse_prints_one_json_line_per_file_and_survives_bad_input(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.eml"
    garbage.write_bytes(bytes(range(256)) * 4)
    missing = tmp_path / "no-such-dir" / "x.eml"
    files = [CORPUS / "qqmail_reply.eml", CORPUS / "dsn_bounce_standard.eml", garbage, missing]

    result = CliRunner().invoke(app, ["email", "parse", *map(str, files)])

    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["file"] for line in lines] == [str(path) for path in files]
    qq, bounce, junk, error = lines
    assert qq["from"] == "123456789@qq.com"
    assert qq["text"] == "好的，我明天上午在公司等快递。"
    assert qq["in_reply_to"] == "<sb-3001-2@acme.example>"
    assert {"to", "subject", "message_id", "attachments", "charset_errors"} <= qq.keys()
    assert bounce["is_bounce"] is True
    assert bounce["auto_submitted"] is True
    assert isinstance(junk["text"], str)
    assert "error" in error


def test_parse_expands_a_directory(tmp_path: Path) -> None:
    (tmp_path / "a.eml").write_bytes(b"Subject: one\r\n\r\nbody")
    (tmp_path / "b.eml").write_bytes(b"Subject: two\r\n\r\nbody")
    result = CliRunner().invoke(app, ["email", "parse", str(tmp_path)])
    assert result.exit_code == 0
    assert [json.loads(line)["subject"] for line in result.stdout.splitlines()] == ["one", "two"]

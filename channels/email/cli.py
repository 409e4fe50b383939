"""``switchboard email ...``: look at raw mail the way the email channel will see it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from channels.email.parsing import ParsedEmail, parse_email

app = typer.Typer(help="Email channel tools.", no_args_is_help=True)


@app.callback()
def email_tools() -> None:
    """Email channel tools."""


@app.command("parse")
def parse_command(
    files: Annotated[list[str], typer.Argument(help="raw .eml files or directories; - for stdin")],
) -> None:
    """Print one JSON line per message; unreadable paths give an "error" line, exit status 0."""
    for name in files:
        for path, raw, error in _read_all(name):
            if error is not None:
                typer.echo(json.dumps({"file": path, "error": error}, ensure_ascii=False))
                continue
            try:
                summary = _summary(path, parse_email(raw))
            except Exception as exc:  # parse_email promises not to raise; the batch still goes on
                summary = {"file": path, "error": f"{type(exc).__name__}: {exc}"}
            typer.echo(json.dumps(summary, ensure_ascii=False))


def _read_all(name: str) -> list[tuple[str, bytes, str | None]]:
    """(path, bytes, error) for a file, each file of a directory, or stdin."""
    if name == "-":
        return [("-", sys.stdin.buffer.read(), None)]
    path = Path(name)
    if path.is_dir():
        children = sorted(child for child in path.iterdir() if child.is_file())
        return [entry for child in children for entry in _read_all(str(child))]
    try:
        return [(name, path.read_bytes(), None)]
    except OSError as exc:
        return [(name, b"", exc.strerror or type(exc).__name__)]


def _summary(path: str, parsed: ParsedEmail) -> dict[str, Any]:
    return {
        "file": path,
        "from": parsed.from_address,
        "from_name": parsed.from_name,
        "to": list(parsed.to),
        "cc": list(parsed.cc),
        "subject": parsed.subject,
        "date": parsed.date.isoformat() if parsed.date else None,
        "message_id": parsed.message_id,
        "in_reply_to": parsed.in_reply_to,
        "references": list(parsed.references),
        "text": parsed.new_text,
        "attachments": len(parsed.attachments),
        "charset_errors": parsed.charset_errors,
        "auto_submitted": parsed.auto_submitted,
        "is_bounce": parsed.is_bounce,
        "bounced_message_id": parsed.bounced_message_id,
        "bounce_reason": parsed.bounce_reason,
        "conversation_number": parsed.conversation_number,
        "defects": list(parsed.defects),
    }

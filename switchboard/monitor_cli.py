"""``switchboard monitor ...``: try a monitor rule on sample posts before saving it."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from core.monitors.rules import RuleSyntaxError, parse_rule

app = typer.Typer(help="Monitor rule tools.", no_args_is_help=True)


@app.callback()
def monitor_tools() -> None:
    """Monitor rule tools."""


@app.command("test")
def try_rule(
    rule: Annotated[str, typer.Argument(help="a rule, e.g. '(移动 OR 10086) AND 投诉 NOT 招聘'")],
) -> None:
    """Match each stdin line against RULE; print one JSON line each: match, terms found, text.

    "terms" lists every term of the rule found in the line, negated ones too, so a line that
    fails shows what excluded it. A rule that does not parse exits with status 2.
    """
    try:
        parsed = parse_rule(rule)
    except RuleSyntaxError as exc:
        typer.echo(f"invalid rule: {exc}", err=True)
        raise typer.Exit(2) from exc
    for line in sys.stdin:
        text = line.removesuffix("\n").removesuffix("\r")
        found = parsed.find_terms(text)
        verdict = parsed.evaluate(frozenset(found))
        typer.echo(
            json.dumps({"match": verdict, "terms": list(found), "text": text}, ensure_ascii=False)
        )

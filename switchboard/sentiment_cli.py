"""``switchboard sentiment ...``: score posts from stdin, and measure accuracy and speed."""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="Offline sentiment of Chinese, English and mixed posts.", no_args_is_help=True
)


@app.callback()
def sentiment_tools() -> None:
    """Offline sentiment of Chinese, English and mixed posts."""


@app.command("score")
def score_lines() -> None:
    """Score each stdin line; print one JSON line each: label, score (4 places), lang.

    Streams: each result is written and flushed as soon as its line is read, so it works in a
    pipe. An empty line gives a neutral result.
    """
    from core.sentiment import score

    for line in sys.stdin:
        result = score(line.removesuffix("\n").removesuffix("\r"))
        typer.echo(
            json.dumps(
                {"label": result.label.value, "score": round(result.score, 4), "lang": result.lang},
                ensure_ascii=False,
            )
        )


@app.command("evaluate")
def evaluate_set(
    path: Annotated[
        Path | None,
        typer.Argument(help="labelled JSONL (text, lang, label); default: the shipped eval set"),
    ] = None,
) -> None:
    """Print accuracy, macro-F1 and count per language, and for all, as one JSON line."""
    from core.sentiment.evaluation import evaluate

    report = evaluate(path)
    typer.echo(json.dumps(report, ensure_ascii=False, sort_keys=True))


@app.command("benchmark")
def benchmark() -> None:
    """Print the mean microseconds to score one typical (30–140 character) post on one core."""
    from core.sentiment.timing import microseconds_per_post, typical_posts

    posts = typical_posts()
    typer.echo(
        json.dumps(
            {
                "us_per_post": round(microseconds_per_post(posts), 1),
                "posts": len(posts),
                "median_chars": statistics.median(len(post) for post in posts),
            }
        )
    )


if __name__ == "__main__":
    app()

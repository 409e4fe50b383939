"""What a post says and whom it concerns: sentiment, the monitors it matches, watch terms.

Pure CPU work on detached values, done before the transaction opens so that the database
locks are held only for the writes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from core import sentiment
from core.models.social import SentimentLabel
from core.social.incoming import IncomingPost
from core.social.monitor_set import MonitorSet


@dataclass(frozen=True, slots=True)
class MonitorMatch:
    monitor_id: uuid.UUID
    terms: tuple[str, ...]
    watch_terms: tuple[str, ...]
    influential: bool


@dataclass(frozen=True, slots=True)
class AnalysedPost:
    post: IncomingPost
    language: str
    sentiment_score: float
    sentiment_label: SentimentLabel
    matches: tuple[MonitorMatch, ...]

    @property
    def negative(self) -> bool:
        return self.sentiment_label is SentimentLabel.NEGATIVE

    @property
    def matched_terms(self) -> list[str]:
        return sorted({t for m in self.matches for t in m.terms})


def analyse(post: IncomingPost, monitors: MonitorSet) -> AnalysedPost:
    """Score and match one post; deterministic for the same text and monitors."""
    scored = sentiment.score(post.text)
    language = post.language or scored.lang
    label = SentimentLabel(str(scored.label))
    negative = label is SentimentLabel.NEGATIVE
    matches: list[MonitorMatch] = []
    if post.text:
        found = monitors.matcher.match(post.text)
        watch_found = monitors.watch_matcher.match(post.text) if found.keys else None
        for monitor_id in found.keys:
            spec = monitors.specs[monitor_id]
            if not spec.admits(network=post.network.value, language=language):
                continue
            watch_terms = (
                tuple(sorted(watch_found.terms.get(monitor_id, ())))
                if watch_found is not None
                else ()
            )
            matches.append(
                MonitorMatch(
                    monitor_id=monitor_id,
                    terms=tuple(sorted(found.terms.get(monitor_id, ()))),
                    watch_terms=watch_terms,
                    influential=negative and post.author_followers >= spec.influencer_followers,
                )
            )
    return AnalysedPost(
        post=post,
        language=language,
        sentiment_score=float(scored.score),
        sentiment_label=label,
        matches=tuple(sorted(matches, key=lambda m: m.monitor_id)),
    )

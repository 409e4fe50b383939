"""Offline sentiment scoring of short Chinese, English and mixed social posts about carriers and
media services, from lexicons and models shipped in installed packages and in ``data/``."""

from core.sentiment.result import Label, SentimentResult
from core.sentiment.scoring import score, score_many, warm_up

__all__ = ["Label", "SentimentResult", "score", "score_many", "warm_up"]

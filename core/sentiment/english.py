"""English scorer: VADER's rules over VADER's lexicon extended with telecom/media vocabulary.

Multi-word domain phrases ("dropped calls", "on hold for an hour") are rewritten into single
lexicon tokens before VADER runs, so its negation ("no dropped calls"), boosters ("very slow"),
capitals ("OVERCHARGED") and "but" rules apply to them exactly as to its own words.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping

from vaderSentiment.vaderSentiment import BOOSTER_DICT, SentimentIntensityAnalyzer, SentiText

from core.sentiment.evidence import Evidence
from core.sentiment.lexicon import Term

_QUESTION_OPENERS = frozenset(
    (
        *("how", "what", "what's", "whats", "where", "when", "which", "who", "does", "do"),
        *("did", "is", "are", "can", "could", "should", "will", "would", "any", "anyone"),
        *("anybody", "has", "have", "need", "wondering"),
    )
)
_COMPLAINT_MARKERS = ("why ", "how come", "how is ", "seriously", "what is this", "wtf")
_SARCASM_MARKERS = ("🙄", "🙃", "/s", "yeah right", "thanks a lot", "oh great", "just great")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_EXCLAMATION_BOOST, _MAX_EXCLAMATIONS = 0.292, 4


class _DomainVader(SentimentIntensityAnalyzer):
    """VADER that returns per-word valences instead of a rounded compound score."""

    def word_valences(self, text: str) -> list[float]:
        sentitext = SentiText(text)
        words = sentitext.words_and_emoticons
        sentiments: list[float] = []
        for i, item in enumerate(words):
            lowered = item.lower()
            if lowered in BOOSTER_DICT or (
                lowered == "kind" and i + 1 < len(words) and words[i + 1].lower() == "of"
            ):
                sentiments.append(0.0)
                continue
            sentiments = self.sentiment_valence(0.0, sentitext, item, i, sentiments)
        return list(self._but_check(words, sentiments))


class EnglishScorer:
    """Reads sentiment evidence off English text; build once per process.

    ``evidence`` is thread-safe: after construction the scorer is never mutated.
    """

    def __init__(self, terms: Mapping[str, Term], emoji_valences: Mapping[str, float]) -> None:
        self._vader = _DomainVader()
        self._emoji = emoji_valences
        self._phrases_by_first_word: dict[str, list[tuple[int, str]]] = {}
        for term, entry in terms.items():
            words = term.split()
            if len(words) == 1:
                if entry.weight:
                    self._vader.lexicon[term] = entry.weight
                else:
                    self._vader.lexicon.pop(term, None)
                continue
            token = phrase_token(term)
            self._vader.lexicon[token] = entry.weight
            self._phrases_by_first_word.setdefault(words[0], []).append((len(words), term))
        for phrases in self._phrases_by_first_word.values():
            phrases.sort(reverse=True)

    def evidence(self, text: str, weight: float) -> Evidence:
        """Word valences, emphasis and question flag for one English text."""
        text = text.replace("’", "'")
        sarcastic = any(marker in text.lower() for marker in _SARCASM_MARKERS)
        emoji = [self._emoji[ch] for ch in text if ch in self._emoji]
        if emoji:
            text = "".join(" " if ch in self._emoji else ch for ch in text)
        rewritten = self._collapse_phrases(text)
        valences = self._vader.word_valences(rewritten) if rewritten.strip() else []
        return Evidence(
            lang="en",
            valences=(*(v for v in valences if v), *emoji),
            emphasis=_punctuation_emphasis(text),
            question=_is_information_question(text),
            weight=weight,
            sarcastic=sarcastic,
        )

    def _collapse_phrases(self, text: str) -> str:
        words = text.split()
        keys = [w.strip(string.punctuation).lower() for w in words]
        out: list[str] = []
        i = 0
        while i < len(words):
            for length, phrase in self._phrases_by_first_word.get(keys[i], ()):
                if " ".join(keys[i : i + length]) == phrase:
                    original = words[i : i + length]
                    token = phrase_token(phrase)
                    if all(w.isupper() for w in original if any(c.isalpha() for c in w)):
                        token = token.upper()
                    out.append(token + _trailing_punctuation(original[-1]))
                    i += length
                    break
            else:
                out.append(words[i])
                i += 1
        return " ".join(out)


def phrase_token(phrase: str) -> str:
    """The single lexicon token a multi-word phrase is rewritten to ("dropped calls" → droppedcalls)."""
    return "zz" + _NON_WORD.sub("", phrase.lower())


def _trailing_punctuation(word: str) -> str:
    return word[len(word.rstrip(string.punctuation)) :]


def _punctuation_emphasis(text: str) -> float:
    """VADER's boost for '!' (and for '??'), applied later in the direction of the sum."""
    exclamations = min(text.count("!"), _MAX_EXCLAMATIONS) * _EXCLAMATION_BOOST
    questions = text.count("?")
    question_boost = 0.0 if questions <= 1 else (questions * 0.18 if questions <= 3 else 0.96)
    return exclamations + question_boost


def _is_information_question(text: str) -> bool:
    """ "how do I check my balance?" asks; "why is my internet slower than 2015?" complains."""
    lowered = text.lower().lstrip()
    words = lowered.split(maxsplit=1)
    if not words:
        return False
    opener = words[0].strip(string.punctuation)
    asks = opener in _QUESTION_OPENERS or (lowered.rstrip().endswith("?") and opener != "why")
    return asks and not any(marker in lowered for marker in _COMPLAINT_MARKERS)

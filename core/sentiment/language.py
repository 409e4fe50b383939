"""Script-based language detection, and splitting a code-switched post into its two parts.

Detection only counts scripts (Han → zh, kana → ja, Hangul → ko, Latin → en unless a handful of
function words say otherwise); it is cheap, deterministic and good enough to route a post to the
right scorer. It never raises, for any string.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LATIN_WORD_WEIGHT = 1.5
"""How many Han characters one Latin-script word is worth when weighing the two parts of a post."""

MIXED_MIN_SHARE = 0.2
"""A post is "mixed" when the smaller of its Han and Latin parts carries at least this share."""

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef]")
_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef]+")
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]{2,}")
_LATIN_RUN = re.compile(r"[A-Za-z\u00c0-\u024f][A-Za-z\u00c0-\u024f0-9'’+&\-]*")
_URL_OR_MENTION = re.compile(r"https?://\S+|www\.\S+|@\w+")
_OTHER_SCRIPTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("ar", re.compile(r"[\u0600-\u06ff]")),
    ("he", re.compile(r"[\u0590-\u05ff]")),
    ("el", re.compile(r"[\u0370-\u03ff]")),
    ("th", re.compile(r"[\u0e00-\u0e7f]")),
    ("hi", re.compile(r"[\u0900-\u097f]")),
)


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": _word_set("the and is are was my you it to of in for on with this that not have i me"),
    "es": _word_set("el la los las que de y en un una por con para es muy pero mi"),
    "fr": _word_set("le la les des est une et pour avec pas que qui je mon très mais"),
    "de": _word_set("der die das und ist nicht ein eine ich mit für auf sehr aber mein"),
    "pt": _word_set("o os as que de e em um uma para com não muito mas meu"),
    "it": _word_set("il lo gli che di e un una per con non sono molto ma mio"),
}
_CHINESE_TO_ENGLISH_MODIFIERS = (
    (("非常", "超级", "特别", "真的", "太", "很", "超", "好", "真", "巨"), "very"),
    (("不是", "没有", "并不", "从不", "从没", "毫无", "不", "没", "别", "未", "无"), "not"),
)
_MODIFIER_LAST_CHARS = frozenset(
    ending[-1] for endings, _ in _CHINESE_TO_ENGLISH_MODIFIERS for ending in endings
)
_ENGLISH_TO_CHINESE_MODIFIERS = {
    "not": "不",
    "no": "没",
    "never": "从没",
    "very": "很",
    "so": "很",
    "super": "超",
    "really": "很",
    "too": "太",
}


@dataclass(frozen=True, slots=True)
class ScriptProfile:
    """How much of a text is in each script that matters for scoring."""

    han_chars: int
    latin_words: int
    kana_chars: int
    hangul_chars: int

    @property
    def han_weight(self) -> float:
        """Length of the Chinese part, in Han characters."""
        return float(self.han_chars)

    @property
    def latin_weight(self) -> float:
        """Length of the Latin-script part, in Han-character equivalents."""
        return self.latin_words * LATIN_WORD_WEIGHT


@dataclass(frozen=True, slots=True)
class MixedParts:
    """A code-switched post cut into what the Chinese and the English scorer should each read."""

    chinese: str
    english: str


def profile(text: str) -> ScriptProfile:
    """Count Han characters, Latin words (URLs and @mentions excluded), kana and Hangul."""
    if text.isascii():
        return ScriptProfile(0, len(_LATIN_WORD.findall(_URL_OR_MENTION.sub(" ", text))), 0, 0)
    return ScriptProfile(
        han_chars=len(_HAN.findall(text)),
        latin_words=len(_LATIN_WORD.findall(_URL_OR_MENTION.sub(" ", text))),
        kana_chars=len(_KANA.findall(text)),
        hangul_chars=len(_HANGUL.findall(text)),
    )


def detect_language(text: str, script_profile: ScriptProfile | None = None) -> str:
    """Return "zh", "en", "mixed", another ISO 639-1 code, or "und" when no script is found."""
    counts = script_profile if script_profile is not None else profile(text)
    if counts.kana_chars >= 2 and counts.kana_chars * 10 >= counts.han_chars + counts.kana_chars:
        return "ja"
    if counts.hangul_chars >= 2 and counts.hangul_chars >= counts.han_chars:
        return "ko"
    han, latin = counts.han_weight, counts.latin_weight
    if han + latin == 0:
        return _other_script(text)
    substantial_both = counts.han_chars >= 2 and counts.latin_words >= 2
    if substantial_both and min(han, latin) / (han + latin) >= MIXED_MIN_SHARE:
        return "mixed"
    if han >= latin:
        return "zh"
    return _latin_language(text)


def split_mixed(text: str) -> MixedParts:
    """Cut a code-switched post into its Chinese and its Latin-script part.

    Each part keeps its punctuation, and a negator or intensifier that sits at the edge of the
    other script is carried across ("没有 dropped calls" → "not dropped calls"), so modifiers
    still reach the term they modify.
    """
    return MixedParts(
        chinese=" ".join(_LATIN_RUN.sub(_latin_run_for_chinese, text).split()),
        english=_HAN_RUN.sub(_han_run_for_english, text),
    )


def _han_run_for_english(match: re.Match[str]) -> str:
    run, carried = match.group(0), []
    if run[-1] not in _MODIFIER_LAST_CHARS:
        return " "
    for endings, english in _CHINESE_TO_ENGLISH_MODIFIERS:
        ending = next((e for e in endings if run.endswith(e)), None)
        if ending is not None:
            carried.append(english)
            run = run[: -len(ending)]
    return f" {' '.join(reversed(carried))} " if carried else " "


def _latin_run_for_chinese(match: re.Match[str]) -> str:
    return _ENGLISH_TO_CHINESE_MODIFIERS.get(match.group(0).lower(), " ")


def _other_script(text: str) -> str:
    best, best_count = "und", 0
    for code, pattern in _OTHER_SCRIPTS:
        count = len(pattern.findall(text))
        if count > best_count:
            best, best_count = code, count
    if best == "ru" and re.search(r"[іїєґІЇЄҐ]", text):
        return "uk"
    return best


def _latin_language(text: str) -> str:
    words = set(text.lower().split())
    english_hits = len(words & _FUNCTION_WORDS["en"])
    best, best_hits = "en", english_hits
    for code, function_words in _FUNCTION_WORDS.items():
        hits = len(words & function_words)
        if code != "en" and hits >= 2 and hits > best_hits:
            best, best_hits = code, hits
    return best

"""Chinese scorer: segmentation over jieba's dictionary and the domain lexicon, with negation,
intensity, contrast, questions and sarcasm.

Rules follow VADER's shape so both languages yield comparable valences: a negator within three
words before a term flips and dampens it (不满意, 没有任何刁难), an intensifier scales it (太坑,
有点慢), a suffix strengthens it (烦死了, 差到极点), and after a contrast word (但是, 结果) the
clause that follows counts more. The modifier words live in ``data/modifiers_zh.tsv``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

from core.sentiment.evidence import Evidence
from core.sentiment.lexicon import Term
from core.sentiment.segmentation import Segmenter

NEGATION_SCALAR = -0.74
"""VADER's factor for a negated term: flips polarity and dampens it."""

_REMOVED_AFTER = ("没了", "没有了", "去掉了", "消失了", "不见了")
_PARTICLES = "了的啊呀啦吧呢哦"
_SARCASM_MARKERS = ("呵呵", "真是谢谢", "谢谢你们啊", "[微笑]", "🙄", "🙃")
_CONTEXT_BEFORE_EXTRA = frozenset("就都会也还变老")
_CONTEXT_AFTER = frozenset(
    ("了", "顿", "死", "死了", "成", "住", "得", "到", "爆", "爆了", "出", "在")
)
_CLAUSE_BOUNDARIES = frozenset(",.!?;:。…~、\n\r\t()[]{}<>《》「」『』【】")
_INFO_QUESTION_CUES = (
    *("请问", "怎么", "如何", "哪里", "哪个", "哪家", "哪些", "多少", "几天", "是否", "能不能"),
    *("可不可以", "可以吗", "有没有", "有谁", "有人知道", "有人用过", "求推荐", "求助", "想问"),
    *("要不要", "需不需要", "吗", "咨询"),
)
_COMPLAINT_QUESTION_CUES = (
    *("怎么又", "怎么还", "怎么这么", "怎么回事", "为什么", "为啥", "凭什么", "搞什么"),
    *("什么鬼", "说理", "是什么", "哪有", "有病", "什么意思", "搞啥"),
)
_BRACKET_EMOTICON = re.compile(r"\[[^\[\]\s]{1,5}\]")
_MAX_TERM_TOKENS = 3
_LOOKBACK = 3
_INTENSIFIER_REACH = 2
_CONTRAST_BEFORE = 0.5
_EXCLAMATION_BOOST, _MAX_EXCLAMATIONS = 0.292, 4


class ChineseScorer:
    """Reads sentiment evidence off Chinese text; build once per process (loading takes ~1 s).

    ``evidence`` is thread-safe: after construction the scorer is never mutated.
    """

    def __init__(
        self,
        terms: Mapping[str, Term],
        modifiers: Mapping[str, Mapping[str, float]],
        emoji_valences: Mapping[str, float],
    ) -> None:
        import jieba  # imported here: its import alone loads HMM tables (~0.2 s)

        jieba.setLogLevel(logging.WARNING)
        self._terms = dict(terms)
        self._term_prefixes = frozenset(term[:k] for term in terms for k in range(1, len(term)))
        self._negators = modifiers["negator"]
        self._intensifiers = modifiers["intensifier"]
        self._recurrence = modifiers["recurrence"]
        self._suffixes = modifiers["suffix"]
        self._contrast = modifiers["contrast"]
        self._removable = frozenset(modifiers["removable"])
        self._glued = frozenset([*self._negators, *self._intensifiers, *self._recurrence])
        self._context_before = self._glued | _CONTEXT_BEFORE_EXTRA
        self._glued_first_chars = frozenset(word[0] for word in self._glued)
        self._emoji = emoji_valences
        tokenizer = jieba.Tokenizer()
        tokenizer.initialize()
        for word in [*terms, *self._glued, *self._suffixes, *self._contrast]:
            if len(word) >= 2 and not word.startswith("["):
                tokenizer.add_word(word)
        self._segmenter = Segmenter(tokenizer)

    def tokens(self, text: str) -> list[str]:
        """Segment lower-cased text into words, dropping whitespace."""
        return self._segmenter.words(text.lower())

    def evidence(self, text: str, weight: float) -> Evidence:
        """Term valences, emphasis, and question and sarcasm flags for one Chinese text."""
        lowered = text.lower()
        extra: list[float] = []
        if "[" in lowered:
            extra.extend(self._bracket_emoticons(lowered))
            lowered = _BRACKET_EMOTICON.sub(",", lowered)
        extra.extend(self._emoji[ch] for ch in lowered if ch in self._emoji)
        return Evidence(
            lang="zh",
            valences=(*self._scan(self.tokens(lowered)), *extra),
            emphasis=min(lowered.count("!"), _MAX_EXCLAMATIONS) * _EXCLAMATION_BOOST,
            question=_is_information_question(lowered),
            weight=weight,
            sarcastic=any(marker in lowered for marker in _SARCASM_MARKERS),
        )

    def _bracket_emoticons(self, text: str) -> list[float]:
        found = (self._terms.get(m.group(0)) for m in _BRACKET_EMOTICON.finditer(text))
        return [term.weight for term in found if term is not None and term.weight]

    def _scan(self, tokens: list[str]) -> list[float]:
        valences: list[float] = []
        contrast: tuple[int, float] | None = None
        clause_start, i = 0, 0
        while i < len(tokens):
            token = tokens[i]
            if token in _CLAUSE_BOUNDARIES:
                clause_start, i = i + 1, i + 1
                continue
            if token in self._contrast and contrast is None and valences:
                contrast = (len(valences), self._contrast[token])
            matched = self._match(tokens, i, clause_start)
            if matched is None:
                i += 1
                continue
            span, word, term, glued_modifier = matched
            if term.weight:
                valences.append(
                    self._modified(tokens, i, span, clause_start, word, term.weight, glued_modifier)
                )
            i += span
        if contrast is not None:
            at, after = contrast
            valences = [v * (_CONTRAST_BEFORE if k < at else after) for k, v in enumerate(valences)]
        return valences

    def _match(
        self, tokens: list[str], i: int, clause_start: int
    ) -> tuple[int, str, Term, str | None] | None:
        """Longest lexicon term starting at token i, spanning up to three tokens of one clause.

        Returns (span, term, entry, glued modifier); a single token the segmenter merged with a
        modifier or particle (太烦, 好慢啊) is split back into modifier + term.
        """
        token = tokens[i]
        if token not in self._terms and token not in self._term_prefixes:
            return self._split_glued(token)
        candidates = [token]
        for k in range(i + 1, min(i + _MAX_TERM_TOKENS, len(tokens))):
            if candidates[-1] not in self._term_prefixes or tokens[k] in _CLAUSE_BOUNDARIES:
                break
            candidates.append(candidates[-1] + tokens[k])
        for span in range(len(candidates), 0, -1):
            word = candidates[span - 1]
            term = self._terms.get(word)
            if term is None:
                continue
            if term.needs_context and not self._has_context(tokens, i, span, clause_start):
                continue
            if span == 1 and self._modifies_next_term(tokens, i):
                return None
            return span, word, term, None
        return self._split_glued(tokens[i])

    def _split_glued(self, token: str) -> tuple[int, str, Term, str | None] | None:
        if len(token) < 2 or (
            token[0] not in self._glued_first_chars and token[-1] not in _PARTICLES
        ):
            return None
        word = token.rstrip(_PARTICLES) if len(token) > 2 else token
        if word != token and (term := self._terms.get(word)) is not None and not term.needs_context:
            return 1, word, term, None
        for cut in (1, 2, 3):
            prefix, rest = word[:cut], word[cut:]
            if rest and prefix in self._glued and (term := self._terms.get(rest)) is not None:
                return 1, rest, term, prefix
        return None

    def _has_context(self, tokens: list[str], i: int, span: int, clause_start: int) -> bool:
        """卡 in 很卡/卡了 is a complaint; alone (这张卡) it is a SIM card."""
        before = tokens[i - 1] if i - 1 >= clause_start else ""
        after = tokens[i + span] if i + span < len(tokens) else ""
        return before in self._context_before or after in _CONTEXT_AFTER

    def _modifies_next_term(self, tokens: list[str], i: int) -> bool:
        """好/真/超 before a term are intensifiers (好慢), not praise (信号好)."""
        if tokens[i] not in self._intensifiers or i + 1 >= len(tokens):
            return False
        following = self._terms.get(tokens[i + 1])
        return following is not None and following.weight != 0

    def _modified(
        self,
        tokens: list[str],
        i: int,
        span: int,
        clause_start: int,
        term_word: str,
        weight: float,
        glued_modifier: str | None,
    ) -> float:
        """Valence of the term at tokens[i:i+span] after negators, intensifiers and suffixes.

        ``glued_modifier`` is a modifier the segmenter merged into the term (太烦 → 太 + 烦);
        it acts as the word right before the term.
        """
        valence, scale = weight, 1.0
        before = [glued_modifier] if glued_modifier else []
        before += [tokens[k] for k in range(i - 1, max(clause_start, i - _LOOKBACK) - 1, -1)]
        for distance, word in enumerate(before[:_LOOKBACK], 1):
            earlier = self._terms.get(word)
            if earlier is not None and earlier.weight and word not in self._intensifiers:
                break
            if word in self._negators:
                valence *= self._negators[word]
            elif word in self._intensifiers and distance <= _INTENSIFIER_REACH:
                scale *= _decayed(self._intensifiers[word], distance)
            elif word in self._recurrence and distance <= _INTENSIFIER_REACH and weight < 0:
                scale *= _decayed(self._recurrence[word], distance)
        after = tokens[i + span : i + span + 3]
        if after:
            suffix = self._suffixes.get(after[0]) or self._suffixes.get("".join(after[:2]))
            if suffix:
                scale *= suffix
        if term_word in self._removable and "".join(after).lstrip("也都").startswith(
            _REMOVED_AFTER
        ):
            valence *= NEGATION_SCALAR
        return valence * scale


def _decayed(factor: float, distance: int) -> float:
    """An intensifier two words away counts a little less, like VADER's 0.95."""
    return factor if distance == 1 else 1 + (factor - 1) * 0.8


def _is_information_question(text: str) -> bool:
    """Questions that ask for information (怎么查话费?), not rhetorical complaints (凭什么扣费?)."""
    asks = any(cue in text for cue in _INFO_QUESTION_CUES) or (
        "还是" in text and text.rstrip().endswith("?")
    )
    return asks and not any(cue in text for cue in _COMPLAINT_QUESTION_CUES)

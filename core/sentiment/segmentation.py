"""Word segmentation over jieba's dictionary, giving exactly ``jieba.lcut(text, HMM=False)``
minus whitespace, about three times faster.

jieba builds a DAG of dictionary words for each block and then a max-probability route over it
in a second pass through generators; we fuse both into one backward pass per block. The words,
frequencies (including words added with ``add_word``) and tie-breaking are jieba's, and
``tests/sentiment`` checks the output against jieba itself.
"""

from __future__ import annotations

import math
import re
from typing import Any

_BLOCK = re.compile(r"[\u4E00-\u9FD5a-zA-Z0-9+#&\._%\-]+|\S")
_SINGLE_ALNUM = re.compile(r"[a-zA-Z0-9]")


class Segmenter:
    """Segments text with a loaded ``jieba.Tokenizer``'s dictionary; read-only, thread-safe.

    Build it after every ``add_word`` call: it captures the dictionary's total frequency.
    """

    def __init__(self, tokenizer: Any) -> None:
        tokenizer.check_initialized()
        self._freq: dict[str, int] = tokenizer.FREQ
        self._log_total = math.log(tokenizer.total)

    def words(self, text: str) -> list[str]:
        """Dictionary words of ``text`` in order, whitespace dropped."""
        words: list[str] = []
        for block in _BLOCK.findall(text):
            if len(block) == 1:
                words.append(block)
            else:
                self._segment_block(block, words)
        return words

    def _segment_block(self, block: str, out: list[str]) -> None:
        freq, log_total, log = self._freq, self._log_total, math.log
        n = len(block)
        route = [0.0] * (n + 1)
        ends = [0] * n
        for start in range(n - 1, -1, -1):
            best, best_end = -math.inf, -1
            end, fragment = start + 1, block[start]
            while fragment in freq:
                count = freq[fragment]
                if count:
                    candidate = log(count) - log_total + route[end]
                    if candidate >= best:
                        best, best_end = candidate, end
                if end >= n:
                    break
                end += 1
                fragment = block[start:end]
            if best_end < 0:
                best, best_end = -log_total + route[start + 1], start + 1
            route[start], ends[start] = best, best_end
        ascii_run = ""
        start = 0
        while start < n:
            word = block[start : ends[start]]
            start = ends[start]
            if len(word) == 1 and _SINGLE_ALNUM.match(word):
                ascii_run += word
                continue
            if ascii_run:
                out.append(ascii_run)
                ascii_run = ""
            out.append(word)
        if ascii_run:
            out.append(ascii_run)

"""For any text at all the scorer returns a score in [-1, 1] whose band matches its label."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.sentiment import Label, score
from core.sentiment.calibration import CALIBRATED

_pieces = st.sampled_from(
    [
        *"不没很太又坑卡慢好差骗给力满意点赞扣费掉线信号!?！？，。 🙄😡👍",
        *["乱扣费", "dropped calls", " not ", " very ", "no ", "great", "呵呵", "请问", "怎么"],
    ]
)
_posts = st.lists(_pieces, max_size=30).map("".join)


def _assert_consistent(text: str) -> None:
    result = score(text)
    assert -1.0 <= result.score <= 1.0
    band = CALIBRATED.neutral_band
    expected = (
        Label.NEGATIVE
        if result.score <= -band
        else Label.POSITIVE
        if result.score >= band
        else Label.NEUTRAL
    )
    assert result.label is expected
    assert isinstance(result.lang, str) and result.lang


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_any_unicode_text_scores_in_range_with_matching_label(text: str) -> None:
    _assert_consistent(text)


@settings(max_examples=300, deadline=None)
@given(_posts)
def test_dense_sentiment_text_scores_in_range_with_matching_label(text: str) -> None:
    _assert_consistent(text)

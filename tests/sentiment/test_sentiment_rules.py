"""Domain vocabulary, negation, intensity, questions and mixed posts are scored as people mean them."""

from __future__ import annotations

import dataclasses

import pytest

from core.sentiment import Label, SentimentResult, score, score_many


@pytest.mark.parametrize(
    "text",
    [
        "又乱扣费了",
        "掉线",
        "没信号",
        "信号差",
        "网速慢",
        "断网",
        "套路",
        "坑",
        "骗子",
        "垃圾",
        "销户难",
        "客服打不通",
        "dropped calls all day, overcharged again",
        "no signal at home",
        "hidden fees everywhere",
        "another outage",
        "what a ripoff",
        "on hold for an hour",
        "I want to cancel my contract",
    ],
)
def test_complaint_vocabulary_is_negative(text: str) -> None:
    assert score(text).label is Label.NEGATIVE


@pytest.mark.parametrize(
    "text",
    [
        "给力",
        "满意",
        "点赞",
        "好评",
        "5G网速真给力",
        "great service",
        "fixed quickly, thank you!",
        "the outage was fixed quickly",
    ],
)
def test_praise_vocabulary_is_positive(text: str) -> None:
    assert score(text).label is Label.POSITIVE


def test_generic_lexicon_blind_spot_is_covered() -> None:
    """Plain VADER scores this 0.0; the domain lexicon must call it a complaint."""
    assert score("dropped calls all day, overcharged again").score < -0.5


@pytest.mark.parametrize(
    ("plain", "negated"),
    [
        ("满意", "不满意"),
        ("满意", "不太满意"),
        ("掉过线", "没掉过线"),
        ("卡", "一点都不卡"),
        ("刁难", "没有任何刁难"),
        ("dropped calls since I switched", "no dropped calls since I switched"),
        ("overcharged this month", "not overcharged this month"),
        ("outage this year", "not a single outage this year"),
    ],
)
def test_negation_flips_domain_terms(plain: str, negated: str) -> None:
    before, after = score(plain).score, score(negated).score
    assert before * after < 0 or (plain == "卡" and after > 0)


def test_partial_negation_is_milder_than_full_negation() -> None:
    assert score("不满意").score < score("不太满意").score < 0


@pytest.mark.parametrize(
    ("stronger", "weaker"),
    [
        ("太坑了!!!", "有点慢"),
        ("太慢了", "慢"),
        ("慢", "有点慢"),
        ("非常满意", "满意"),
        ("ON HOLD FOR AN HOUR!!!", "on hold for an hour"),
        ("very slow internet", "slow internet"),
    ],
)
def test_intensifiers_and_emphasis_order_intensity(stronger: str, weaker: str) -> None:
    assert abs(score(stronger).score) > abs(score(weaker).score)
    assert score(stronger).score * score(weaker).score > 0


@pytest.mark.parametrize(
    "text",
    [
        "怎么查话费?",
        "请问怎么退订会员?",
        "这个月话费多少",
        "中国移动发布新套餐",
        "how do I check my balance?",
        "Does anyone know if the travel pass works in Mexico?",
        "请问 eSIM 怎么 activate?",
    ],
)
def test_information_questions_and_news_are_neutral(text: str) -> None:
    assert score(text).label is Label.NEUTRAL


def test_rhetorical_complaint_question_stays_negative() -> None:
    assert score("为什么又乱扣费?").label is Label.NEGATIVE


@pytest.mark.parametrize(
    "text", ["呵呵，又断网了", "真是谢谢联通了，一格信号都没有", "Great, another outage 🙄"]
)
def test_sarcasm_is_negative(text: str) -> None:
    assert score(text).label is Label.NEGATIVE


def test_complaint_noun_that_is_gone_is_good_news() -> None:
    assert score("广告也没了").score > 0
    assert score("莫名其妙没了一百块").label is Label.NEGATIVE


def test_mixed_post_combines_both_scripts() -> None:
    result = score("my 话费 was overcharged again 太坑了")
    assert (result.lang, result.label) == ("mixed", Label.NEGATIVE)
    assert score("电信客服 was actually super helpful today 点赞").label is Label.POSITIVE


def test_mixed_post_counts_the_english_part_when_chinese_is_silent() -> None:
    assert score("今天的 WiFi 又 down 了, seriously so annoying").label is Label.NEGATIVE


def test_chinese_negator_reaches_an_english_term() -> None:
    assert score("最近没有 dropped calls 了").score > 0


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("中国移动又乱扣费了", "zh"),
        ("爱奇艺的VIP也要看广告", "zh"),
        ("dropped calls all day", "en"),
        ("my 话费 was overcharged again 太坑了", "mixed"),
        ("Bonjour, le service est très mauvais et je suis fâché", "fr"),
        ("El servicio es muy malo y la factura es un robo", "es"),
        ("こんにちは、最悪です", "ja"),
        ("서비스가 최악이에요", "ko"),
        ("Связь ужасная", "ru"),
        ("", "und"),
        ("12345 !!!", "und"),
    ],
)
def test_language_is_detected_from_script(text: str, lang: str) -> None:
    assert score(text).lang == lang


def test_other_languages_are_scored_by_emoji_only() -> None:
    assert score("こんにちは").label is Label.NEUTRAL
    assert score("サービス 😡😡").label is Label.NEGATIVE
    assert score("👍").label is Label.POSITIVE


def test_empty_and_blank_text_are_neutral() -> None:
    for text in ("", "   ", "\n"):
        assert score(text) == SentimentResult(label=Label.NEUTRAL, score=0.0, lang="und")


def test_result_is_a_frozen_value() -> None:
    result = score("给力")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.score = 0.0  # type: ignore[misc]
    assert result.label == "positive"


def test_score_many_keeps_order() -> None:
    texts = ["给力", "太坑了", "怎么查话费?"]
    assert score_many(texts) == [score(t) for t in texts]
    assert [r.label for r in score_many(texts)] == [Label.POSITIVE, Label.NEGATIVE, Label.NEUTRAL]

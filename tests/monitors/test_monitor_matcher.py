"""The compiled matcher: one automaton for many rules, agreeing with Rule.matches."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from core.monitors.matcher import MonitorMatcher
from core.monitors.rules import Rule, parse_rule
from tests.monitors.test_monitor_rules import PROPERTY_SETTINGS, rules


def matcher(**rule_texts: str) -> MonitorMatcher[str]:
    return MonitorMatcher.compile({key: parse_rule(text) for key, text in rule_texts.items()})


def test_reports_matching_keys_in_compile_order_with_their_terms() -> None:
    monitors = matcher(
        billing="(移动 OR 10086) AND (扣费 OR 投诉) NOT 招聘",
        outage="(Northwind OR 北风) AND (outage OR 断网 OR 没信号)",
        calls='"dropped calls" OR "no signal"',
    )
    result = monitors.match("北风又断网了，no   signal，10086乱扣费")
    assert result.keys == ("billing", "outage", "calls")
    assert result.terms == {
        "billing": ("10086", "扣费"),
        "outage": ("北风", "断网"),
        "calls": ("no signal",),
    }
    assert "outage" in result
    assert not monitors.match("a quiet day")


def test_negated_terms_exclude_and_are_never_evidence() -> None:
    monitors = matcher(jobs="(移动 OR 10086) NOT 招聘", complaint="(移动 NOT 招聘) OR 投诉")
    assert not monitors.match("移动招聘")
    assert monitors.match("招聘 投诉 10086").terms == {"complaint": ("投诉",)}
    assert monitors.match("移动招聘 投诉").terms == {"complaint": ("移动", "投诉")}


def test_word_boundaries_are_checked_on_each_automaton_hit() -> None:
    monitors = matcher(legal="lawsuit", day="315", net="5G")
    assert not monitors.match("lawsuits, 23150, 45G")
    assert monitors.match("lawsuits then a lawsuit").keys == ("legal",)
    assert monitors.match("315晚会 5G信号").keys == ("day", "net")


def test_overlapping_terms_are_all_found() -> None:
    monitors = matcher(phrase='"no signal"', word="signal", zh="移动网络", short="移动")
    assert monitors.match("no signal").keys == ("phrase", "word")
    assert monitors.match("中国移动网络").keys == ("zh", "short")


def test_keys_may_be_any_hashable_such_as_uuids() -> None:
    first, second = uuid.uuid4(), uuid.uuid4()
    monitors = MonitorMatcher.compile({first: parse_rule("outage"), second: parse_rule("断网")})
    assert len(monitors) == 2
    assert monitors.match("outage 断网").keys == (first, second)


def test_a_matcher_without_rules_matches_nothing() -> None:
    monitors: MonitorMatcher[int] = MonitorMatcher.compile({})
    assert not monitors.match("anything")
    assert monitors.match("anything").keys == ()


RULE_TERMS = [
    "5G",
    "315",
    "Wi-Fi",
    "outage",
    "signal",
    '"no signal"',
    '"dropped calls"',
    "移动",
    "移动网络",
    "断网",
    "扣费",
    "北风",
]
POST_PIECES = [
    "5G",
    "５ｇ",
    "45G",
    "315",
    "23150",
    "#315",
    "WI-FI",
    "wifi",
    "Outage",
    "outages",
    "signal",
    "signals",
    "no signal",
    "No\n  Signal",
    "dropped calls",
    "移动",
    "移动网络",
    "移",
    "断网",
    "扣费",
    "北风",
    "今天",
    "的",
    "了",
    "the",
    "no",
    "x",
    "!",
    "，",
    "'s",
]


posts = st.lists(
    st.tuples(st.sampled_from(POST_PIECES), st.sampled_from(["", "", " ", ",", "。"])),
    max_size=14,
).map(lambda pieces: "".join(piece + separator for piece, separator in pieces))


@PROPERTY_SETTINGS
@given(
    rule_list=st.lists(rules(RULE_TERMS, max_leaves=8), min_size=1, max_size=6),
    texts=st.lists(posts, max_size=5),
)
def test_compiled_matcher_agrees_with_rule_matches(rule_list: list[Rule], texts: list[str]) -> None:
    by_key = {uuid.UUID(int=index): rule for index, rule in enumerate(rule_list)}
    monitors = MonitorMatcher.compile(by_key)
    for text in texts:
        result = monitors.match(text)
        for key, rule in by_key.items():
            assert (key in result) is rule.matches(text), (rule.canonical(), text)
            if key in result:
                expected = set(rule.find_terms(text)) & rule.positive_terms
                assert set(result.terms[key]) == expected
                assert expected

"""The monitor rule language: grammar, normalization, word boundaries and errors."""

from __future__ import annotations

import pickle
import re
from collections.abc import Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import InvalidInputError
from core.monitors.rules import (
    MAX_RULE_LENGTH,
    MAX_TERMS,
    And,
    Not,
    Or,
    Rule,
    RuleSyntaxError,
    Term,
    parse_rule,
)

PROPERTY_SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def terms(*texts: str) -> tuple[Term, ...]:
    return tuple(Term(text) for text in texts)


def test_not_binds_tighter_than_and_and_and_tighter_than_or() -> None:
    a, b, c, d = terms("a", "b", "c", "d")
    assert parse_rule("a OR b AND NOT c OR d").root == Or((a, And((b, Not(c))), d))


def test_parentheses_group() -> None:
    a, b, c = terms("a", "b", "c")
    assert parse_rule("(a OR b) AND c").root == And((Or((a, b)), c))
    assert parse_rule("a AND (b OR c)").canonical() == "a AND (b OR c)"


def test_juxtaposition_means_and_and_a_not_b_means_a_and_not_b() -> None:
    assert parse_rule("移动 扣费 NOT 招聘") == parse_rule("移动 AND 扣费 AND NOT 招聘")
    assert parse_rule("a NOT b").canonical() == "a AND NOT b"


def test_lowercase_and_or_not_are_plain_terms() -> None:
    rule = parse_rule("rock and roll or not")
    assert rule.terms == {"rock", "and", "roll", "or", "not"}
    assert rule.matches("Rock and roll, or not?")
    assert not rule.matches("rock and roll")


def test_double_negation_cancels() -> None:
    assert parse_rule("a NOT NOT b") == parse_rule("a b")
    assert parse_rule("a NOT (NOT b)") == parse_rule("a b")


def test_bare_words_keep_digits_hyphens_and_hashes() -> None:
    rule = parse_rule("10086 5G Wi-Fi #315 移动")
    assert rule.terms == {"10086", "5g", "wi-fi", "#315", "移动"}


def test_quoted_phrase_may_hold_spaces_parentheses_and_escaped_quotes() -> None:
    rule = parse_rule(r'"dropped calls" OR "no (signal)" OR "say \"hi\""')
    assert rule.terms == {"dropped calls", "no (signal)", 'say "hi"'}
    assert rule.matches("So many DROPPED CALLS today")
    assert rule.matches('they say "hi" and hang up')


def test_phrase_matches_with_internal_whitespace_collapsed() -> None:
    rule = parse_rule('"dropped   calls"')
    assert rule.terms == {"dropped calls"}
    assert rule.matches("dropped\n\tcalls again")
    assert not rule.matches("dropped the calls")


def test_full_width_parentheses_quotes_and_letters_work_like_ascii() -> None:
    rule = parse_rule("（北风 ＯＲ “Ｎｏ Ｓｉｇｎａｌ”）ＡＮＤ ５Ｇ")
    assert rule == parse_rule('(北风 OR "no signal") AND 5g')
    assert rule.matches("北风的５Ｇ信号太差")
    assert rule.matches("NO SIGNAL on 5G")


def test_matching_is_case_folded_and_width_folded() -> None:
    rule = parse_rule("Northwind")
    assert rule.matches("NORTHWIND is down")
    assert rule.matches("ｎｏｒｔｈｗｉｎｄ is down")


@pytest.mark.parametrize(
    ("rule", "text", "expected"),
    [
        ("lawsuit", "a lawsuit was filed", True),
        ("lawsuit", "two lawsuits were filed", False),
        ("lawsuit", "northwind's lawsuit.", True),
        ("northwind", "northwind's outage", True),
        ("315", "315晚会曝光", True),
        ("315", "#315 consumer day", True),
        ("315", "order 23150", False),
        ("5G", "5G信号很差", True),
        ("5G", "no 5G, again", True),
        ("5G", "45G is not a thing", False),
        ("Wi-Fi", "the wi-fi dropped", True),
        ("Wi-Fi", "the wi-fiz dropped", False),
        ("#315", "abc#315", True),
        ("outage", "outage_report", True),
        ('"no signal"', "no signals here", False),
    ],
)
def test_latin_and_digit_terms_match_whole_words(rule: str, text: str, expected: bool) -> None:
    assert parse_rule(rule).matches(text) is expected


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        ("移动", "中国移动又乱扣费"),
        ("扣费", "中国移动又乱扣费了"),
        ("没信号", "地铁里完全没信号啊"),
        ("移动", "ABC移动XYZ"),
        ("断网", "5G断网"),
    ],
)
def test_cjk_terms_match_as_substrings(rule: str, text: str) -> None:
    assert parse_rule(rule).matches(text)


def test_mixed_term_checks_the_boundary_only_at_its_latin_edge() -> None:
    rule = parse_rule("5G信号")
    assert rule.matches("我的5G信号很差")
    assert not rule.matches("45G信号")


def test_example_desk_rules() -> None:
    complaint = parse_rule("(移动 OR 10086) AND (扣费 OR 投诉) NOT 招聘")
    assert complaint.matches("10086乱扣费，我要投诉")
    assert not complaint.matches("中国移动招聘客服，处理投诉")
    assert not complaint.matches("移动的信号不错")
    outage = parse_rule("(Northwind OR 北风) AND (outage OR 断网 OR 没信号)")
    assert outage.matches("Northwind outage since 9am")
    assert outage.matches("北风又断网了")
    assert not outage.matches("Northwind outages reported")


def test_find_terms_lists_terms_in_order_of_first_occurrence() -> None:
    rule = parse_rule("(移动 OR 10086) AND 扣费 NOT 招聘")
    assert rule.find_terms("扣费了！10086 和 移动 都没回") == ("扣费", "10086", "移动")


def test_terms_and_positive_terms() -> None:
    rule = parse_rule("(A OR B) NOT C")
    assert rule.terms == {"a", "b", "c"}
    assert rule.positive_terms == {"a", "b"}


@pytest.mark.parametrize(
    ("rule", "message", "position"),
    [
        ("", "empty rule", 0),
        ("   ", "empty rule", 0),
        ("移动 OR", "expected a term after OR at 5, found the end of the rule", 5),
        ("a OR OR b", "expected a term after OR at 5, found OR", 5),
        ("a AND", "expected a term after AND at 5, found the end of the rule", 5),
        ("a NOT", "expected a term after NOT at 5, found the end of the rule", 5),
        ("OR a", "expected a term at 0, found OR", 0),
        ("a () b", "expected a term after '(' at 3, found ')'", 3),
        ("x AND (a OR b", "unclosed parenthesis at 6: expected ')' at 13", 6),
        ("（a OR b", "unclosed parenthesis at 0", 0),
        ("a OR b)", "unexpected ')' at 6: no parenthesis is open", 6),
        ('a "dropped calls', "unclosed quote at 2", 2),
        ('a ""', "empty term at 2: expected words inside the quotes", 2),
        ('a "   "', "empty term at 2", 2),
    ],
)
def test_syntax_errors_name_the_position_and_what_was_expected(
    rule: str, message: str, position: int
) -> None:
    with pytest.raises(RuleSyntaxError, match=re.escape(message)) as caught:
        parse_rule(rule)
    assert caught.value.position == position


@pytest.mark.parametrize(
    ("rule", "position"),
    [
        ("NOT spam", 0),
        ("NOT (spam OR promo)", 0),
        ("brand OR NOT spam", 9),
        ("NOT a NOT b", 0),
        ("(a NOT b) OR NOT c", 13),
    ],
)
def test_a_rule_matching_posts_without_any_of_its_terms_is_rejected(
    rule: str, position: int
) -> None:
    with pytest.raises(RuleSyntaxError, match=f"NOT at {position} .* none of its terms") as caught:
        parse_rule(rule)
    assert caught.value.position == position


def test_not_with_a_positive_part_is_accepted() -> None:
    assert parse_rule("NOT spam brand").matches("brand new")
    assert not parse_rule("NOT spam brand").matches("brand spam")
    assert parse_rule("NOT (NOT brand)").matches("brand")


def test_hand_built_rule_matching_everything_is_refused() -> None:
    with pytest.raises(ValueError, match="without any of its terms"):
        Rule(Not(Term("spam")))


def test_rule_length_is_capped() -> None:
    parse_rule("a" * MAX_RULE_LENGTH)
    with pytest.raises(RuleSyntaxError, match=f"at most {MAX_RULE_LENGTH} are allowed"):
        parse_rule("a" * (MAX_RULE_LENGTH + 1))


def test_term_count_is_capped() -> None:
    parse_rule(" OR ".join(["t"] * MAX_TERMS))
    with pytest.raises(RuleSyntaxError, match=f"at most {MAX_TERMS} are allowed") as caught:
        parse_rule(" ".join(["t"] * (MAX_TERMS + 1)))
    assert caught.value.position == 2 * MAX_TERMS


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    with pytest.raises(RuleSyntaxError, match="nested deeper than"):
        parse_rule("(" * 500 + "a" + ")" * 500)
    assert parse_rule("NOT " * 400 + "a b") == parse_rule("a b")


def test_syntax_error_is_a_value_error_the_api_answers_with_422() -> None:
    with pytest.raises(RuleSyntaxError) as caught:
        parse_rule("(a")
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, InvalidInputError)
    assert caught.value.problems[0].field == "rule"
    assert caught.value.detail == str(caught.value)


def test_canonical_form_normalizes_case_width_spacing_and_parentheses() -> None:
    rule = parse_rule("  ((Northwind   OR 北风))  outage ＮＯＴ “Ｎｏ  Ｓｉｇｎａｌ” ")
    assert rule.canonical() == '(northwind OR 北风) AND outage AND NOT "no signal"'
    assert str(rule) == rule.canonical()


def test_rules_survive_pickling() -> None:
    rule = parse_rule("(a OR 移动) NOT b")
    restored = pickle.loads(pickle.dumps(rule))
    assert restored == rule
    assert restored.matches("移动")


WORDS = ["a", "Bb", "5G", "移动", "and", '"x y"', '"q\\"uote"', '"(p)"', "back\\slash", "＃315"]


def rules(words: Sequence[str], *, max_leaves: int = 10) -> st.SearchStrategy[Rule]:
    """Random rules over the given terms, written with every operator; rejected ones left out."""
    texts = st.recursive(
        st.sampled_from(words),
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from([" AND ", " OR ", " ", " NOT "]), inner).map(
                lambda parts: f"({''.join(parts)})"
            ),
            inner.map(lambda operand: f"NOT {operand}"),
        ),
        max_leaves=max_leaves,
    )
    return texts.filter(_parses).map(parse_rule)


def _parses(text: str) -> bool:
    try:
        parse_rule(text)
    except RuleSyntaxError:
        return False
    return True


@PROPERTY_SETTINGS
@given(rule=rules(WORDS))
def test_canonical_form_parses_back_to_the_same_rule(rule: Rule) -> None:
    assert parse_rule(rule.canonical()) == rule
    assert parse_rule(rule.canonical()).canonical() == rule.canonical()

"""IVR trees: what is refused, and how (the path of every problem); how callers' input matches."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from channels.phone.demo import demo_ivr
from channels.phone.ivr import match_option
from channels.phone.ivr_schema import parse_tree
from channels.phone.prompts import fill
from core.errors import InvalidInputError

T = {"zh-CN": "你好", "en-US": "Hello"}


def menu(*options: dict[str, Any]) -> dict[str, Any]:
    return {"type": "menu", "prompt": T, "options": list(options)}


def problems(tree: Any) -> list[tuple[str, str]]:
    with pytest.raises(InvalidInputError) as raised:
        parse_tree(tree)
    return [(p.field, p.message) for p in raised.value.problems]


def test_bad_trees_are_refused_with_the_path_of_each_problem() -> None:
    base = {"languages": ["zh-CN", "en-US"], "start": "main"}
    assert problems({**base, "nodes": {"main": menu({"digits": "1", "next": "bill"})}}) == [
        ("ivr.nodes.main.options.0.next", "unknown node 'bill'")
    ]
    twice = menu({"digits": "1", "next": "main"}, {"digits": "1", "next": "main"})
    assert problems({**base, "nodes": {"main": twice}}) == [
        ("ivr.nodes.main.options.1.digits", "1 is used by another option")
    ]
    loop = {
        "main": menu({"digits": "1", "next": "a"}),
        "a": {"type": "answer", "text": T, "next": "b"},
        "b": {"type": "answer", "text": T, "next": "a"},
    }
    assert [f for f, _ in problems({**base, "nodes": loop})] == [
        "ivr.nodes.a.next",
        "ivr.nodes.b.next",
    ]
    odd = {
        **base,
        "nodes": {"main": {**menu({"digits": "1", "next": "main"}), "prompt": {"fr-FR": "Salut"}}},
        "hold": {"position": {"zh-CN": "您是第{place}位"}},
        "colour": "red",
    }
    assert problems(odd) == [
        ("ivr.colour", "unknown key"),
        ("ivr.nodes.main.prompt.fr-FR", "not one of the IVR's languages ['zh-CN', 'en-US']"),
        ("ivr.hold.position.zh-CN", "placeholders here: position"),
    ]
    unverifiable = {**base, "nodes": {"main": {"type": "queue", "verify": True}}}
    assert problems(unverifiable) == [("ivr.verification", "required by nodes with verify: true")]
    assert problems(
        {"start": "x", "nodes": {"x": {"type": "answer", "text": {"zh-CN": "{a.b}"}}}}
    ) == [("ivr.nodes.x.text.zh-CN", "braces only around placeholders like {balance}")]
    assert problems([1, 2]) == [("ivr", "must be an object")]
    with pytest.raises(InvalidInputError, match=r"^invalid IVR: ivr.colour: unknown key$"):
        parse_tree(odd)


def test_callers_choose_by_keypad_or_by_voice_in_either_language() -> None:
    tree = parse_tree(
        demo_ivr(
            dict.fromkeys(
                ("billing", "technical", "complaints", "english", "default"), uuid.uuid4()
            )
        )
    )
    main = tree.nodes["main"]
    assert tree.start == "main" and tree.languages == ("zh-CN", "en-US")
    assert match_option(main, digits="3", speech=None).next == "complaint"  # type: ignore[union-attr]
    for spoken, expected in (
        ("我的手机没信号了！", "fault"),
        ("Check my BALANCE, please.", "balance"),
    ):
        assert match_option(main, digits=None, speech=spoken).next == expected  # type: ignore[union-attr]
    assert match_option(main, digits="7", speech="天气怎么样") is None
    assert "账单" in main.hints("zh-CN") and "no signal" in main.hints("en-US")
    english = match_option(main, digits="9", speech=None)
    assert english is not None and english.language == "en-US"
    assert parse_tree({}).start is None  # no menu: straight to the line's default queue


def test_self_service_fills_only_plain_attributes() -> None:
    assert fill("余额{balance}元", {"balance": "58.20"}) == "余额58.20元"
    assert fill("余额{balance}元", {}) is None
    assert fill("{balance}", {"balance": {"nested": 1}}) is None
    assert fill("{balance.__class__}", {"balance": 1}) == "{balance.__class__}"

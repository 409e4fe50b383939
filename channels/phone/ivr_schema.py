"""Validating an IVR tree (the schema is in ``channels.phone.ivr``): every problem by its path.

Chains of ``answer`` nodes that would loop without waiting for input are refused, and so are
unknown keys, so that a typo in a tree is a 422 naming it rather than a silently ignored menu.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any

from channels.phone.ivr import (
    DEFAULT_HOLD_MUSIC,
    DIGITS,
    LANGUAGE,
    MAX_NODES,
    MAX_OPTIONS,
    MAX_PHRASES,
    MAX_TEXT,
    NODE_ID,
    IvrTree,
    Node,
    NodeType,
    Option,
    Verification,
    VipRule,
    normalise_speech,
)
from channels.phone.prompts import DEFAULT_PROMPTS, OVERRIDABLE_PROMPTS, PLACEHOLDER
from core.errors import FieldProblem, InvalidInputError
from core.models.contact import ValueTier
from core.models.conversation import Priority


def parse_tree(raw: Any, *, default_language: str = "zh-CN") -> IvrTree:
    """Validate and parse a tree; InvalidInputError naming every problem by its path."""
    reader = _Reader()
    tree = reader.tree(raw, default_language)
    if reader.problems:
        first = reader.problems[0]
        raise InvalidInputError(f"invalid IVR: {first.field}: {first.message}", reader.problems)
    assert tree is not None
    return tree


class _Reader:
    """Reads a raw tree, collecting problems instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[FieldProblem] = []
        self.languages: tuple[str, ...] = ()

    def problem(self, path: str, message: str) -> None:
        self.problems.append(FieldProblem(path, message))

    def tree(self, raw: Any, default_language: str) -> IvrTree | None:
        if not isinstance(raw, dict):
            self.problem("ivr", "must be an object")
            return None
        known = {
            *("languages", "greeting", "start", "nodes", "verification", "vip"),
            *("after_hours", "hold", "record_calls", "prompts"),
        }
        for key in sorted(set(raw) - known):
            self.problem(f"ivr.{key}", "unknown key")
        self.languages = self._languages(raw.get("languages"), default_language)
        nodes = self._nodes(raw.get("nodes", {}))
        start = raw.get("start")
        if start is not None and (not isinstance(start, str) or start not in nodes):
            self.problem("ivr.start", f"unknown node {start!r}")
        elif start is None and nodes:
            self.problem("ivr.start", "required when there are nodes")
        self._check_references(nodes)
        verification = self._verification(raw.get("verification"))
        if verification is None and any(n.verify for n in nodes.values()):
            self.problem("ivr.verification", "required by nodes with verify: true")
        after = self._object(
            raw.get("after_hours", {}), "ivr.after_hours", {"prompt", "max_seconds"}
        )
        hold = self._object(raw.get("hold", {}), "ivr.hold", {"music_url", "position", "estimate"})
        prompts_raw = self._object(raw.get("prompts", {}), "ivr.prompts", OVERRIDABLE_PROMPTS)
        prompts = {
            name: self.texts(value, f"ivr.prompts.{name}") for name, value in prompts_raw.items()
        }
        record_calls = raw.get("record_calls", False)
        if not isinstance(record_calls, bool):
            self.problem("ivr.record_calls", "must be true or false")
        music = hold.get("music_url", DEFAULT_HOLD_MUSIC)
        if not isinstance(music, str) or not re.match(r"^https?://\S{1,490}$", music):
            self.problem("ivr.hold.music_url", "must be an http(s) URL")
        return IvrTree(
            languages=self.languages,
            greeting=self.texts(raw.get("greeting"), "ivr.greeting", optional=True),
            start=start if isinstance(start, str) else None,
            nodes=nodes,
            verification=verification,
            vip=self._vip(raw.get("vip")),
            after_hours=self.texts(after.get("prompt"), "ivr.after_hours.prompt", optional=True)
            or DEFAULT_PROMPTS["after_hours"],
            voicemail_seconds=self.integer(after, "max_seconds", "ivr.after_hours", 120, 5, 600),
            hold_music_url=music if isinstance(music, str) else DEFAULT_HOLD_MUSIC,
            position=self.texts(
                hold.get("position"), "ivr.hold.position", optional=True, names={"position"}
            )
            or DEFAULT_PROMPTS["position"],
            estimate=self.texts(
                hold.get("estimate"), "ivr.hold.estimate", optional=True, names={"minutes"}
            )
            or DEFAULT_PROMPTS["estimate"],
            record_calls=record_calls is True,
            prompts=prompts,
        )

    def _languages(self, raw: Any, default: str) -> tuple[str, ...]:
        if raw is None:
            return (default,)
        if not isinstance(raw, list) or not 1 <= len(raw) <= 4:
            self.problem("ivr.languages", "a list of 1 to 4 language tags")
            return (default,)
        tags = []
        for index, tag in enumerate(raw):
            if not isinstance(tag, str) or not LANGUAGE.match(tag):
                self.problem(f"ivr.languages.{index}", "a language tag like zh-CN or en-US")
            elif tag in tags:
                self.problem(f"ivr.languages.{index}", f"{tag} is listed twice")
            else:
                tags.append(tag)
        return tuple(tags) or (default,)

    def _object(self, raw: Any, path: str, keys: set[str] | frozenset[str]) -> dict[str, Any]:
        if not isinstance(raw, dict):
            self.problem(path, "must be an object")
            return {}
        for key in sorted(set(raw) - set(keys)):
            self.problem(f"{path}.{key}", "unknown key")
        return {k: v for k, v in raw.items() if k in keys}

    def texts(
        self, raw: Any, path: str, *, optional: bool = False, names: set[str] | None = None
    ) -> dict[str, str]:
        if raw is None and optional:
            return {}
        if not isinstance(raw, dict) or not raw:
            self.problem(path, 'a text per language, like {"zh-CN": "...", "en-US": "..."}')
            return {}
        texts: dict[str, str] = {}
        for tag, text in raw.items():
            where = f"{path}.{tag}"
            if tag not in self.languages:
                self.problem(where, f"not one of the IVR's languages {list(self.languages)}")
            elif not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
                self.problem(where, f"a text of 1 to {MAX_TEXT} characters")
            elif "\x00" in text:
                self.problem(where, "must not contain NUL characters")
            else:
                self._check_placeholders(text, where, names)
                texts[tag] = text
        return texts

    def _check_placeholders(self, text: str, path: str, names: set[str] | None) -> None:
        bare = PLACEHOLDER.sub("", text)
        if "{" in bare or "}" in bare:
            self.problem(path, "braces only around placeholders like {balance}")
        used = set(PLACEHOLDER.findall(text))
        if names is not None and not used <= names:
            self.problem(path, f"placeholders here: {', '.join(sorted(names))}")

    def integer(
        self, raw: Mapping[str, Any], key: str, path: str, default: int, low: int, high: int
    ) -> int:
        value = raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.problem(f"{path}.{key}", f"an integer from {low} to {high}")
            return default
        return value

    def _uuid(self, raw: Any, path: str) -> uuid.UUID | None:
        if raw is None:
            return None
        try:
            return uuid.UUID(str(raw)) if isinstance(raw, str) else None
        except ValueError:
            pass
        self.problem(path, "a queue id (UUID) or null")
        return None

    def _priority(self, raw: Any, path: str) -> Priority | None:
        if raw is None:
            return None
        if raw not in {p.value for p in Priority}:
            self.problem(path, f"one of {', '.join(p.value for p in Priority)}")
            return None
        return Priority(raw)

    def _nodes(self, raw: Any) -> dict[str, Node]:
        if not isinstance(raw, dict):
            self.problem("ivr.nodes", "must be an object of node id → node")
            return {}
        if len(raw) > MAX_NODES:
            self.problem("ivr.nodes", f"at most {MAX_NODES} nodes")
            return {}
        nodes: dict[str, Node] = {}
        for node_id, node_raw in raw.items():
            path = f"ivr.nodes.{node_id}"
            if not isinstance(node_id, str) or not NODE_ID.match(node_id):
                self.problem(path, "node ids are 1 to 40 of a-z, 0-9, _ and -")
                continue
            node = self._node(node_id, node_raw, path)
            if node is not None:
                nodes[node_id] = node
        return nodes

    def _node(self, node_id: str, raw: Any, path: str) -> Node | None:
        if not isinstance(raw, dict):
            self.problem(path, "must be an object")
            return None
        kind = raw.get("type")
        if kind not in {t.value for t in NodeType}:
            self.problem(f"{path}.type", f"one of {', '.join(t.value for t in NodeType)}")
            return None
        node_type = NodeType(kind)
        keys = _NODE_KEYS[node_type] | {"type"}
        fields = self._object(raw, path, keys)
        text_key = "prompt" if node_type in (NodeType.MENU, NodeType.VOICEMAIL) else "text"
        if node_type is NodeType.QUEUE:
            text = self.texts(fields.get("announce"), f"{path}.announce", optional=True)
        else:
            text = self.texts(fields.get(text_key), f"{path}.{text_key}")
        verify = fields.get("verify", False)
        if not isinstance(verify, bool):
            self.problem(f"{path}.verify", "must be true or false")
        category = fields.get("category")
        if category is not None and (
            not isinstance(category, str) or not 1 <= len(category) <= 64 or "\x00" in category
        ):
            self.problem(f"{path}.category", "a label of 1 to 64 characters")
            category = None
        return Node(
            id=node_id,
            type=node_type,
            text=text,
            options=self._options(fields.get("options"), path)
            if node_type is NodeType.MENU
            else (),
            timeout_seconds=self.integer(fields, "timeout_seconds", path, 5, 1, 30),
            retries=self.integer(fields, "retries", path, 2, 0, 5),
            no_input=self._node_ref(fields.get("no_input"), f"{path}.no_input"),
            next=self._node_ref(fields.get("next"), f"{path}.next"),
            fallback=self.texts(fields.get("fallback"), f"{path}.fallback", optional=True),
            verify=verify is True,
            queue_id=self._uuid(fields.get("queue_id"), f"{path}.queue_id"),
            category=category,
            priority=self._priority(fields.get("priority"), f"{path}.priority"),
            max_seconds=self.integer(fields, "max_seconds", path, 120, 5, 600),
        )

    def _node_ref(self, raw: Any, path: str) -> str | None:
        if raw is None:
            return None
        if not isinstance(raw, str):
            self.problem(path, "a node id or null")
            return None
        return raw

    def _options(self, raw: Any, path: str) -> tuple[Option, ...]:
        if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_OPTIONS:
            self.problem(f"{path}.options", f"a list of 1 to {MAX_OPTIONS} options")
            return ()
        options: list[Option] = []
        seen_digits: set[str] = set()
        for index, item in enumerate(raw):
            where = f"{path}.options.{index}"
            if not isinstance(item, dict):
                self.problem(where, "must be an object")
                continue
            fields = self._object(item, where, {"digits", "speech", "next", "language"})
            digits = fields.get("digits")
            if digits is not None and (not isinstance(digits, str) or not DIGITS.match(digits)):
                self.problem(f"{where}.digits", "1 to 4 of 0-9, * and #")
                digits = None
            elif digits is not None and digits in seen_digits:
                self.problem(f"{where}.digits", f"{digits} is used by another option")
            if digits is not None:
                seen_digits.add(digits)
            phrases = self._phrases(fields.get("speech"), f"{where}.speech")
            if digits is None and not phrases:
                self.problem(where, "needs digits or speech phrases")
            target = fields.get("next")
            if not isinstance(target, str):
                self.problem(f"{where}.next", "a node id")
                continue
            language = fields.get("language")
            if language is not None and language not in self.languages:
                self.problem(f"{where}.language", f"one of {list(self.languages)}")
                language = None
            options.append(Option(digits, phrases, target, language))
        return tuple(options)

    def _phrases(self, raw: Any, path: str) -> dict[str, tuple[str, ...]]:
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            self.problem(path, 'phrases per language, like {"en-US": ["balance"]}')
            return {}
        phrases: dict[str, tuple[str, ...]] = {}
        for tag, items in raw.items():
            where = f"{path}.{tag}"
            if tag not in self.languages:
                self.problem(where, f"not one of the IVR's languages {list(self.languages)}")
                continue
            valid = isinstance(items, list) and 1 <= len(items) <= MAX_PHRASES
            if not valid or not all(isinstance(p, str) and 0 < len(p) <= 100 for p in items):
                self.problem(where, f"a list of 1 to {MAX_PHRASES} phrases of 1 to 100 characters")
                continue
            if not all(normalise_speech(p) for p in items):
                self.problem(where, "phrases need letters or digits")
                continue
            phrases[tag] = tuple(p.strip() for p in items)
        return phrases

    def _check_references(self, nodes: Mapping[str, Node]) -> None:
        for node in nodes.values():
            path = f"ivr.nodes.{node.id}"
            for index, option in enumerate(node.options):
                if option.next not in nodes:
                    self.problem(f"{path}.options.{index}.next", f"unknown node {option.next!r}")
            for name, target in (("no_input", node.no_input), ("next", node.next)):
                if target is not None and target not in nodes:
                    self.problem(f"{path}.{name}", f"unknown node {target!r}")
        for node in nodes.values():
            if node.type is NodeType.ANSWER and _loops(node, nodes):
                self.problem(
                    f"ivr.nodes.{node.id}.next",
                    "answer nodes loop without waiting for input; end the chain in a menu",
                )

    def _verification(self, raw: Any) -> Verification | None:
        if raw is None:
            return None
        path = "ivr.verification"
        fields = self._object(raw, path, {"attribute", "digits", "prompt", "passed", "failed"})
        attribute = fields.get("attribute", "verify_digits")
        if not isinstance(attribute, str) or not re.match(
            r"^[A-Za-z_][A-Za-z0-9_]{0,63}$", attribute
        ):
            self.problem(f"{path}.attribute", "a contact attribute name")
            attribute = "verify_digits"
        return Verification(
            attribute=attribute,
            digits=self.integer(fields, "digits", path, 4, 1, 12),
            prompt=self.texts(fields.get("prompt"), f"{path}.prompt", optional=True)
            or DEFAULT_PROMPTS["verify"],
            passed=self.texts(fields.get("passed"), f"{path}.passed", optional=True)
            or DEFAULT_PROMPTS["verified"],
            failed=self.texts(fields.get("failed"), f"{path}.failed", optional=True)
            or DEFAULT_PROMPTS["not_verified"],
        )

    def _vip(self, raw: Any) -> VipRule | None:
        if raw is None:
            return None
        path = "ivr.vip"
        fields = self._object(raw, path, {"tiers", "priority", "queue_id", "greeting"})
        tiers = fields.get("tiers", [ValueTier.DIAMOND.value, ValueTier.VIP.value])
        names = {t.value for t in ValueTier}
        if not isinstance(tiers, list) or not tiers or not all(t in names for t in tiers):
            self.problem(f"{path}.tiers", f"a list of value tiers: {', '.join(sorted(names))}")
            tiers = []
        return VipRule(
            tiers=frozenset(tiers),
            priority=self._priority(fields.get("priority", "high"), f"{path}.priority")
            or Priority.HIGH,
            queue_id=self._uuid(fields.get("queue_id"), f"{path}.queue_id"),
            greeting=self.texts(fields.get("greeting"), f"{path}.greeting", optional=True)
            or DEFAULT_PROMPTS["vip"],
        )


_NODE_KEYS: dict[NodeType, set[str]] = {
    NodeType.MENU: {"prompt", "options", "timeout_seconds", "retries", "no_input"},
    NodeType.ANSWER: {"text", "fallback", "verify", "next"},
    NodeType.QUEUE: {"queue_id", "category", "priority", "verify", "announce"},
    NodeType.CALLBACK: {"text"},
    NodeType.VOICEMAIL: {"prompt", "max_seconds"},
    NodeType.HANGUP: {"text"},
}


def _loops(start: Node, nodes: Mapping[str, Node]) -> bool:
    """Whether following ``next`` from an answer node comes back without a menu between."""
    seen: set[str] = set()
    node: Node | None = start
    while node is not None and node.type is NodeType.ANSWER:
        if node.id in seen:
            return True
        seen.add(node.id)
        node = nodes.get(node.next) if node.next else None
    return False

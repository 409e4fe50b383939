"""The IVR tree: a voice line's menus as data (``VoiceLine.ivr``), validated and interpreted.

Schema (every key optional; ``{}`` sends every call straight to the line's default queue)::

    {
      "languages": ["zh-CN", "en-US"],   # prompt languages (BCP 47, as <Say language=...>);
                                         # default: the line's language
      "greeting": {"zh-CN": "...", "en-US": "..."},   # said once, in every language given
      "start": "main",                   # the first node (required when there are nodes)
      "nodes": {"<id>": <node>, ...},    # ids: 1-40 of a-z 0-9 _ -
      "verification": {                  # D11, for nodes with "verify": true
        "attribute": "verify_digits",    # contact attribute the caller's digits must equal
        "digits": 4,                     # how many digits to gather (1-12)
        "prompt": T, "passed": T, "failed": T
      },
      "vip": {                           # D8: callers whose contact is of these value tiers
        "tiers": ["diamond", "vip"],     #   get this priority (and queue, if given) when queued
        "priority": "high", "queue_id": "<uuid>" | null, "greeting": T
      },
      "after_hours": {"prompt": T, "max_seconds": 120},   # then voicemail (if the line has it)
      "hold": {"music_url": "https://...", "position": T with {position},
               "estimate": T with {minutes}},
      "record_calls": false,             # record agent calls (recording URL on the interaction)
      "prompts": {"invalid": T, "goodbye": T, "connecting": T, "voicemail_thanks": T}
    }

``T`` is a text per language, ``{"zh-CN": "...", "en-US": "..."}`` (1-1000 characters each;
a language without its own text falls back to the first one given). Nodes, by ``type``:

- ``menu``: ``prompt`` T, ``options`` (1-12) ``[{"digits": "1", "speech": {"zh-CN": ["余额"],
  "en-US": ["balance"]}, "next": "<id>", "language": "en-US" | null}]`` (a ``language`` switches
  the call's prompt language), ``timeout_seconds`` (1-30, default 5), ``retries`` (0-5,
  default 2) and ``no_input`` (the node after the last retry; default: the goodbye).
  The caller presses the digits or says one of the phrases (DTMF and speech).
- ``answer``: self-service (D18): ``text`` T with ``{attribute}`` placeholders filled from the
  caller's contact attributes (``{balance}``, ``{data_used_gb}``), ``fallback`` T when the
  caller is unknown or an attribute is missing, ``verify`` (ask first, D11; the fallback is
  said when the caller fails), ``next`` (a node, or null: goodbye).
- ``queue``: to an agent: ``queue_id`` (null: the line's default queue), ``category``,
  ``priority`` (low, normal, high, urgent), ``verify``, ``announce`` T.
- ``callback``: a call-back is requested to the caller's number; ``text`` T, then goodbye.
- ``voicemail``: ``prompt`` T, then a recording (``max_seconds``, 5-600) transcribed into a
  conversation.
- ``hangup``: ``text`` T, then the call ends.

Trees are validated by ``channels.phone.ivr_schema.parse_tree``, which names every problem by
its path (``ivr.nodes.main.options.0.next: unknown node 'bill'``).
"""

from __future__ import annotations

import enum
import re
import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from channels.phone.prompts import DEFAULT_PROMPTS, Texts
from core.models.conversation import Priority

LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
NODE_ID = re.compile(r"^[a-z0-9_-]{1,40}$")
DIGITS = re.compile(r"^[0-9*#]{1,4}$")
MAX_NODES = 100
MAX_OPTIONS = 12
MAX_TEXT = 1000
MAX_PHRASES = 20
MAX_ANSWER_CHAIN = 10
DEFAULT_HOLD_MUSIC = "http://com.twilio.music.classical.s3.amazonaws.com/BusyStrings.mp3"


class NodeType(enum.StrEnum):
    MENU = "menu"
    ANSWER = "answer"
    QUEUE = "queue"
    CALLBACK = "callback"
    VOICEMAIL = "voicemail"
    HANGUP = "hangup"


@dataclass(frozen=True, slots=True)
class Option:
    """A menu choice: keypad digits and/or phrases per language (as written; compared
    normalised), the node it leads to, and the prompt language it switches to."""

    digits: str | None
    phrases: Mapping[str, tuple[str, ...]]
    next: str
    language: str | None = None


@dataclass(frozen=True, slots=True)
class Node:
    """One node; which fields matter depends on ``type`` (see the module docstring)."""

    id: str
    type: NodeType
    text: Texts = field(default_factory=dict)
    options: tuple[Option, ...] = ()
    timeout_seconds: int = 5
    retries: int = 2
    no_input: str | None = None
    next: str | None = None
    fallback: Texts = field(default_factory=dict)
    verify: bool = False
    queue_id: uuid.UUID | None = None
    category: str | None = None
    priority: Priority | None = None
    max_seconds: int = 120

    @property
    def num_digits(self) -> int:
        return max((len(o.digits) for o in self.options if o.digits), default=1)

    def hints(self, language: str) -> str:
        phrases = [p for o in self.options for p in o.phrases.get(language, ())]
        return ", ".join(phrases)[:1000]


@dataclass(frozen=True, slots=True)
class Verification:
    attribute: str
    digits: int
    prompt: Texts
    passed: Texts
    failed: Texts


@dataclass(frozen=True, slots=True)
class VipRule:
    tiers: frozenset[str]
    priority: Priority
    queue_id: uuid.UUID | None
    greeting: Texts


@dataclass(frozen=True, slots=True)
class IvrTree:
    """A validated tree; build with ``parse_tree``."""

    languages: tuple[str, ...]
    greeting: Texts
    start: str | None
    nodes: Mapping[str, Node]
    verification: Verification | None
    vip: VipRule | None
    after_hours: Texts
    voicemail_seconds: int
    hold_music_url: str
    position: Texts
    estimate: Texts
    record_calls: bool
    prompts: Mapping[str, Texts]

    def node(self, node_id: str | None) -> Node | None:
        return self.nodes.get(node_id) if node_id else None

    def prompt(self, name: str) -> Texts:
        return self.prompts.get(name) or DEFAULT_PROMPTS[name]

    def language_for(self, requested: str | None) -> str:
        """The requested language if the tree speaks it, else the tree's first."""
        return requested if requested in self.languages else self.languages[0]

    def queue_ids(self) -> set[uuid.UUID]:
        ids = {n.queue_id for n in self.nodes.values() if n.queue_id is not None}
        if self.vip is not None and self.vip.queue_id is not None:
            ids.add(self.vip.queue_id)
        return ids

    def is_vip(self, value_tier: str | None) -> bool:
        return self.vip is not None and value_tier in self.vip.tiers


def normalise_speech(text: str) -> str:
    """Case-folded, without spaces or punctuation: how spoken input and phrases are compared."""
    return "".join(
        ch
        for ch in unicodedata.normalize("NFKC", text).casefold()
        if not unicodedata.category(ch).startswith(("P", "Z", "C"))
    )


def match_option(node: Node, *, digits: str | None, speech: str | None) -> Option | None:
    """The option the caller chose by keypad or by voice (any language's phrases)."""
    if digits:
        for option in node.options:
            if option.digits == digits:
                return option
    spoken = normalise_speech(speech or "")
    if spoken:
        for option in node.options:
            for phrases in option.phrases.values():
                if any(normalise_speech(phrase) in spoken for phrase in phrases):
                    return option
    return None

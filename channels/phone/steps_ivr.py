"""What a caller hears before an agent: the incoming call, the IVR walk, the identity check.

``incoming`` is the hot path: it records the call (caller identified by caller ID) and answers
the greeting and the first menu, nothing more; anything heavier (the conversation, contact
creation) waits for the step where the caller is put in line. After hours (the line's calendar,
else its default queue's, else the tenant's) the caller is offered voicemail instead.
"""

from __future__ import annotations

import hmac
from functools import lru_cache

from sqlalchemy.orm import Session
from twilio.twiml.voice_response import VoiceResponse

from channels.phone import twiml
from channels.phone.directory import Line
from channels.phone.ivr import Node, NodeType, match_option
from channels.phone.prompts import DEFAULT_PROMPTS, Texts, fill, text_in
from channels.phone.webhooks import StepContext, StepError
from core import callbacks
from core.calls import lifecycle
from core.calls.config import e164
from core.calls.conversation import queue_call
from core.calls.lifecycle import CallerProfile
from core.errors import InvalidInputError
from core.models.conversation import Priority
from core.models.inbound_record import InboundState
from core.models.interaction import Interaction, InteractionState

IMPLICIT_QUEUE = "."  # not a valid node id: the line's default queue, for trees without nodes
MAX_CHAIN = 10
PRIORITIES = list(Priority)


def incoming(ctx: StepContext) -> str:
    """A call arrives: record it, greet, then the first menu (or voicemail after hours)."""
    call_sid = ctx.call_sid()
    try:
        number = line_number(ctx.params.get_one("To") or "")
    except InvalidInputError as exc:
        raise StepError(404, "no voice line has that number") from exc
    line = ctx.directory.line_by_number(ctx.tenant_id, number)
    if line is None or not line.setup.active:
        raise StepError(404, "no voice line has that number")
    with ctx.unit() as session:
        started = lifecycle.start_call(
            session,
            call_sid=call_sid,
            line_id=line.setup.id,
            from_number=ctx.params.get_one("From"),
            to_number=number,
            region=line.setup.region,
            at=ctx.now,
        )
        if not started.new:
            ctx.state = InboundState.DUPLICATE
    after_hours = not line.setup.calendar.is_working(ctx.now)
    key = (ctx.urls.base, after_hours)
    answer = line.answers.get(key)
    if answer is None:
        answer = line.answers[key] = _welcome(ctx, line, after_hours=after_hours)
    return answer


@lru_cache(maxsize=4096)
def line_number(raw: str) -> str:
    """The dialled number in E.164 (memoised: a line's number arrives in every call)."""
    return e164(raw, field="To")


def _welcome(ctx: StepContext, line: Line, *, after_hours: bool) -> str:
    """Greeting, then the first menu; or voicemail after hours. The same for every call in or
    out of hours, so it is rendered once per line (VIPs are greeted when they are put in line,
    which keeps their lookup off this path)."""
    tree, language = line.tree, line.tree.language_for(line.setup.language)
    response = VoiceResponse()
    twiml.say_each(response, tree.greeting, _spoken_first(tree.languages, language))
    if after_hours:
        _after_hours(ctx, response, line, language)
        return twiml.render(response)
    start = tree.node(tree.start)
    if start is not None and start.type is NodeType.MENU:
        _menu(ctx, response, start, language, step=0, attempt=0)
    else:
        twiml.redirect(response, ctx.urls.gather(tree.start or IMPLICIT_QUEUE, language, step=0))
    return twiml.render(response)


def gather(ctx: StepContext) -> str:
    """The caller answered a menu (keys or speech), or did not; or a redirect into a node.

    The query names the node, language and step; without them it is the line's first menu in
    its first language, at the call's current step.
    """
    attempt = ctx.query_int("attempt")

    def work(session: Session) -> str:
        call = lifecycle.get_call(session, call_sid=ctx.call_sid(), lock=True)
        line = ctx.line(session, call)
        walk = Walk(ctx, session, call, line, _language(ctx, line))
        node_id = ctx.query.get("node") or line.tree.start or IMPLICIT_QUEUE
        step = ctx.query_int("step", len(call.ivr_path))
        node = line.tree.node(node_id)
        if node is None or node.type is not NodeType.MENU:
            walk.run(node_id, step)
            return walk.render()
        if "noinput" in ctx.query:
            walk.retry_or_give_up(node, step, attempt)
            return walk.render()
        option = match_option(
            node, digits=ctx.params.get_one("Digits"), speech=ctx.params.get_one("SpeechResult")
        )
        if option is None:
            twiml.say(walk.response, line.tree.prompt("invalid"), walk.language)
            walk.retry_or_give_up(node, step, attempt)
            return walk.render()
        if not lifecycle.record_choice(
            session, call=call, step=step, choice=f"{node.id}>{option.next}"
        ):
            ctx.state = InboundState.DUPLICATE
        if option.language:
            walk.language = option.language
        walk.run(option.next, step + 1)
        return walk.render()

    return ctx.retrying(work)


def verify(ctx: StepContext) -> str:
    """The caller keyed the digits that prove who they are (D11), or nothing at all."""
    node_id = ctx.query.get("node", "")
    step = ctx.query_int("step")

    def work(session: Session) -> str:
        call = lifecycle.get_call(session, call_sid=ctx.call_sid(), lock=True)
        line = ctx.line(session, call)
        walk = Walk(ctx, session, call, line, _language(ctx, line))
        check = line.tree.verification
        profile = lifecycle.caller_profile(session, call=call)
        expected = str(profile.attributes.get(check.attribute, "")) if profile and check else ""
        entered = ctx.params.get_one("Digits") or ""
        passed = bool(expected) and hmac.compare_digest(entered.encode(), expected.encode())
        if call.verified is None:
            lifecycle.record_verification(session, call=call, verified=passed, at=ctx.now)
            lifecycle.record_choice(
                session, call=call, step=step, choice=f"verify:{'passed' if passed else 'failed'}"
            )
        else:
            ctx.state = InboundState.DUPLICATE
        if check is not None:
            twiml.say(walk.response, check.passed if call.verified else check.failed, walk.language)
        walk.run(node_id, len(call.ivr_path))
        return walk.render()

    return ctx.retrying(work)


def _language(ctx: StepContext, line: Line) -> str:
    """The call's prompt language: as the URL carries it, else the line's."""
    return line.tree.language_for(ctx.query.get("lang") or line.setup.language)


def _spoken_first(languages: tuple[str, ...], first: str) -> list[str]:
    return [first, *(language for language in languages if language != first)]


def _menu(
    ctx: StepContext, response: VoiceResponse, node: Node, language: str, *, step: int, attempt: int
) -> None:
    twiml.gather_choice(
        response,
        prompts=[(text_in(node.text, language), language)],
        language=language,
        action=ctx.urls.gather(node.id, language, step, attempt),
        num_digits=node.num_digits,
        timeout=node.timeout_seconds,
        hints=node.hints(language),
        no_input_url=ctx.urls.gather(node.id, language, step, attempt, no_input=True),
    )


def _after_hours(ctx: StepContext, response: VoiceResponse, line: Line, language: str) -> None:
    if not line.setup.voicemail:
        twiml.goodbye(response, DEFAULT_PROMPTS["closed"], language)
        return
    twiml.say(response, line.tree.after_hours, language)
    _record(ctx, response, language, line.tree.voicemail_seconds)


def _record(ctx: StepContext, response: VoiceResponse, language: str, seconds: int) -> None:
    twiml.record_voicemail(
        response,
        action=ctx.urls.voicemail(language),
        transcribe_callback=ctx.urls.transcription(),
        recording_callback=ctx.urls.recording(),
        max_length=seconds,
    )


class Walk:
    """Runs IVR nodes from one, within one webhook, until one needs the caller's input or
    ends the IVR (in line, voicemail, goodbye); the TwiML accumulates in ``response``."""

    def __init__(
        self, ctx: StepContext, session: Session, call: Interaction, line: Line, language: str
    ) -> None:
        self.ctx, self.session, self.call, self.line = ctx, session, call, line
        self.tree, self.language = line.tree, language
        self.response = VoiceResponse()
        self._profile: CallerProfile | None = None
        self._profile_loaded = False

    def render(self) -> str:
        return twiml.render(self.response)

    @property
    def profile(self) -> CallerProfile | None:
        if not self._profile_loaded:
            self._profile = lifecycle.caller_profile(self.session, call=self.call)
            self._profile_loaded = True
        return self._profile

    def say(self, texts: Texts) -> None:
        twiml.say(self.response, texts, self.language)

    def goodbye(self, texts: Texts | None = None) -> None:
        twiml.goodbye(self.response, texts or self.tree.prompt("goodbye"), self.language)

    def retry_or_give_up(self, node: Node, step: int, attempt: int) -> None:
        if attempt < node.retries:
            _menu(self.ctx, self.response, node, self.language, step=step, attempt=attempt + 1)
        elif node.no_input is not None:
            self.run(node.no_input, step)
        else:
            self.goodbye()

    def run(self, node_id: str, step: int) -> None:
        if self.call.state is not InteractionState.IVR:  # a retry after the caller was queued
            node = self._node(node_id)
            announce = node.text if node is not None and node.type is NodeType.QUEUE else None
            self.say(announce or self.tree.prompt("connecting"))
            self._enqueue_twiml()
            return
        for _ in range(MAX_CHAIN):
            node = self._node(node_id)
            if node is None:
                self.goodbye()
                return
            if node.verify and self._must_verify():
                self._ask_verification(node, step)
                return
            if node.type is NodeType.MENU:
                _menu(self.ctx, self.response, node, self.language, step=step, attempt=0)
                return
            if node.type is not NodeType.ANSWER:
                self._finish(node)
                return
            self._answer(node)
            if node.next is None:
                self.goodbye()
                return
            node_id = node.next
        self.goodbye()

    def _node(self, node_id: str) -> Node | None:
        if node_id == IMPLICIT_QUEUE:
            return Node(id=IMPLICIT_QUEUE, type=NodeType.QUEUE)
        return self.tree.node(node_id)

    def _must_verify(self) -> bool:
        check = self.tree.verification
        if check is None or self.call.verified is not None or self.profile is None:
            return False  # asked already, or nothing to check a stranger against
        return bool(self.profile.attributes.get(check.attribute))

    def _ask_verification(self, node: Node, step: int) -> None:
        check = self.tree.verification
        assert check is not None
        twiml.gather_digits(
            self.response,
            texts=check.prompt,
            language=self.language,
            digits=check.digits,
            action=self.ctx.urls.verify(node.id, self.language, step),
            no_input_url=self.ctx.urls.verify(node.id, self.language, step, no_input=True),
        )

    def _answer(self, node: Node) -> None:
        """Self-service (D18): the caller's own figures, when we know who they are (and, if
        the node says so, they proved it); else the node's fallback."""
        profile = self.profile
        allowed = profile is not None and (not node.verify or self.call.verified is True)
        values = {
            **(profile.attributes if profile else {}),
            "name": profile.name if profile else None,
        }
        text = fill(text_in(node.text, self.language), values) if allowed else None
        if text is not None:
            self.response.say(text, language=self.language)
        else:
            self.say(node.fallback or DEFAULT_PROMPTS["unavailable"])

    def _finish(self, node: Node) -> None:
        if node.type is NodeType.HANGUP:
            self.goodbye(node.text)
        elif node.type is NodeType.VOICEMAIL:
            self.say(node.text)
            _record(self.ctx, self.response, self.language, node.max_seconds)
        elif node.type is NodeType.CALLBACK:
            self._callback(node)
        else:
            self._queue(node)

    def _callback(self, node: Node) -> None:
        try:
            callbacks.request_callback(
                self.session,
                number=self.call.from_number or "",
                source="ivr",
                contact_id=self.call.contact_id,
            )
        except InvalidInputError:  # an anonymous caller: nobody to call back
            self.goodbye(DEFAULT_PROMPTS["unavailable"])
            return
        self.say(node.text or DEFAULT_PROMPTS["callback"])
        self.goodbye()

    def _queue(self, node: Node) -> None:
        """To an agent: the caller becomes their conversation and waits in the queue."""
        if not self.line.setup.calendar.is_working(self.ctx.now):
            _after_hours(self.ctx, self.response, self.line, self.language)
            return
        queue_id = node.queue_id or self.line.setup.default_queue_id
        priority = node.priority
        profile = self.profile
        vip = self.tree.vip if self.tree.is_vip(profile.value_tier if profile else None) else None
        if vip is not None:
            queue_id = vip.queue_id or queue_id
            if priority is None or PRIORITIES.index(vip.priority) > PRIORITIES.index(priority):
                priority = vip.priority
        path = " › ".join(self.call.ivr_path) or "direct"
        checked = {True: "verified", False: "not verified", None: "not asked"}[self.call.verified]
        queue_call(
            self.session,
            call=self.call,
            queue_id=queue_id,
            summary=f"Phone call from {self.call.from_number or 'an unknown number'} "
            f"(IVR: {path}; identity {checked})",
            subject=f"Phone call: {node.category}" if node.category else "Phone call",
            category=node.category,
            priority=priority,
            language=self.language,
            region=self.line.setup.region,
            at=self.ctx.now,
        )
        if vip is not None:
            self.say(vip.greeting)
        self.say(node.text or self.tree.prompt("connecting"))
        self._enqueue_twiml()

    def _enqueue_twiml(self) -> None:
        enqueue_again(self.ctx, self.response, self.call, self.language)


def enqueue_again(
    ctx: StepContext, response: VoiceResponse, call: Interaction, language: str
) -> None:
    """The caller waits in the provider's queue named for the call's queue."""
    queue = call.queue_id
    twiml.enqueue(
        response,
        queue_name=f"q-{queue.hex}" if queue else "q-default",
        wait_url=ctx.urls.wait(language),
        action=ctx.urls.queue_result(language),
    )

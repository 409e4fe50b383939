"""A caller in line and then with an agent: hold, leaving the queue, the bridge, its result.

- ``wait`` (Enqueue's waitUrl, fetched again after each hold loop): position and estimated
  wait, then hold music; ``<Leave/>`` once the conversation is an agent's and no bridge job
  has taken the call (the fallback for a lost job).
- ``queue-result`` (Enqueue's action): why the caller left the queue. ``hangup`` is an
  abandoned call; ``leave`` dials the agent; the provider's errors offer voicemail.
- ``bridge`` (where the bridge job redirects the call): dial the agent's softphone.
- ``dial-result`` (Dial's action): the agent call ended (its ``DialCallDuration`` is the talk
  time), or the agent did not pick up and the caller goes back in line.
"""

from __future__ import annotations

from sqlalchemy.orm import Session
from twilio.twiml.voice_response import VoiceResponse

from channels.phone import twiml
from channels.phone.ivr import IvrTree
from channels.phone.prompts import DEFAULT_PROMPTS, fill, text_in
from channels.phone.steps_ivr import enqueue_again
from channels.phone.webhooks import StepContext, empty
from core.calls import bridging, lifecycle, queries
from core.calls.conversation import leave_line
from core.calls.ending import end_call
from core.models.inbound_record import InboundState
from core.models.interaction import Interaction
from core.routing.presence import MAX_PHONE_SECONDS

ANSWERED = frozenset({"completed", "answered"})
GONE = frozenset({"bridged", "redirected"})


def wait(ctx: StepContext) -> str:
    position = ctx.params.get_int("QueuePosition")

    def work(session: Session) -> str:
        call = lifecycle.get_call(session, call_sid=ctx.call_sid(), lock=True)
        tree = ctx.tree_of(session, call)
        language = ctx.language(tree)
        response = VoiceResponse()
        if bridging.claim_assigned(session, call=call, at=ctx.now) is not None:
            twiml.leave(response)
            return twiml.render(response)
        lines: list[tuple[str, str]] = []
        if position:
            told = fill(text_in(tree.position, language), {"position": position})
            lines += [(told, language)] if told else []
            minutes = queries.estimated_wait_minutes(
                session, queue_id=call.queue_id, position=position, at=ctx.now
            )
            estimate = fill(text_in(tree.estimate, language), {"minutes": minutes})
            lines += [(estimate, language)] if minutes and estimate else []
        twiml.hold(response, lines=lines, music_url=tree.hold_music_url)
        return twiml.render(response)

    return ctx.retrying(work)


def queue_result(ctx: StepContext) -> str:
    result = ctx.params.get_one("QueueResult") or ""

    def work(session: Session) -> str:
        call = lifecycle.get_call(session, call_sid=ctx.call_sid(), lock=True)
        tree = ctx.tree_of(session, call)
        language = ctx.language(tree)
        response = VoiceResponse()
        if result == "hangup":
            if not end_call(session, call=call, at=ctx.now):
                ctx.state = InboundState.DUPLICATE
            return empty()
        if result in GONE or call.ended_at is not None:
            return empty()
        if result == "leave":
            if call.agent_id is not None:
                dial(ctx, response, call, tree, language)
            else:
                enqueue_again(ctx, response, call, language)
            return twiml.render(response)
        leave_line(session, call=call, at=ctx.now)  # queue-full, error, system-error
        twiml.say(response, DEFAULT_PROMPTS["busy"], language)
        twiml.record_voicemail(
            response,
            action=ctx.urls.voicemail(language),
            transcribe_callback=ctx.urls.transcription(),
            recording_callback=ctx.urls.recording(),
            max_length=tree.voicemail_seconds,
        )
        return twiml.render(response)

    return ctx.retrying(work)


def bridge(ctx: StepContext) -> str:
    def work(session: Session) -> str:
        call = lifecycle.get_call(session, call_sid=ctx.call_sid(), lock=True)
        tree = ctx.tree_of(session, call)
        language = ctx.language(tree)
        response = VoiceResponse()
        if call.ended_at is not None:
            response.hangup()
        elif call.agent_id is not None or bridging.claim_assigned(session, call=call, at=ctx.now):
            dial(ctx, response, call, tree, language)
        else:
            enqueue_again(ctx, response, call, language)
        return twiml.render(response)

    return ctx.retrying(work)


def dial_result(ctx: StepContext) -> str:
    status = ctx.params.get_one("DialCallStatus") or ""
    duration = ctx.params.get_int("DialCallDuration")
    call_sid = ctx.query.get("call") or ctx.call_sid()

    def work(session: Session) -> str:
        call = lifecycle.get_call(session, call_sid=call_sid, lock=True)
        tree = ctx.tree_of(session, call)
        language = ctx.language(tree)
        response = VoiceResponse()
        if status in ANSWERED:
            talk = min(duration, MAX_PHONE_SECONDS) if duration is not None else None
            if call.answered_at is None:  # the agent leg's callbacks did not come
                bridging.agent_answered(session, call=call, at=ctx.now)
            end_call(session, call=call, at=ctx.now, talk_seconds=talk)
            twiml.goodbye(response, tree.prompt("goodbye"), language)
        elif bridging.agent_missed(session, call=call, at=ctx.now):
            enqueue_again(ctx, response, call, language)
        else:
            response.hangup()
        return twiml.render(response)

    return ctx.retrying(work)


def dial(
    ctx: StepContext, response: VoiceResponse, call: Interaction, tree: IvrTree, language: str
) -> None:
    """Ring the agent the call was claimed for."""
    assert call.agent_id is not None and call.external_id is not None
    twiml.dial_agent(
        response,
        identity=bridging.agent_identity(call.agent_id),
        action=ctx.urls.dial_result(call.external_id, language),
        leg_callback=ctx.urls.agent_leg(call.external_id),
        record=tree.record_calls,
        recording_callback=ctx.urls.recording(),
    )

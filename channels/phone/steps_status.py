"""What the provider reports about calls, and the answer of a placed call-back.

- ``status`` (the number's status callback; ``?callback=`` for call-backs): queued, ringing,
  in-progress, completed, busy, no-answer, failed, canceled, kept as ``provider_status``; a
  final one ends the call (abandoned if the caller was still waiting).
- ``agent-leg`` (the agent softphone leg's status callback): ringing, answered, completed
  with its ``CallDuration`` (the talk time).
- ``voicemail`` (Record's action), ``recording`` (recording status callback) and
  ``transcription`` (the transcript, a message of the conversation, once per TranscriptionSid).
- ``outbound``: the customer answered a call-back; they are put in line for an agent.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session
from twilio.twiml.voice_response import VoiceResponse

from channels.phone import twiml
from channels.phone.prompts import DEFAULT_PROMPTS
from channels.phone.steps_ivr import enqueue_again
from channels.phone.webhooks import StepContext, StepError, empty
from core import callbacks
from core.calls import bridging, lifecycle
from core.calls.config import e164
from core.calls.conversation import add_transcript, queue_call, record_voicemail
from core.calls.ending import end_call
from core.errors import InvalidInputError, NotFoundError
from core.models.inbound_record import InboundState
from core.models.interaction import InteractionState
from core.routing.presence import MAX_PHONE_SECONDS

FINAL_STATUSES = {
    "completed": InteractionState.COMPLETED,
    "busy": InteractionState.BUSY,
    "no-answer": InteractionState.NO_ANSWER,
    "failed": InteractionState.FAILED,
    "canceled": InteractionState.CANCELED,
}
RINGING_STATUSES = frozenset({"initiated", "queued", "ringing"})


def status(ctx: StepContext) -> str:
    call_status = ctx.params.get_one("CallStatus") or ""
    callback_id = _uuid(ctx.query.get("callback"))

    def work(session: Session) -> str:
        call_sid = ctx.call_sid()
        call = lifecycle.find_call(session, call_sid=call_sid, lock=True)
        final = FINAL_STATUSES.get(call_status)
        if call is None:
            if callback_id is None:
                raise StepError(404, "no such call")
            if final is not None:  # the call-back was not answered: keep the attempt
                _unanswered_callback(ctx, session, callback_id, call_sid, call_status, final)
            return empty()
        changed = lifecycle.note_provider_status(session, call=call, status=call_status)
        if final is not None:
            changed = end_call(session, call=call, at=ctx.now, state=final) or changed
        if not changed:
            ctx.state = InboundState.DUPLICATE
        return empty()

    return ctx.retrying(work)


def _unanswered_callback(
    ctx: StepContext,
    session: Session,
    callback_id: uuid.UUID,
    call_sid: str,
    call_status: str,
    final: InteractionState,
) -> None:
    try:
        request = callbacks.record_failure(
            session, callback_id=callback_id, reason=f"call {call_status}", at=ctx.now
        )
    except NotFoundError as exc:
        raise StepError(404, "no such call-back request") from exc
    started = lifecycle.start_call(
        session,
        call_sid=call_sid,
        line_id=None,
        from_number=ctx.params.get_one("From"),
        to_number=request.number,
        region=None,
        inbound=False,
        state=final,
        contact_id=request.contact_id,
        at=ctx.now,
    )
    call = lifecycle.get_call(session, call_sid=call_sid, lock=True)
    call.ended_at = call.ended_at or ctx.now
    lifecycle.note_provider_status(session, call=call, status=call_status)
    if not started.new:
        ctx.state = InboundState.DUPLICATE


def agent_leg(ctx: StepContext) -> str:
    leg_status = ctx.params.get_one("CallStatus") or ""
    duration = ctx.params.get_int("CallDuration")
    parent_sid = ctx.query.get("call") or ctx.params.get_one("ParentCallSid")
    if not parent_sid:
        raise StepError(400, "the agent leg names no parent call")

    def work(session: Session) -> str:
        call = lifecycle.get_call(session, call_sid=parent_sid, lock=True)
        if leg_status in RINGING_STATUSES:
            bridging.agent_ringing(session, call=call, at=ctx.now)
        elif leg_status == "in-progress":
            bridging.agent_answered(session, call=call, at=ctx.now)
        elif leg_status == "completed" and call.answered_at is not None:
            talk = min(duration, MAX_PHONE_SECONDS) if duration is not None else None
            end_call(session, call=call, at=ctx.now, talk_seconds=talk)
        return empty()  # busy, no-answer, failed: the Dial action puts the caller back in line

    return ctx.retrying(work)


def voicemail(ctx: StepContext) -> str:
    url = ctx.params.get_one("RecordingUrl")
    seconds = ctx.params.get_int("RecordingDuration")

    def work(session: Session) -> str:
        call = lifecycle.get_call(session, call_sid=ctx.call_sid(), lock=True)
        tree = ctx.tree_of(session, call)
        language = ctx.language(tree)
        if url:
            line = ctx.line_of(session, call)
            result = record_voicemail(
                session,
                call=call,
                recording_url=url,
                duration_seconds=seconds,
                region=line.setup.region if line else None,
                language=language,
                at=ctx.now,
            )
            ctx.message_id = result.message_id
            if result.duplicate:
                ctx.state = InboundState.DUPLICATE
        response = VoiceResponse()
        twiml.goodbye(response, tree.prompt("voicemail_thanks"), language)
        return twiml.render(response)

    return ctx.retrying(work)


def recording(ctx: StepContext) -> str:
    url = ctx.params.get_one("RecordingUrl")
    recording_status = ctx.params.get_one("RecordingStatus") or "completed"

    def work(session: Session) -> str:
        call = lifecycle.get_call(session, call_sid=ctx.call_sid(), lock=True)
        if url and recording_status == "completed" and call.recording_url != url:
            call.recording_url = url[:1000]
            session.flush()
        return empty()

    return ctx.retrying(work)


def transcription(ctx: StepContext) -> str:
    transcription_sid = ctx.params.get_one("TranscriptionSid")
    text = ctx.params.get_one("TranscriptionText")
    transcription_status = ctx.params.get_one("TranscriptionStatus") or "completed"

    def work(session: Session) -> str:
        call = lifecycle.get_call(session, call_sid=ctx.call_sid(), lock=True)
        if not transcription_sid or not text or transcription_status != "completed":
            return empty()  # a failed transcription: the recording is on the voicemail already
        line = ctx.line_of(session, call)
        result = add_transcript(
            session,
            call=call,
            transcription_sid=transcription_sid[:128],
            text=text[:20_000],
            region=line.setup.region if line else None,
        )
        ctx.message_id = result.message_id
        if result.duplicate:
            ctx.state = InboundState.DUPLICATE
        return empty()

    return ctx.retrying(work)


def outbound(ctx: StepContext) -> str:
    """The customer picked up a call-back: into line for an agent, as a call of theirs."""
    callback_id = _uuid(ctx.query.get("callback"))
    if callback_id is None:
        raise StepError(404, "no such call-back request")

    def work(session: Session) -> str:
        call_sid = ctx.call_sid()
        try:
            request = callbacks.get_callback(session, callback_id=callback_id)
        except NotFoundError as exc:
            raise StepError(404, "no such call-back request") from exc
        line = None
        try:
            ours = e164(ctx.params.get_one("From") or "", field="From")
            line = ctx.directory.line_by_number(ctx.tenant_id, ours, session=session)
        except InvalidInputError:
            pass
        lifecycle.start_call(
            session,
            call_sid=call_sid,
            line_id=line.setup.id if line else None,
            from_number=ctx.params.get_one("From"),
            to_number=request.number,
            region=line.setup.region if line else None,
            inbound=False,
            contact_id=request.contact_id,
            at=ctx.now,
        )
        call = lifecycle.get_call(session, call_sid=call_sid, lock=True)
        callbacks.record_answered(session, callback_id=callback_id, at=ctx.now)
        tree = line.tree if line else ctx.tree_of(session, call)
        language = tree.language_for(line.setup.language if line else None)
        queue_call(
            session,
            call=call,
            queue_id=line.setup.default_queue_id if line else None,
            summary=f"Call-back to {request.number} (asked for via {request.source})",
            subject="Call-back",
            language=language,
            region=line.setup.region if line else None,
            at=ctx.now,
        )
        response = VoiceResponse()
        twiml.say(response, DEFAULT_PROMPTS["callback_intro"], language)
        enqueue_again(ctx, response, call, language)
        return twiml.render(response)

    return ctx.retrying(work)


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None

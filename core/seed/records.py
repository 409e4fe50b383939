"""The rows a conversation leaves: its call leg, and, cut at now, its columns, messages, events,
settled SLA clocks and satisfaction survey."""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime

from core.models import (
    Channel,
    ConversationEvent,
    DeliveryStatus,
    EventType,
    Interaction,
    InteractionState,
    Message,
    Tier,
    ValueTier,
)
from core.models import ConversationStatus as Status
from core.models import MessageDirection as Direction
from core.seed.csat import CsatHistory
from core.seed.rows import Row
from core.seed.run import SECOND, SeedRun
from core.seed.sla import SlaHistory
from core.seed.staff import SeededQueue
from core.seed.story import Step, Story

EXTERNAL_ID = {
    Channel.PHONE: "CA{token}",
    Channel.EMAIL: "<{token}@mail.example.com>",
    Channel.WEBFORM: "wf_{token}",
    Channel.SOCIAL: "post_{token}",
}


class ConversationRecorder:
    """Writes conversations' rows so that status, counters, messages, events, SLA clocks and
    surveys agree."""

    def __init__(self, run: SeedRun) -> None:
        self.run = run
        self.tokens = itertools.count(1)
        self.sla = SlaHistory(run)
        self.csat = CsatHistory(run)

    def record(self, conversation: Row, story: Story, tier: ValueTier) -> None:
        """Cut the story at now; derive the conversation's columns, messages, events, settled
        SLA clocks and survey from it (``tier``: its customer's value tier, which SLA policies
        match)."""
        now = self.run.now
        kept = sorted((step for step in story.steps if step.at <= now), key=lambda s: s.at)
        status, queue, assignee, owner, verified = Status.NEW, None, None, None, False
        resolved = closed = first_response = last_message = last_inbound = None
        counts = dict.fromkeys((EventType.REOPENED, EventType.TRANSFERRED, EventType.ESCALATED), 0)
        for step in kept:
            if step.type is EventType.STATUS_CHANGED:
                status = Status(step.data["to"])
                resolved = step.at if status is Status.RESOLVED else resolved
                closed = step.at if status is Status.CLOSED else None
            elif step.type is EventType.REOPENED:
                status, resolved = Status.OPEN, None
            if step.type in counts:
                counts[step.type] += 1
            queue, assignee = step.queue or queue, step.assignee or assignee
            owner = owner or step.assignee  # the agent who took it owns the outcome (D3)
            verified = verified or step.type is EventType.IDENTITY_VERIFIED
            if step.responds:
                first_response = first_response or step.at
            if step.direction is Direction.INBOUND:
                last_inbound = step.at
            if step.direction in (Direction.INBOUND, Direction.OUTBOUND):
                last_message = step.at
        kept += self.sla.settle(conversation, tier, kept)
        finished = resolved or closed
        if status in (Status.RESOLVED, Status.CLOSED) and owner and finished:
            kept += self.csat.survey(
                conversation,
                resolved_at=finished,
                handed_on=counts[EventType.TRANSFERRED] + counts[EventType.ESCALATED] > 0,
                went_wrong=counts[EventType.REOPENED] > 0
                or conversation["sla_breached_at"] is not None,
            )
        kept.sort(key=lambda step: step.at)
        conversation.update(
            status=status,
            queue_id=queue.id if queue else None,
            tier=queue.tier if queue else Tier.L1,
            assignee_id=assignee,
            owner_id=owner,
            identity_verified=verified,
            first_response_at=first_response,
            resolved_at=resolved,
            closed_at=closed,
            last_message_at=last_message,
            last_inbound_at=last_inbound,
            reopen_count=counts[EventType.REOPENED],
            transfer_count=counts[EventType.TRANSFERRED],
            escalation_count=counts[EventType.ESCALATED],
            updated_at=kept[-1].at,
        )
        for step in kept:
            if step.direction is not None:
                message = self._message(conversation, step)
                if step.type is not None:
                    step.data["message_id"] = str(message["id"])
            if step.type is not None:
                self.run.rows.add(
                    ConversationEvent,
                    step.at,
                    conversation_id=conversation["id"],
                    type=step.type,
                    occurred_at=step.at,
                    actor_user_id=step.actor,
                    data=step.data,
                )

    def call(
        self,
        conversation: Row,
        queue: SeededQueue,
        agent: uuid.UUID,
        queued_at: datetime,
        mean_wait: float,
    ) -> Row:
        """One ended call leg (D20): answered and timed after about ``mean_wait`` seconds in
        line, or abandoned while queued."""
        rng, sid = self.run.rng, f"CA{self._token()}"
        wait = min(600, 3 + int(rng.expovariate(1 / mean_wait)))
        abandoned = rng.random() < 0.04 + wait / 1500
        talk, hold, wrap = 0, 0, 0
        if not abandoned:
            talk, wrap = rng.randint(60, 900), rng.randint(15, 180)
            hold = rng.choice((0, 0, rng.randint(10, 120)))
        return self.run.rows.add(
            Interaction,
            queued_at,
            conversation_id=conversation["id"],
            channel=Channel.PHONE,
            external_id=sid,
            queue_id=queue.id,
            agent_id=None if abandoned else agent,
            state=InteractionState.ENDED,
            queued_at=queued_at,
            answered_at=None if abandoned else queued_at + wait * SECOND,
            ended_at=queued_at + (wait + talk + hold) * SECOND,
            talk_seconds=talk,
            hold_seconds=hold,
            wrap_up_seconds=wrap,
            abandoned=abandoned,
            recording_url=None if abandoned else f"https://recordings.northwind.example/{sid}.mp3",
            disposition="abandoned" if abandoned else "handled",
        )

    def _message(self, conversation: Row, step: Step) -> Row:
        """A message whose direction, delivery status and addresses agree with one another."""
        rng, now = self.run.rng, self.run.now
        inbound, note = step.direction is Direction.INBOUND, step.direction is Direction.NOTE
        status, delivered_at = DeliveryStatus.SENT, None
        delivery = step.at + rng.randint(1, 30) * SECOND
        if inbound:
            status = DeliveryStatus.RECEIVED
        elif note:
            status = DeliveryStatus.NOT_APPLICABLE
        elif delivery <= now and rng.random() < 0.85:
            status, delivered_at = DeliveryStatus.DELIVERED, delivery
        channel = conversation["channel"]
        return self.run.rows.add(
            Message,
            step.at,
            conversation_id=conversation["id"],
            direction=step.direction,
            channel=channel,
            author_user_id=None if inbound else step.actor,
            contact_identity_id=None if note else conversation["contact_identity_id"],
            external_id=EXTERNAL_ID[channel].format(token=self._token()) if inbound else None,
            text=step.text,
            sent_at=None if note else step.at,
            delivery_status=status,
            delivered_at=delivered_at,
        )

    def _token(self) -> str:
        """A provider-style id, unique through its counter prefix."""
        return f"{next(self.tokens):07d}{self.run.rng.getrandbits(48):012x}"

"""One tenant's working day, replayed hour by hour through the real services.

Tuesday 10 March 2026 in Shanghai. Headquarters → North region → Beijing site; queues: the
phone front line (Beijing, 20 s threshold), written work (North region, email and web form,
1 h threshold) and experts (headquarters, L2, phone and email). Agents A1 and A2 (L1, Beijing)
and E1 (L2, headquarters). One SLA policy for email and web forms: first response in 1 h,
resolution in 24 h, around the clock.

Every step goes through the service the product uses (ingest, queue_call, assignment,
bridging, end_call, submit_disposition, replies, update_conversation, handoffs, presence,
SLA hooks, survey answers) with the clock set to that moment. Routing's own work (start
clocks, put in line) is called as its job would call it; which agent takes what is chosen by
direct assignment.
Only hold time is written on the call row directly, to keep the hand-computed talk figures;
the hold service itself (core/calls/hold.py) is tested in tests/channels/phone.
"""

from __future__ import annotations

import uuid
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col

from core import contacts, csat, org_units, queues, users
from core.calls import bridging, conversation, ending, lifecycle
from core.conversation_updates import update_conversation
from core.db import Database
from core.handoffs import HandoffNote, escalate_tier, transfer
from core.inbound import InboundMessage
from core.ingest import ingest
from core.models import (
    Channel,
    Conversation,
    ConversationStatus,
    IdentityKind,
    OrgUnitKind,
    PresenceState,
    Role,
    SurveyChannel,
    Tenant,
    Tier,
    ValueTier,
)
from core.replies import reply
from core.routing import assignment, presence, waiting
from core.sla import hooks, policies
from tests.kpis.clock import FrozenClock

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A moment of the day, Shanghai time."""
    return datetime(2026, 3, 10, hour, minute, second, tzinfo=SHANGHAI)


DAY_END = at(17)
"""When the day's figures are read."""


@dataclass
class DayIds:
    hq: uuid.UUID
    region: uuid.UUID
    site: uuid.UUID
    phone_front: uuid.UUID
    written: uuid.UUID
    experts: uuid.UUID
    a1: uuid.UUID
    a2: uuid.UUID
    e1: uuid.UUID
    conversations: dict[str, uuid.UUID] = field(default_factory=dict)


@dataclass
class Day:
    database: Database
    tenant_id: uuid.UUID
    clock: FrozenClock
    ids: DayIds | None = None
    numbers: int = 0

    def unit(self, moment: datetime) -> AbstractContextManager[Session]:
        """A tenant unit of work at ``moment`` (the services' clock set to it)."""
        self.clock.set(moment)
        return self.database.tenant_unit(self.tenant_id)

    # -- setting up -----------------------------------------------------------------------

    def organise(self) -> DayIds:
        with self.database.system_unit() as session:
            tenant = session.get_one(Tenant, self.tenant_id)
            tenant.timezone = SHANGHAI.key
        with self.unit(at(7)) as session:
            tag = uuid.uuid4().hex[:6]
            hq = org_units.create_org_unit(
                session, name="HQ", code=f"HQ-{tag}", kind=OrgUnitKind.HEADQUARTERS
            )
            region = org_units.create_org_unit(
                session, name="North", code=f"RN-{tag}", kind=OrgUnitKind.REGION, parent_id=hq.id
            )
            site = org_units.create_org_unit(
                session, name="Beijing", code=f"BJ-{tag}", kind=OrgUnitKind.SITE,
                parent_id=region.id,
            )  # fmt: skip
            phone_front = queues.create_queue(
                session, name=f"phone-{tag}", org_unit_id=site.id, channels=[Channel.PHONE],
                service_level_seconds=20,
            )  # fmt: skip
            written = queues.create_queue(
                session, name=f"written-{tag}", org_unit_id=region.id,
                channels=[Channel.EMAIL, Channel.WEBFORM], service_level_seconds=3600,
            )  # fmt: skip
            experts = queues.create_queue(
                session, name=f"experts-{tag}", org_unit_id=hq.id, tier=Tier.L2,
                channels=[Channel.PHONE, Channel.EMAIL], service_level_seconds=60,
            )  # fmt: skip

            def agent(name: str, tier: Tier, unit: uuid.UUID) -> uuid.UUID:
                email = f"{name}-{tag}@example.com"
                return users.create_user(
                    session, email=email, name=name, roles=[Role.AGENT], tier=tier,
                    org_unit_id=unit,
                ).id  # fmt: skip

            a1, a2 = agent("a1", Tier.L1, site.id), agent("a2", Tier.L1, site.id)
            e1 = agent("e1", Tier.L2, hq.id)
            policies.create_policy(
                session, name=f"written-{tag}", match_channels=["email", "webform"],
                first_response_seconds=3600, resolution_seconds=86400,
            )  # fmt: skip
        self.ids = DayIds(hq.id, region.id, site.id, phone_front.id, written.id, experts.id,
                          a1, a2, e1)  # fmt: skip
        return self.ids

    def presence(self, agent_id: uuid.UUID, state: PresenceState, moment: datetime) -> None:
        with self.unit(moment) as session:
            presence.set_presence(session, agent_id=agent_id, state=state, at=moment)

    # -- calls ----------------------------------------------------------------------------

    def call(self, name: str, *, queued: datetime, category: str | None = None) -> str:
        """A caller picks the queue in the IVR and waits; returns the call sid."""
        assert self.ids is not None
        self.numbers += 1
        sid = f"CA{uuid.uuid4().hex}"
        number = f"+86139{uuid.uuid4().int % 10**8:08d}"
        with self.unit(queued) as session:
            lifecycle.start_call(
                session, call_sid=sid, line_id=None, from_number=number,
                to_number="+861012345678", region="CN", at=queued,
            )  # fmt: skip
            call = lifecycle.get_call(session, call_sid=sid)
            placed = conversation.queue_call(
                session, call=call, queue_id=self.ids.phone_front, summary="caller",
                category=category, region="CN", at=queued,
            )  # fmt: skip
            hooks.start_clocks(session, conversation_id=placed.conversation_id, at=queued)
            waiting.make_waiting(
                session, conversation_id=placed.conversation_id, queue_id=self.ids.phone_front,
                at=queued,
            )  # fmt: skip
            self.ids.conversations[name] = placed.conversation_id
        return sid

    def answer(self, sid: str, agent_id: uuid.UUID, moment: datetime) -> None:
        with self.unit(moment) as session:
            call = lifecycle.get_call(session, call_sid=sid)
            assert call.conversation_id is not None
            assert assignment.assign(
                session, conversation_id=call.conversation_id, agent_id=agent_id, at=moment
            )
            bridging.claim_for_agent(
                session, conversation_id=call.conversation_id, agent_id=agent_id
            )
            call = lifecycle.get_call(session, call_sid=sid)
            bridging.agent_ringing(session, call=call, at=moment)
            bridging.agent_answered(session, call=call, at=moment)

    def hang_up(self, sid: str, moment: datetime, *, talk: int = 0, hold: int = 0) -> None:
        with self.unit(moment) as session:
            call = lifecycle.get_call(session, call_sid=sid, lock=True)
            answered = call.answered_at is not None
            ending.end_call(session, call=call, at=moment, talk_seconds=talk if answered else None)
            call.hold_seconds = hold  # as core.calls.hold would have banked it
            session.flush()

    def disposition(self, sid: str, moment: datetime, *, resolve: bool) -> None:
        with self.unit(moment) as session:
            call = lifecycle.get_call(session, call_sid=sid)
            ending.submit_disposition(
                session, interaction_id=call.id, disposition="handled", resolve=resolve,
                at=moment,
            )  # fmt: skip

    # -- written work ---------------------------------------------------------------------

    def write_in(
        self,
        name: str,
        *,
        moment: datetime,
        sender: str,
        channel: Channel = Channel.EMAIL,
        category: str | None = None,
        value_tier: ValueTier = ValueTier.STANDARD,
    ) -> uuid.UUID:
        """A customer writes; a new conversation is queued in the written queue."""
        assert self.ids is not None
        with self.unit(moment) as session:
            result = ingest(session, self._message(sender, channel, moment, category))
            if value_tier is not ValueTier.STANDARD:
                contacts.update_contact(
                    session, contact_id=result.contact_id, changes={"value_tier": value_tier}
                )
            hooks.start_clocks(session, conversation_id=result.conversation_id, at=moment)
            waiting.make_waiting(
                session, conversation_id=result.conversation_id, queue_id=self.ids.written,
                at=moment,
            )  # fmt: skip
        self.ids.conversations[name] = result.conversation_id
        return result.conversation_id

    def writes_back(self, sender: str, moment: datetime, channel: Channel = Channel.EMAIL) -> None:
        """The customer answers in their open conversation."""
        with self.unit(moment) as session:
            ingest(session, self._message(sender, channel, moment, None))

    def _message(
        self, sender: str, channel: Channel, moment: datetime, category: str | None
    ) -> InboundMessage:
        return InboundMessage(
            tenant_id=self.tenant_id, channel=channel, sender_kind=IdentityKind.EMAIL,
            sender=sender, external_id=f"<{uuid.uuid4().hex}@mail.example.com>",
            text="Hello", subject="A question", sent_at=moment, category=category,
        )  # fmt: skip

    def take(self, name: str, agent_id: uuid.UUID, moment: datetime) -> None:
        with self.unit(moment) as session:
            assert assignment.assign(
                session, conversation_id=self.conversation(name), agent_id=agent_id, at=moment
            )

    def reply(self, name: str, agent_id: uuid.UUID, moment: datetime) -> None:
        with self.unit(moment) as session:
            reply(session, conversation_id=self.conversation(name), text="Answer",
                  author_user_id=agent_id)  # fmt: skip

    def status(
        self, name: str, status: ConversationStatus, agent_id: uuid.UUID, moment: datetime
    ) -> None:
        with self.unit(moment) as session:
            update_conversation(
                session, conversation_id=self.conversation(name), changes={"status": status},
                actor_user_id=agent_id,
            )  # fmt: skip

    def transfer_to(self, name: str, agent_id: uuid.UUID, by: uuid.UUID, moment: datetime) -> None:
        with self.unit(moment) as session:
            transfer(
                session, conversation_id=self.conversation(name), to_agent_id=agent_id,
                note=HandoffNote(summary="billing dispute"), actor_user_id=by,
            )  # fmt: skip

    def escalate(self, name: str, by: uuid.UUID, moment: datetime) -> None:
        with self.unit(moment) as session:
            escalate_tier(
                session, conversation_id=self.conversation(name),
                note=HandoffNote(summary="fault needs an expert"), actor_user_id=by,
            )  # fmt: skip

    def survey(self, name: str, score: int, moment: datetime, channel: SurveyChannel) -> None:
        """The customer answers the satisfaction survey."""
        with self.unit(moment) as session:
            csat.record_answer(
                session, conversation_id=self.conversation(name), score=score, channel=channel
            )

    def conversation(self, name: str) -> uuid.UUID:
        assert self.ids is not None
        return self.ids.conversations[name]


def build_day(database: Database, tenant_id: uuid.UUID, clock: FrozenClock) -> DayIds:
    """The day; see the module docstring and the expected figures in the test."""
    day = Day(database, tenant_id, clock)
    ids = day.organise()
    for agent_id in (ids.a1, ids.a2, ids.e1):
        day.presence(agent_id, PresenceState.AVAILABLE, at(8))

    # M1, email, gold customer, complaint: waits 30 min, answered, pending 2 h, resolved.
    day.write_in("M1", moment=at(8), sender="m1@example.com", category="complaint",
                 value_tier=ValueTier.GOLD)  # fmt: skip
    day.take("M1", ids.a2, at(8, 30))
    day.reply("M1", ids.a2, at(8, 40))
    day.status("M1", ConversationStatus.PENDING, ids.a2, at(8, 45))
    day.writes_back("m1@example.com", at(10, 45))
    day.status("M1", ConversationStatus.RESOLVED, ids.a2, at(11, 15))
    day.survey("M1", 5, at(11, 25), SurveyChannel.EMAIL_LINK)

    # C1: answered after 10 s, 300 s talk + 30 s hold, 60 s wrap-up, resolved on the call.
    c1 = day.call("C1", queued=at(9), category="billing")
    day.answer(c1, ids.a1, at(9, 0, 10))
    day.hang_up(c1, at(9, 5, 40), talk=300, hold=30)
    day.disposition(c1, at(9, 6, 40), resolve=True)
    day.survey("C1", 4, at(9, 7, 30), SurveyChannel.PHONE_IVR)

    # M2, email, billing: waits 90 min (first response breached at 10:00), transferred.
    day.write_in("M2", moment=at(9), sender="m2@example.com", category="billing")
    day.take("M2", ids.a1, at(10, 30))
    day.reply("M2", ids.a1, at(10, 35))
    day.transfer_to("M2", ids.a2, ids.a1, at(10, 45))
    day.status("M2", ConversationStatus.RESOLVED, ids.a2, at(13))

    # C2: answered after 45 s (outside 20 s), resolved, reopened at 14:00, resolved at 15:00.
    c2 = day.call("C2", queued=at(9, 30), category="billing")
    day.answer(c2, ids.a2, at(9, 30, 45))
    day.hang_up(c2, at(9, 41, 45), talk=600, hold=60)
    day.disposition(c2, at(9, 43, 45), resolve=True)
    day.status("C2", ConversationStatus.OPEN, ids.a2, at(14))
    day.status("C2", ConversationStatus.RESOLVED, ids.a2, at(15))
    day.survey("C2", 2, at(15, 20), SurveyChannel.WEB)

    # C3 hangs up after 3 s (a short abandon); C4 after 40 s.
    c3 = day.call("C3", queued=at(10))
    day.hang_up(c3, at(10, 0, 3))
    c4 = day.call("C4", queued=at(10, 10))
    day.hang_up(c4, at(10, 10, 40))

    # C5: answered at exactly 20 s, escalated to the experts, resolved there.
    c5 = day.call("C5", queued=at(11), category="network_fault")
    day.answer(c5, ids.a1, at(11, 0, 20))
    day.hang_up(c5, at(11, 4, 20), talk=240)
    day.disposition(c5, at(11, 4, 50), resolve=False)
    day.escalate("C5", ids.a1, at(11, 5))
    day.take("C5", ids.e1, at(11, 10))
    day.status("C5", ConversationStatus.RESOLVED, ids.e1, at(12))
    day.survey("C5", 5, at(12, 30), SurveyChannel.EMAIL_LINK)

    # E1 is away for an hour; A2 signs off at 16:00.
    day.presence(ids.e1, PresenceState.AWAY, at(12, 30))
    day.presence(ids.e1, PresenceState.AVAILABLE, at(13, 30))
    day.presence(ids.a2, PresenceState.OFFLINE, at(16))

    # M3, web form, diamond, complaint: first response due 13:00, answered 13:25 (breached).
    day.write_in("M3", moment=at(12), sender="m3@example.com", channel=Channel.WEBFORM,
                 category="complaint", value_tier=ValueTier.DIAMOND)  # fmt: skip
    day.take("M3", ids.a1, at(13, 20))
    day.reply("M3", ids.a1, at(13, 25))

    # M4 and M5 still wait at 17:00: M4's first response was due 16:00, M5's is due 17:10.
    day.write_in("M4", moment=at(15), sender="m4@example.com", category="roaming")
    day.write_in("M5", moment=at(16, 10), sender="m5@example.com", category="billing")
    return ids


def conversation_numbers(database: Database, tenant_id: uuid.UUID, ids: DayIds) -> dict[str, int]:
    """The reference numbers of the day's conversations, by their names in the story."""
    with database.tenant_session(tenant_id) as session:
        rows = session.execute(
            sa.select(col(Conversation.id), col(Conversation.number)).where(
                col(Conversation.id).in_(list(ids.conversations.values()))
            )
        ).all()
    by_id = dict(rows)
    return {name: by_id[cid] for name, cid in ids.conversations.items()}

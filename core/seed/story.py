"""A conversation told as timestamped steps, before it is cut at now and turned into rows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.models import ConversationStatus as Status
from core.models import EventType
from core.models import MessageDirection as Direction
from core.seed.staff import SeededQueue


@dataclass(slots=True)
class Step:
    """One moment of a conversation: an event, a message, or a message with its event."""

    at: datetime
    type: EventType | None = None
    actor: uuid.UUID | None = None
    data: dict[str, Any] = field(default_factory=dict)
    direction: Direction | None = None
    text: str = ""
    assignee: uuid.UUID | None = None
    queue: SeededQueue | None = None
    responds: bool = False  # an agent answers the customer here: a reply, or a call picked up


class Story:
    """A conversation's timeline as it would have happened, steps possibly beyond now."""

    def __init__(self) -> None:
        self.steps: list[Step] = []
        self.status = Status.NEW

    def add(self, at: datetime, type: EventType | None, **fields: Any) -> None:
        self.steps.append(Step(at, type, **fields))

    def say(self, at: datetime, direction: Direction, text: str, by: uuid.UUID | None) -> None:
        event = {Direction.OUTBOUND: EventType.REPLIED, Direction.NOTE: EventType.NOTE_ADDED}
        responds = direction is Direction.OUTBOUND
        self.add(
            at, event.get(direction), actor=by, direction=direction, text=text, responds=responds
        )

    def assign(
        self, at: datetime, agent: uuid.UUID, queue: SeededQueue, *, answers: bool = False
    ) -> None:
        """The agent takes it; ``answers`` when taking it answers the customer (a call)."""
        data = {"user_id": str(agent), "queue_id": str(queue.id)}
        self.add(at, EventType.ASSIGNED, assignee=agent, data=data, responds=answers)

    def move(self, at: datetime, to: Status, by: uuid.UUID | None = None, **data: Any) -> None:
        data = {"from": self.status.value, "to": to.value, **data}
        self.add(at, EventType.STATUS_CHANGED, actor=by, data=data)
        self.status = to

    @property
    def messages(self) -> int:
        return sum(step.direction is not None for step in self.steps)

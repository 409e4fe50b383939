"""All tables; importing this package registers them on SQLModel.metadata."""

from core.models.base import TenantOwned
from core.models.channel import Channel
from core.models.contact import Contact, ContactIdentity, IdentityKind, ValueTier
from core.models.conversation import (
    OPEN_STATUSES,
    Conversation,
    ConversationStatus,
    Priority,
)
from core.models.event import ConversationEvent, EventType
from core.models.inbound_record import InboundRecord, InboundState
from core.models.interaction import Interaction, InteractionState
from core.models.mailbox import Mailbox, TransportSecurity
from core.models.message import DeliveryStatus, Message, MessageDirection
from core.models.org_unit import OrgUnit, OrgUnitKind
from core.models.outbox import JobReceipt, OutboxJob
from core.models.queue import Queue
from core.models.tenant import ApiKey, Tenant
from core.models.user import AgentSkill, Role, Tier, User

__all__ = [
    "OPEN_STATUSES",
    "AgentSkill",
    "ApiKey",
    "Channel",
    "Contact",
    "ContactIdentity",
    "Conversation",
    "ConversationEvent",
    "ConversationStatus",
    "DeliveryStatus",
    "EventType",
    "IdentityKind",
    "InboundRecord",
    "InboundState",
    "Interaction",
    "InteractionState",
    "JobReceipt",
    "Mailbox",
    "Message",
    "MessageDirection",
    "OrgUnit",
    "OrgUnitKind",
    "OutboxJob",
    "Priority",
    "Queue",
    "Role",
    "Tenant",
    "TenantOwned",
    "Tier",
    "TransportSecurity",
    "User",
    "ValueTier",
]

"""All tables; importing this package registers them on SQLModel.metadata."""

from core.models.agent_status import AgentStateChange, AgentStatus, PresenceState
from core.models.audit import AuditEntry
from core.models.base import TenantOwned
from core.models.browser_session import BrowserSession
from core.models.business_calendar import BusinessCalendarRecord
from core.models.callback_request import CallbackRequest, CallbackState
from core.models.channel import Channel
from core.models.contact import Contact, ContactIdentity, IdentityKind, ValueTier
from core.models.conversation import (
    OPEN_STATUSES,
    Conversation,
    ConversationStatus,
    Priority,
    RoutingState,
)
from core.models.credential import LocalCredential, PasswordReset
from core.models.csat import CsatResponse, SurveyChannel
from core.models.event import ConversationEvent, EventType
from core.models.handoff import Handoff, HandoffKind
from core.models.identity_provider import IdentityProvider, UserIdentity
from core.models.inbound_record import InboundRecord, InboundState
from core.models.interaction import FINAL_STATES, Interaction, InteractionState
from core.models.kpi_rollup import KpiRefresh, KpiRollup
from core.models.mailbox import Mailbox, TransportSecurity
from core.models.message import DeliveryStatus, Message, MessageDirection
from core.models.org_unit import OrgUnit, OrgUnitKind
from core.models.outbox import JobReceipt, OutboxJob
from core.models.queue import Queue
from core.models.routing_offer import OfferState, RoutingOffer
from core.models.routing_policy import RoutingPolicy
from core.models.sla import (
    BreachAction,
    ClockOutcome,
    SlaClock,
    SlaMetric,
    SlaPolicy,
    SlaPrediction,
)
from core.models.social import (
    Monitor,
    MonitorHit,
    PostKind,
    SentimentLabel,
    SocialAccount,
    SocialNetwork,
    SocialPost,
    VolumeBucket,
)
from core.models.social_alert import (
    AlertKind,
    AlertStatus,
    Incident,
    IncidentLink,
    IncidentLinkKind,
    IncidentSeverity,
    IncidentStatus,
    Severity,
    SocialAlert,
)
from core.models.tenant import ApiKey, Tenant
from core.models.user import AgentSkill, Role, Tier, User
from core.models.voice_account import VoiceAccount
from core.models.voice_line import VoiceLine
from core.models.web_form import WebForm
from core.models.work_order import WorkOrder, WorkOrderStatus

__all__ = [
    "FINAL_STATES",
    "OPEN_STATUSES",
    "AgentSkill",
    "AgentStateChange",
    "AgentStatus",
    "AlertKind",
    "AlertStatus",
    "ApiKey",
    "AuditEntry",
    "BreachAction",
    "BrowserSession",
    "BusinessCalendarRecord",
    "CallbackRequest",
    "CallbackState",
    "Channel",
    "ClockOutcome",
    "Contact",
    "ContactIdentity",
    "Conversation",
    "ConversationEvent",
    "ConversationStatus",
    "CsatResponse",
    "DeliveryStatus",
    "EventType",
    "Handoff",
    "HandoffKind",
    "IdentityKind",
    "IdentityProvider",
    "InboundRecord",
    "InboundState",
    "Incident",
    "IncidentLink",
    "IncidentLinkKind",
    "IncidentSeverity",
    "IncidentStatus",
    "Interaction",
    "InteractionState",
    "JobReceipt",
    "KpiRefresh",
    "KpiRollup",
    "LocalCredential",
    "Mailbox",
    "Message",
    "MessageDirection",
    "Monitor",
    "MonitorHit",
    "OfferState",
    "OrgUnit",
    "OrgUnitKind",
    "OutboxJob",
    "PasswordReset",
    "PostKind",
    "PresenceState",
    "Priority",
    "Queue",
    "Role",
    "RoutingOffer",
    "RoutingPolicy",
    "RoutingState",
    "SentimentLabel",
    "Severity",
    "SlaClock",
    "SlaMetric",
    "SlaPolicy",
    "SlaPrediction",
    "SocialAccount",
    "SocialAlert",
    "SocialNetwork",
    "SocialPost",
    "SurveyChannel",
    "Tenant",
    "TenantOwned",
    "Tier",
    "TransportSecurity",
    "User",
    "UserIdentity",
    "ValueTier",
    "VoiceAccount",
    "VoiceLine",
    "VolumeBucket",
    "WebForm",
    "WorkOrder",
    "WorkOrderStatus",
]

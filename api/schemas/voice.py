"""The phone channel on the wire: the voice account, lines, calls (interactions), call-backs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, Field, StringConstraints

from api.schemas.common import (
    INPUT_CONFIG,
    NO_NUL,
    OUTPUT_CONFIG,
    Attributes,
    Label,
    LanguageTag,
    MessageText,
    patch_field,
)
from core.models.callback_request import CallbackState
from core.models.channel import Channel
from core.models.interaction import InteractionState

AccountSid = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[\w-]+$")]
AuthToken = Annotated[str, StringConstraints(min_length=8, max_length=200, pattern=NO_NUL)]
BaseUrl = Annotated[str, StringConstraints(max_length=500, pattern=r"^https?://[^\s\x00]+$")]
PhoneNumber = Annotated[
    str, StringConstraints(min_length=3, max_length=32, pattern=r"^[0-9+()\-. ]+$")
]
LineName = Annotated[str, StringConstraints(max_length=200, pattern=NO_NUL)]
Source = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_.:-]{0,31}$")]
IvrTreeIn = Annotated[
    Attributes, Field(description="the IVR tree (schema: channels.phone.ivr); {} = no menu")
]


class VoiceAccountIn(BaseModel):
    """The tenant's CPaaS account; ``auth_token`` is write-only (omit it to keep the stored one)."""

    model_config = INPUT_CONFIG

    account_sid: AccountSid
    auth_token: AuthToken | None = Field(
        default=None, description="signs webhooks and authenticates REST calls; never returned"
    )
    api_base_url: BaseUrl | None = Field(
        default=None, description="the provider's REST API base (default https://api.twilio.com)"
    )
    public_base_url: BaseUrl | None = Field(
        default=None, description="where the provider reaches us; signatures are checked on it"
    )
    caller_id: PhoneNumber | None = Field(default=None, description="number for call-backs")
    active: bool = True


class WebhookUrls(BaseModel):
    incoming: str = Field(description="the number's voice URL at the provider")
    status: str = Field(description="the number's status callback URL")


class VoiceAccountOut(BaseModel):
    model_config = OUTPUT_CONFIG

    account_sid: str
    auth_token_set: bool
    api_base_url: str | None
    public_base_url: str | None
    caller_id: str | None
    active: bool
    webhooks: WebhookUrls
    created_at: datetime


class VoiceLineCreate(BaseModel):
    model_config = INPUT_CONFIG

    number: PhoneNumber = Field(description="the dialled number; stored in E.164")
    name: LineName = ""
    language: LanguageTag = Field(default="zh-CN", description="the language spoken first")
    ivr: IvrTreeIn = Field(default_factory=dict)
    default_queue_id: uuid.UUID | None = None
    calendar_id: uuid.UUID | None = Field(
        default=None, description="business hours; else the default queue's, else the tenant's"
    )
    voicemail: bool = Field(default=True, description="after hours: record a message")
    active: bool = True


class VoiceLineUpdate(BaseModel):
    """Only the fields sent change; queue and calendar may be set to null."""

    model_config = INPUT_CONFIG

    number: PhoneNumber = patch_field()
    name: LineName = patch_field()
    language: LanguageTag = patch_field()
    ivr: IvrTreeIn = patch_field()
    default_queue_id: uuid.UUID | None = None
    calendar_id: uuid.UUID | None = None
    voicemail: bool = patch_field()
    active: bool = patch_field()

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class VoiceLineOut(BaseModel):
    model_config = OUTPUT_CONFIG

    id: uuid.UUID
    number: str
    name: str
    language: str
    ivr: dict[str, Any]
    default_queue_id: uuid.UUID | None
    calendar_id: uuid.UUID | None
    voicemail: bool
    active: bool
    created_at: datetime


class CallOut(BaseModel):
    """A call (interaction) with its states' timestamps and its handle time (D20)."""

    model_config = OUTPUT_CONFIG

    id: uuid.UUID
    channel: Channel
    inbound: bool
    external_id: str | None = Field(description="the provider's call sid")
    conversation_id: uuid.UUID | None
    contact_id: uuid.UUID | None
    line_id: uuid.UUID | None
    from_number: str | None
    to_number: str | None
    queue_id: uuid.UUID | None
    agent_id: uuid.UUID | None
    state: InteractionState
    provider_status: str | None
    ivr_path: list[str] = Field(description="IVR choices in order, node>next")
    verified: bool | None = Field(description="identity check (D11); null: not asked")
    voicemail: bool
    abandoned: bool = Field(description="the caller hung up before an agent answered")
    created_at: datetime
    queued_at: datetime | None
    ringing_at: datetime | None
    answered_at: datetime | None
    ended_at: datetime | None
    wrap_up_started_at: datetime | None
    wrap_up_ended_at: datetime | None
    talk_seconds: int
    hold_seconds: int = Field(description="ended hold periods; a running one is not in yet")
    on_hold_since: datetime | None = Field(description="the current hold began; null: not held")
    wrap_up_seconds: int
    handle_seconds: int = Field(description="talk + hold + wrap-up (D20)")
    recording_url: str | None
    disposition: str | None


class DispositionIn(BaseModel):
    """Ends the agent's wrap-up; ``resolve`` also resolves the conversation."""

    model_config = INPUT_CONFIG

    disposition: Label = Field(description="the outcome code, like resolved or follow-up")
    note: MessageText | None = Field(default=None, description="kept as a note on the conversation")
    resolve: bool = False


class CallbackIn(BaseModel):
    model_config = INPUT_CONFIG

    number: PhoneNumber = Field(description="the number to call, E.164 or national")
    conversation_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
    due_at: AwareDatetime | None = Field(default=None, description="not before; default now")
    source: Source = "api"


class CallbackOut(BaseModel):
    model_config = OUTPUT_CONFIG

    id: uuid.UUID
    number: str
    source: str
    state: CallbackState
    conversation_id: uuid.UUID | None
    contact_id: uuid.UUID | None
    due_at: datetime
    attempts: int
    call_sid: str | None
    last_error: str | None
    completed_at: datetime | None
    created_at: datetime

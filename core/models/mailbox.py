"""Tenant mailboxes: the addresses customers write to, and how we send and fetch their mail."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from core.models.base import TenantOwned
from core.models.types import UTCDateTime, enum_type


class TransportSecurity(enum.StrEnum):
    NONE = "none"
    STARTTLS = "starttls"
    TLS = "tls"  # implicit TLS (SMTPS 465, IMAPS 993)


class Mailbox(TenantOwned, table=True):
    """One support address (``support@acme.example``); its address is globally unique because
    inbound SMTP finds the tenant from the recipient before any tenant is known."""

    __table_args__ = (sa.UniqueConstraint("address"),)

    address: str = Field(max_length=254, description="lower-cased")
    display_name: str = Field(default="", max_length=200)
    active: bool = Field(default=True)
    max_message_bytes: int = Field(default=25 * 1024 * 1024)
    acknowledge_new: bool = Field(default=True, description="send a reference number (D15)")
    inbound_token_hash: str | None = Field(
        default=None, max_length=64, description="SHA-256 of the raw-MIME webhook token"
    )
    smtp_host: str | None = Field(default=None, max_length=253)
    smtp_port: int = Field(default=587)
    smtp_security: TransportSecurity = Field(
        default=TransportSecurity.STARTTLS, sa_type=enum_type(TransportSecurity)
    )
    smtp_username: str | None = Field(default=None, max_length=254)
    smtp_password: str | None = Field(default=None, max_length=500)
    imap_host: str | None = Field(default=None, max_length=253)
    imap_port: int = Field(default=993)
    imap_security: TransportSecurity = Field(
        default=TransportSecurity.TLS, sa_type=enum_type(TransportSecurity)
    )
    imap_username: str | None = Field(default=None, max_length=254)
    imap_password: str | None = Field(default=None, max_length=500)
    imap_folder: str = Field(default="INBOX", max_length=200)
    imap_processed_folder: str | None = Field(
        default=None, max_length=200, description="move processed mail here; else flag it"
    )
    imap_uidvalidity: int | None = Field(default=None, sa_type=sa.BigInteger)
    imap_last_uid: int = Field(default=0, sa_type=sa.BigInteger)
    imap_polled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

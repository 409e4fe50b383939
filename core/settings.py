"""Typed settings, read once from the environment (twelve-factor: plain variable names)."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything configurable about a Switchboard process; defaults give the embedded demo."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///var/switchboard.db",
        description="SQLAlchemy URL; sqlite:/// (embedded default) or postgresql+psycopg://",
    )
    broker_url: str | None = Field(
        default=None,
        description="redis:// or amqp://; unset means an in-process broker with worker threads",
    )
    broker_namespace: str = Field(
        default="switchboard",
        description="prefix of every broker queue name, so deployments can share one broker",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    var_dir: Path = Path("var")
    worker_threads: int = 4
    relay_poll_seconds: float = 0.5
    relay_batch_size: int = 200
    log_level: str = "INFO"
    log_json: bool = False
    db_pool_size: int = 10
    max_request_body_bytes: int = 10 * 1024 * 1024
    blob_dir: Path = Field(
        default=Path("var/blobs"), description="attachments (LocalFolderStore root)"
    )
    imap_poll_seconds: float = Field(
        default=30.0, description="how often `serve` polls IMAP mailboxes; 0 turns polling off"
    )
    smtp_listen_host: str = Field(default="127.0.0.1", description="inbound SMTP listener")
    smtp_listen_port: int | None = Field(
        default=2525, description="inbound SMTP port; unset (empty) disables the listener"
    )
    smtp_max_message_bytes: int = Field(
        default=30 * 1024 * 1024, description="SIZE the listener announces (552 above it)"
    )
    email_sender_limit: int = Field(
        default=20, description="messages one sender may send one mailbox per window (loops)"
    )
    email_sender_window_seconds: int = 600
    webform_secret: str = Field(
        default_factory=lambda: secrets.token_urlsafe(32),
        min_length=16,
        description="signs the hosted forms' CSRF tokens; random per process unless set, so "
        "set it when more than one process serves forms",
    )
    webform_token_max_age_seconds: int = Field(
        default=4 * 3600, description="how long a rendered hosted form can be submitted"
    )
    captcha_provider: str = Field(
        default="hcaptcha", description="hcaptcha or turnstile: whose widget pages show"
    )
    captcha_site_key: str | None = None
    captcha_secret: str | None = None
    captcha_verify_url: str | None = Field(
        default=None,
        description="siteverify URL (https://api.hcaptcha.com/siteverify, "
        "https://challenges.cloudflare.com/turnstile/v0/siteverify); unset: no form may ask "
        "for a captcha",
    )
    public_url: str | None = Field(
        default=None,
        description="the platform's external base URL (https://switchboard.example.com): "
        "OIDC redirect URIs and password-reset links are built on it; unset: the request's",
    )
    session_secret: str = Field(
        default_factory=lambda: secrets.token_urlsafe(32),
        min_length=16,
        description="signs the short-lived OIDC sign-in cookie; random per process unless "
        "set, so set it when more than one process serves sign-in",
    )
    session_idle_minutes: int = Field(default=8 * 60, description="sign-out after inactivity")
    session_absolute_hours: int = Field(default=12, description="sign-out however active")
    cookie_secure: bool = Field(
        default=True, description="Secure cookies; browsers accept them on http://localhost"
    )
    cors_allowed_origins: list[str] = Field(
        default_factory=list,
        description="origins (https://crm.example.com) whose pages may call the API with a "
        "token; none by default",
    )
    password_reset_minutes: int = 60
    test_pause_at: str | None = Field(
        default=None,
        validation_alias="SWITCHBOARD_TEST_PAUSE_AT",
        description="tests only: an actor name or 'relay'; that step stalls before it commits, "
        "so a test can kill the process mid-job",
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, loaded on first use."""
    return Settings()

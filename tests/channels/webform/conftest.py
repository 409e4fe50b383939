"""Web-form fixtures: the app over real HTTP with a fixed form secret and a local captcha
provider (a siteverify server on loopback), forms made through the domain service, and
helpers to read what a submission left in the database."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import col

from api.app import create_app
from channels.webform.default_forms import install_default_forms
from channels.webform.definition import FormDefinition
from core.db import Database
from core.forms.service import create_form
from core.models import Conversation, InboundRecord, Message, WebForm
from core.settings import Settings
from core.storage import LocalFolderStore
from tests.api.conftest import LiveServer
from tests.conftest import TenantHandle

CAPTCHA_PASS = "10000000-aaaa-bbbb-cccc-000000000001"
FORM_SECRET = "test-webform-secret-0123456789"


@dataclass
class CaptchaProvider:
    """A siteverify endpoint: ``CAPTCHA_PASS`` is a solved captcha; ``down`` answers 500."""

    url: str = ""
    down: bool = False
    seen: list[dict[str, list[str]]] = field(default_factory=list)


@pytest.fixture(scope="session")
def captcha_provider() -> Iterator[CaptchaProvider]:
    provider = CaptchaProvider()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            fields = parse_qs(self.rfile.read(length).decode())
            provider.seen.append(fields)
            if provider.down:
                self.send_response(500)
                self.end_headers()
                return
            ok = fields.get("response") == [CAPTCHA_PASS] and fields.get("secret") == ["shh"]
            body = {"success": ok, **({} if ok else {"error-codes": ["invalid-input-response"]})}
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    provider.url = f"http://127.0.0.1:{server.server_address[1]}/siteverify"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield provider
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def form_blobs(tmp_path_factory: pytest.TempPathFactory) -> LocalFolderStore:
    return LocalFolderStore(tmp_path_factory.mktemp("form-blobs"))


@pytest.fixture(scope="session")
def form_settings(
    captcha_provider: CaptchaProvider, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    return Settings(
        webform_secret=FORM_SECRET,
        captcha_verify_url=captcha_provider.url,
        captcha_secret="shh",
        captcha_site_key="site-key",
        blob_dir=Path(tmp_path_factory.mktemp("unused-blobs")),
    )


@pytest.fixture(scope="session")
def form_server(
    database: Database, form_settings: Settings, form_blobs: LocalFolderStore
) -> Iterator[LiveServer]:
    server = LiveServer(create_app(database, settings=form_settings, blob_store=form_blobs))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def web(form_server: LiveServer) -> Iterator[httpx.Client]:
    """An anonymous client of the platform, as a submitter's browser or script."""
    with httpx.Client(base_url=form_server.base_url, timeout=30) as client:
        yield client


FormFactory = Callable[..., WebForm]


@pytest.fixture
def make_form(database: Database) -> FormFactory:
    """A form of the tenant's: a default one by slug, or ``fields`` of its own."""

    def make(
        tenant: TenantHandle,
        slug: str = "complaint",
        *,
        fields: list[dict[str, Any]] | None = None,
        **settings: Any,
    ) -> WebForm:
        with database.tenant_unit(tenant.id) as session:
            if fields is None:
                install_default_forms(session)
                form = session.execute(
                    sa.select(WebForm).where(col(WebForm.slug) == slug)
                ).scalar_one()
                for name, value in settings.items():
                    setattr(form, name, value)
                session.flush()
                return form
            definition = FormDefinition.model_validate({"fields": fields})
            return create_form(
                session,
                slug=slug,
                title={"zh": "测试表单", "en": "Test form"},
                definition=definition.model_dump(exclude_none=True),
                **settings,
            )

    return make


def form_url(tenant: TenantHandle, form: WebForm | str, suffix: str = "") -> str:
    slug = form if isinstance(form, str) else form.slug
    return f"/forms/{tenant.slug}/{slug}{suffix}"


def records_of(database: Database, tenant_id: uuid.UUID) -> list[InboundRecord]:
    with database.tenant_session(tenant_id) as session:
        return list(
            session.execute(
                sa.select(InboundRecord).order_by(col(InboundRecord.created_at))
            ).scalars()
        )


def conversation_by_number(database: Database, tenant_id: uuid.UUID, number: int) -> Conversation:
    with database.tenant_session(tenant_id) as session:
        return session.execute(
            sa.select(Conversation).where(col(Conversation.number) == number)
        ).scalar_one()


def messages_of(
    database: Database, tenant_id: uuid.UUID, conversation_id: uuid.UUID
) -> list[Message]:
    with database.tenant_session(tenant_id) as session:
        return list(
            session.execute(
                sa.select(Message)
                .where(col(Message.conversation_id) == conversation_id)
                .order_by(col(Message.created_at), col(Message.id))
            ).scalars()
        )


def complaint(i: int = 0, **fields: Any) -> dict[str, Any]:
    """A valid complaint submission for the JSON endpoint."""
    values = {
        "name": f"Customer {i}",
        "email": f"customer{i}-{uuid.uuid4().hex[:6]}@example.com",
        "subject": "Charged twice for roaming",
        "description": "这个月漫游被扣了两次费, please refund the second charge.",
        **fields,
    }
    return {"fields": {k: v for k, v in values.items() if v is not None}, "language": "en"}

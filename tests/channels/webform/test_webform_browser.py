"""Acceptance in a real browser (Playwright driving Debian's Chromium): the hosted page with a
validation error and its correction, and the embed on another origin's page — allowed, and
refused when that origin is not on the form's list."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from core.db import Database
from core.models import InboundState
from tests.api.conftest import LiveServer
from tests.channels.webform.conftest import (
    FormFactory,
    conversation_by_number,
    form_url,
    messages_of,
    records_of,
)
from tests.conftest import TenantHandle

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="zh-CN")
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    yield opened
    context.close()


class CustomerSite:
    """Another origin: a shop's page that embeds the form with our script tag."""

    def __init__(self, html: str) -> None:
        body = html.encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def shop_page(script_src: str) -> str:
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>Northwind shop</title></head>
<body><h1>Northwind shop</h1><p>Need help? Write to us:</p>
<div id="support-form"></div>
<script src="{script_src}" data-target="#support-form" data-lang="en" async></script>
</body></html>"""


def test_hosted_form_in_a_browser_shows_a_field_error_then_the_reference(
    database: Database,
    tenant: TenantHandle,
    make_form: FormFactory,
    form_server: LiveServer,
    page: Page,
    tmp_path: Path,
) -> None:
    form = make_form(tenant, "fault-repair")
    page.goto(form_server.base_url + form_url(tenant, form))
    assert page.locator("h1").inner_text() == "故障报修"  # the browser asked for zh-CN
    page.click("text=English")
    assert page.locator("h1").inner_text() == "Fault repair"
    page.fill("#in-name", "Chen Jie")
    page.fill("#in-email", "chen.jie@example.com")
    page.fill("#in-serial_number", "SN#1")
    page.fill("#in-purchase_date", "2024-03-01")
    page.fill("#in-symptoms", "The screen flickers\nand then goes black.")
    page.select_option("#in-repair_preference", "on_site")
    photo = tmp_path / "screen.png"
    photo.write_bytes(PNG)
    page.set_input_files("#in-attachments", str(photo))
    page.click("button[type=submit]")

    error = page.locator("#field-serial_number .sb-error")
    assert error.inner_text() == "This is not in the expected format."
    assert page.locator("#in-symptoms").input_value() == "The screen flickers\nand then goes black."
    assert page.locator("#in-repair_preference").input_value() == "on_site"
    page.fill("#in-serial_number", "NW-2024-000731")
    page.set_input_files("#in-attachments", str(photo))
    page.click("button[type=submit]")

    reference = page.locator("#sb-reference").inner_text()
    assert reference.startswith("#SB-")
    assert reference in page.locator("#sb-thanks").inner_text()
    conversation = conversation_by_number(database, tenant.id, int(reference.removeprefix("#SB-")))
    assert conversation.category == "device_repair" and conversation.language == "en"
    [message] = messages_of(database, tenant.id, conversation.id)
    assert "Serial number: NW-2024-000731" in message.text
    assert "Purchase date: 2024-03-01" in message.text
    assert "How should we fix it?: Visit me (on_site)" in message.text
    assert [a["filename"] for a in message.attachments] == ["screen.png"]
    states = [r.state for r in records_of(database, tenant.id)]
    assert states == [InboundState.REJECTED, InboundState.INGESTED]


def test_embedded_form_on_another_origin_submits_and_shows_the_reference(
    database: Database,
    tenant: TenantHandle,
    make_form: FormFactory,
    form_server: LiveServer,
    page: Page,
) -> None:
    script = form_server.base_url + form_url(tenant, "complaint", "/embed.js")
    site = CustomerSite(shop_page(script))
    try:
        make_form(tenant, "complaint", allowed_origins=[site.origin])
        page.goto(site.origin + "/")
        page.wait_for_selector("#support-form form")
        assert page.locator("#support-form h2").inner_text() == "Complaint"
        page.fill("#sbf-name", "Olivia Smith")
        page.fill("#sbf-email", "olivia@example.com")
        page.fill("#sbf-subject", "Roaming charged twice")
        page.select_option("#sbf-nature", "service")
        page.click("#support-form button[type=submit]")
        error = page.locator('[data-field="description"] .sbf-error')
        error.wait_for(state="visible")
        assert error.inner_text() == "Please fill in this field."

        page.fill("#sbf-description", "I was charged twice on 3 May.")
        page.click("#support-form button[type=submit]")
        reference = page.locator("#support-form .sbf-reference")
        reference.wait_for()
        number = int(reference.inner_text().removeprefix("#SB-"))
    finally:
        site.close()
    conversation = conversation_by_number(database, tenant.id, number)
    [message] = messages_of(database, tenant.id, conversation.id)
    assert "What happened:\n  I was charged twice on 3 May." in message.text
    assert "What is it about?: Service (service)" in message.text
    records = records_of(database, tenant.id)
    assert [(r.state, r.source) for r in records] == [
        (InboundState.REJECTED, "embed"),
        (InboundState.INGESTED, "embed"),
    ]
    assert json.loads(records[1].payload)["idempotency_key"]


def test_an_origin_not_on_the_list_gets_neither_the_form_nor_a_submission(
    database: Database,
    tenant: TenantHandle,
    make_form: FormFactory,
    form_server: LiveServer,
    page: Page,
) -> None:
    make_form(tenant, "complaint", allowed_origins=["https://shop.example"])
    script = form_server.base_url + form_url(tenant, "complaint", "/embed.js")
    site = CustomerSite(shop_page(script))
    try:
        page.goto(site.origin + "/")
        page.wait_for_function("document.querySelector('#support-form').textContent.length > 0")
        assert "cannot be loaded" in page.locator("#support-form").inner_text()
        outcome = page.evaluate(
            """async (url) => {
                try {
                    const r = await fetch(url, {method: "POST", headers: {"Content-Type": "application/json"},
                        body: JSON.stringify({fields: {email: "x@example.com"}})});
                    return "read " + r.status;
                } catch (e) { return "blocked"; }
            }""",
            form_server.base_url + form_url(tenant, "complaint", ".json"),
        )
        assert outcome == "blocked"
    finally:
        site.close()
    assert records_of(database, tenant.id) == []

"""Playing the provider in tests: a local server answering Twilio's REST API for Calls, a client
that signs webhooks with the official RequestValidator, and TwiML checked against the verbs
and attributes Twilio documents."""

from __future__ import annotations

import base64
import json
import threading
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from twilio.request_validator import RequestValidator

# From https://www.twilio.com/docs/voice/twiml (each verb's page lists its attributes).
TWIML_ATTRIBUTES: dict[str, set[str]] = {
    "Response": set(),
    "Say": {"voice", "language", "loop"},
    "Play": {"loop", "digits"},
    "Pause": {"length"},
    "Gather": {
        *("action", "method", "timeout", "finishOnKey", "numDigits", "input", "language"),
        *("hints", "speechTimeout", "speechModel", "profanityFilter", "actionOnEmptyResult"),
        *("partialResultCallback", "partialResultCallbackMethod", "enhanced", "bargeIn"),
        "maxSpeechTime",
    },
    "Record": {
        *("action", "method", "timeout", "finishOnKey", "maxLength", "playBeep", "trim"),
        *("recordingStatusCallback", "recordingStatusCallbackMethod"),
        *("recordingStatusCallbackEvent", "transcribe", "transcribeCallback"),
    },
    "Dial": {
        *("action", "method", "timeout", "hangupOnStar", "timeLimit", "callerId", "record"),
        *("trim", "recordingStatusCallback", "recordingStatusCallbackMethod"),
        *("recordingStatusCallbackEvent", "answerOnBridge", "ringTone", "recordingTrack"),
        *("sequential", "referUrl", "referMethod"),
    },
    "Client": {"url", "method", "statusCallbackEvent", "statusCallback", "statusCallbackMethod"},
    "Enqueue": {"action", "method", "waitUrl", "waitUrlMethod", "workflowSid", "maxQueueSize"},
    "Leave": set(),
    "Hangup": set(),
    "Redirect": {"method"},
    "Reject": {"reason"},
}
TWIML_CHILDREN: dict[str, set[str]] = {
    "Response": {
        *("Say", "Play", "Pause", "Gather", "Record", "Dial", "Enqueue", "Leave", "Hangup"),
        *("Redirect", "Reject"),
    },
    "Gather": {"Say", "Play", "Pause"},
    "Dial": {"Client", "Number", "Queue", "Sip", "Conference"},
}
URL_ATTRIBUTES = {
    *("action", "waitUrl", "statusCallback", "recordingStatusCallback", "transcribeCallback"),
    "url",
}


def parse_twiml(response: httpx.Response) -> ET.Element:
    """The TwiML of a webhook answer, checked: XML, only documented verbs, attributes and
    nesting, POST callbacks to absolute URLs."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml"), response.headers
    root = ET.fromstring(response.content)
    assert root.tag == "Response"
    _check(root)
    return root


def _check(element: ET.Element) -> None:
    assert element.tag in TWIML_ATTRIBUTES, f"undocumented verb <{element.tag}>"
    unknown = set(element.attrib) - TWIML_ATTRIBUTES[element.tag]
    assert not unknown, f"<{element.tag}> has undocumented attributes {unknown}"
    for name, value in element.attrib.items():
        if name in URL_ATTRIBUTES:
            assert value.startswith("http"), f"{element.tag}.{name} is not absolute: {value}"
        if name.lower().endswith("method"):
            assert value in ("GET", "POST"), f"{element.tag}.{name}={value}"
    allowed = TWIML_CHILDREN.get(element.tag, set())
    for child in element:
        assert child.tag in allowed, f"<{child.tag}> may not be inside <{element.tag}>"
        _check(child)


def verbs(root: ET.Element) -> list[str]:
    return [child.tag for child in root]


def find(root: ET.Element, tag: str) -> ET.Element:
    found = root.find(f".//{tag}")
    assert found is not None, f"no <{tag}> in {ET.tostring(root, encoding='unicode')}"
    return found


def said(root: ET.Element) -> list[str]:
    return [say.text or "" for say in root.iter("Say")]


@dataclass
class Provider:
    """Sends webhooks as the provider does: form bodies signed over the full URL."""

    http: httpx.Client
    base_url: str
    slug: str
    auth_token: str
    account_sid: str = "AC" + "0" * 32

    def url(self, step: str) -> str:
        return f"{self.base_url}/webhooks/voice/{self.slug}/{step}"

    def body(self, params: dict[str, str]) -> dict[str, str]:
        """The form fields the provider sends: the account's, then the event's."""
        return {"AccountSid": self.account_sid, "ApiVersion": "2010-04-01", **params}

    def signature(self, url: str, params: dict[str, str]) -> str:
        return str(RequestValidator(self.auth_token).compute_signature(url, params))

    def post(
        self, url: str, params: dict[str, str], *, signature: str | None = None
    ) -> httpx.Response:
        """POST to a step name or an absolute URL our TwiML gave, signed unless told."""
        if not url.startswith("http"):
            url = self.url(url)
        body = self.body(params)
        sig = self.signature(url, body) if signature is None else signature
        headers = {"X-Twilio-Signature": sig} if sig else {}
        return self.http.post(url, data=body, headers=headers)


def new_call_sid() -> str:
    return "CA" + uuid.uuid4().hex


@dataclass
class FakeTwilio:
    """A loopback server answering the Calls resource of Twilio's REST API (create, update),
    keeping every request it got."""

    account_sid: str
    auth_token: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    fail_with: tuple[int, int, str] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {
                    k: v if len(v) > 1 else v[0]
                    for k, v in parse_qs(
                        self.rfile.read(length).decode(), keep_blank_values=True
                    ).items()
                }
                status, answer = fake.answer(self.path, form, self.headers.get("Authorization"))
                body = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def answer(self, path: str, form: dict[str, Any], auth: str | None) -> tuple[int, Any]:
        expected = (
            "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        )
        parts = urlsplit(path).path.strip("/").split("/")
        with self.lock:
            self.requests.append({"path": urlsplit(path).path, "form": form, "auth": auth})
        if auth != expected:
            return 401, {"code": 20003, "message": "Authenticate", "status": 401}
        if self.fail_with is not None:
            status, code, message = self.fail_with
            return status, {"code": code, "message": message, "status": status}
        calls = ["2010-04-01", "Accounts", self.account_sid, "Calls"]
        create = parts == [*calls[:3], "Calls.json"]
        update = len(parts) == 5 and parts[:4] == calls and parts[4].endswith(".json")
        if not (create or update):
            return 404, {"code": 20404, "message": "not found", "status": 404}
        sid = parts[4][: -len(".json")] if update else new_call_sid()
        status = 201 if create else 200
        return status, {
            "sid": sid,
            "account_sid": self.account_sid,
            "to": form.get("To"),
            "from": form.get("From"),
            "status": "queued",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Calls/{sid}.json",
        }

    def calls_to(self, suffix: str) -> list[dict[str, Any]]:
        with self.lock:
            return [r for r in self.requests if r["path"].endswith(suffix)]


def voice_objects(
    api: httpx.Client, database: Any, tenant_id: uuid.UUID, queue_id: str
) -> dict[str, str]:
    """A voice account, a line whose IVR names the queue, a call and a call-back request, for
    the tenant-isolation walk (the REST base is a closed local port: nothing is ever dialled)."""
    from core.calls import lifecycle

    api_prefix = "/api/v1"
    account = api.put(
        f"{api_prefix}/voice/account",
        json={
            "account_sid": "AC" + "9" * 32,
            "auth_token": "isolation-token",
            "api_base_url": "http://127.0.0.1:9",
        },
    )
    assert account.status_code == 200, account.text
    ivr = {"start": "agent", "nodes": {"agent": {"type": "queue", "queue_id": queue_id}}}
    line = api.post(
        f"{api_prefix}/voice/lines",
        json={"number": "+861008610086", "ivr": ivr, "default_queue_id": queue_id},
    )
    assert line.status_code == 201, line.text
    with database.tenant_unit(tenant_id) as session:
        started = lifecycle.start_call(
            session,
            call_sid=new_call_sid(),
            line_id=uuid.UUID(line.json()["id"]),
            from_number="+8613800138000",
            to_number="+861008610086",
            region="CN",
        )
    callback = api.post(f"{api_prefix}/callbacks", json={"number": "+8613800138000"})
    assert callback.status_code == 201, callback.text
    return {
        "line": line.json()["id"],
        "line_number": line.json()["number"],
        "interaction": str(started.interaction_id),
        "callback": callback.json()["id"],
    }

"""Survey answers over the API, as an integration reports them, and the customer's survey link."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import timedelta

import httpx

from core.clock import utcnow
from core.csat import survey_link, survey_token
from core.settings import get_settings
from tests.api.conftest import LiveServer
from tests.api.factories import API, create_contact, create_conversation, created, unique
from tests.conftest import TenantHandle

ClientFor = Callable[[TenantHandle | None], httpx.Client]
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def conversation_of(api: httpx.Client) -> str:
    return str(create_conversation(api, create_contact(api)["id"])["id"])


def test_an_integration_records_one_answer_per_conversation(
    api: httpx.Client, other_api: httpx.Client, client_for: ClientFor, live_server: LiveServer
) -> None:
    conversation = conversation_of(api)
    answer = f"{API}/conversations/{conversation}/csat"
    issued = created(
        api.post(f"{API}/api-tokens", json={"name": unique("ivr"), "scopes": ["csat:write"]})
    )
    ivr = httpx.Client(
        base_url=live_server.base_url, headers={"Authorization": f"Bearer {issued['token']}"}
    )
    with ivr:
        first = ivr.post(answer, json={"score": 4, "comment": " Quick, thanks "})
        assert first.status_code == 201, first.text
        assert first.json() | {"id": None, "answered_at": None} == {
            "id": None, "conversation_id": conversation, "score": 4, "satisfied": True,
            "comment": "Quick, thanks", "channel": "phone_ivr", "answered_at": None,
        }  # fmt: skip
        again = ivr.post(answer, json={"score": 1, "channel": "web"})
        assert again.status_code == 409, again.text
        assert "first one stands" in again.json()["detail"]
        assert ivr.get(answer).status_code == 403  # the token may write answers, not read them
    assert api.get(answer).json()["answer"]["score"] == 4

    reader = created(
        api.post(
            f"{API}/api-tokens", json={"name": unique("crm"), "scopes": ["conversations:write"]}
        )
    )
    with httpx.Client(
        base_url=live_server.base_url, headers={"Authorization": f"Bearer {reader['token']}"}
    ) as crm:
        denied = crm.post(f"{API}/conversations/{conversation_of(api)}/csat", json={"score": 5})
    assert denied.status_code == 403 and "csat:write" in denied.json()["detail"]

    # another tenant's conversation is simply not there
    assert other_api.post(answer, json={"score": 5}).status_code == 404
    assert other_api.get(answer).status_code == 404
    unknown = f"{API}/conversations/{uuid.uuid4()}/csat"
    assert api.post(unknown, json={"score": 5}).status_code == 404
    assert api.get(unknown).status_code == 404


def test_a_bad_score_is_refused_with_the_field_named(api: httpx.Client) -> None:
    answer = f"{API}/conversations/{conversation_of(api)}/csat"
    for bad in (0, 6, 4.5, "five", True, None):
        refused = api.post(answer, json={"score": bad})
        assert refused.status_code == 422, (bad, refused.text)
        assert [e["field"] for e in refused.json()["errors"]] == ["score"], bad
    long = api.post(answer, json={"score": 3, "comment": "x" * 2001})
    assert long.status_code == 422
    assert api.get(answer).json()["answer"] is None  # nothing was recorded


def page_token(response: httpx.Response) -> str:
    found = CSRF.search(response.text)
    assert found, response.text
    return found.group(1)


def test_the_customer_answers_through_the_survey_link(
    api: httpx.Client, tenant: TenantHandle, live_server: LiveServer
) -> None:
    conversation = conversation_of(api)
    link = survey_link(
        get_settings(),
        tenant_id=tenant.id,
        conversation_id=uuid.UUID(conversation),
        base_url=live_server.base_url,
    )
    with httpx.Client() as browser:
        page = browser.get(link, params={"lang": "en"})
        assert page.status_code == 200, page.text
        assert page.headers["referrer-policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert page.text.count('type="radio"') == 5 and "Very satisfied" in page.text
        assert "sb_survey_browser" in page.headers["set-cookie"]
        token = page_token(page)

        # a cross-site POST: no cookie of the customer's browser, or no token of its page
        with httpx.Client() as attacker:
            forged = attacker.post(link, data={"csrf_token": token, "score": "1"})
        assert forged.status_code == 403 and "expired" in forged.text
        missing = browser.post(link, data={"score": "1"})
        assert missing.status_code == 403
        assert api.get(f"{API}/conversations/{conversation}/csat").json()["answer"] is None

        unscored = browser.post(link, data={"csrf_token": token, "comment": "hm"})
        assert unscored.status_code == 422 and "choose a score" in unscored.text
        assert ">hm</textarea>" in unscored.text

        done = browser.post(
            link + "?lang=zh", data={"csrf_token": token, "score": "5", "comment": "很好"}
        )
        assert done.status_code == 200 and "谢谢" in done.text
        twice = browser.post(link, data={"csrf_token": token, "score": "1"})
        assert twice.status_code == 409
        assert "already" in browser.get(link, params={"lang": "en"}).text
    recorded = api.get(f"{API}/conversations/{conversation}/csat").json()["answer"]
    assert (recorded["score"], recorded["comment"], recorded["channel"]) == (
        5,
        "很好",
        "email_link",
    )


def test_forged_and_expired_links_are_pages_not_errors(
    api: httpx.Client, tenant: TenantHandle, other_tenant: TenantHandle, live_server: LiveServer
) -> None:
    conversation = uuid.UUID(conversation_of(api))
    secret = get_settings().session_secret
    base = f"{live_server.base_url}/survey/"

    def token(**changes: object) -> str:
        fields: dict[str, object] = {"tenant_id": tenant.id, "conversation_id": conversation}
        return survey_token(secret, **(fields | changes))  # type: ignore[arg-type]

    with httpx.Client() as browser:
        good = token()
        assert browser.get(base + good).status_code == 200
        for forged in (
            "not-a-token",
            good[:-2] + ("AA" if not good.endswith("AA") else "BB"),  # signature altered
            survey_token("an-attackers-guess", tenant_id=tenant.id, conversation_id=conversation),
            token(tenant_id=other_tenant.id),  # genuine, but that tenant has no such conversation
            token(conversation_id=uuid.uuid4()),
        ):
            for response in (browser.get(base + forged), browser.post(base + forged, data={})):
                assert response.status_code == 404, (forged, response.text)
                assert "not valid" in response.text
        stale = token(now=utcnow() - timedelta(days=15))
        for response in (browser.get(base + stale), browser.post(base + stale, data={})):
            assert response.status_code == 410 and "expired" in response.text
        assert browser.get(base + token(now=utcnow() - timedelta(days=13))).status_code == 200

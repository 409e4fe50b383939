"""CORS per form (preflight included) and the captcha hook against a local siteverify server."""

from __future__ import annotations

import httpx

from core.db import Database
from core.models import InboundState
from tests.channels.webform.conftest import (
    CAPTCHA_PASS,
    CaptchaProvider,
    FormFactory,
    complaint,
    form_url,
    records_of,
)
from tests.conftest import TenantHandle

SHOP = "https://shop.example"


def test_listed_origins_get_a_cors_grant_and_others_are_refused(
    database: Database, tenant: TenantHandle, make_form: FormFactory, web: httpx.Client
) -> None:
    url = form_url(tenant, make_form(tenant, "complaint", allowed_origins=[SHOP]), ".json")
    preflight = {"Origin": SHOP, "Access-Control-Request-Method": "POST"}
    granted = web.options(url, headers=preflight)
    assert granted.status_code == 204
    assert granted.headers["access-control-allow-origin"] == SHOP
    assert "Idempotency-Key" in granted.headers["access-control-allow-headers"]
    refused = web.options(url, headers={**preflight, "Origin": "https://evil.example"})
    assert refused.status_code == 403 and "access-control-allow-origin" not in refused.headers

    definition = web.get(url, params={"lang": "zh"}, headers={"Origin": SHOP})
    assert definition.headers["access-control-allow-origin"] == SHOP
    body = definition.json()
    assert body["title"] == "投诉" and body["submit_url"].endswith(url)
    assert "id" not in body and body["attachments"]["max_count"] == 3
    assert (
        "access-control-allow-origin"
        not in web.get(url, headers={"Origin": "https://evil.example"}).headers
    )

    posted = web.post(url, json=complaint(), headers={"Origin": SHOP})
    assert posted.status_code == 201 and posted.headers["access-control-allow-origin"] == SHOP
    forged = web.post(url, json=complaint(), headers={"Origin": "https://evil.example"})
    assert forged.status_code == 403 and "access-control-allow-origin" not in forged.headers
    opaque = web.post(url, json=complaint(), headers={"Origin": "null"})
    assert opaque.status_code == 403
    own = web.post(url, json=complaint(), headers={"Origin": str(web.base_url).rstrip("/")})
    assert own.status_code == 201
    assert [r.source for r in records_of(database, tenant.id)] == ["embed", "json"]
    script = web.get(form_url(tenant, "complaint", "/embed.js"))
    assert script.status_code == 200 and script.headers["content-type"].startswith(
        "application/javascript"
    )
    assert web.get(form_url(tenant, "nope", "/embed.js")).status_code == 404


def test_a_captcha_form_needs_a_token_the_provider_accepts(
    database: Database,
    tenant: TenantHandle,
    make_form: FormFactory,
    web: httpx.Client,
    captcha_provider: CaptchaProvider,
) -> None:
    url = form_url(tenant, make_form(tenant, "complaint", captcha=True), ".json")
    missing = web.post(url, json=complaint())
    assert missing.status_code == 422
    assert missing.json()["errors"] == [
        {"field": "captcha_token", "message": "Please complete the captcha."}
    ]
    wrong = web.post(url, json={**complaint(), "captcha_token": "forged"})
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["message"] == "The captcha was not solved; please try again."
    solved = web.post(url, json={**complaint(), "captcha_token": CAPTCHA_PASS})
    assert solved.status_code == 201, solved.text
    assert captcha_provider.seen[-1]["remoteip"] == ["127.0.0.1"]
    captcha_provider.down = True
    try:
        unavailable = web.post(url, json={**complaint(), "captcha_token": CAPTCHA_PASS})
    finally:
        captcha_provider.down = False
    assert unavailable.status_code == 503
    hosted = web.get(form_url(tenant, "complaint"))
    assert 'class="h-captcha" data-sitekey="site-key"' in hosted.text
    states = [r.state for r in records_of(database, tenant.id)]
    assert states == [InboundState.REJECTED] * 2 + [InboundState.INGESTED, InboundState.REJECTED]

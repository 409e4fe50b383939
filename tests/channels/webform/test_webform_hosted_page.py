"""The hosted page without a browser: language negotiation, the CSRF token and its cookie,
re-rendering with messages and entered values, and the same reference for a page posted twice."""

from __future__ import annotations

import re

import httpx

from core.db import Database
from core.models import InboundState
from tests.channels.webform.conftest import FormFactory, form_url, records_of
from tests.conftest import TenantHandle

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def page_token(response: httpx.Response) -> str:
    match = TOKEN.search(response.text)
    assert match, response.text
    return match.group(1)


def complaint_form(token: str, **fields: str) -> dict[str, str]:
    return {
        "csrf_token": token,
        "language": "zh",
        "name": "王芳",
        "email": "wang.fang@example.com",
        "subject": "宽带断线",
        "description": "每天晚上断线三次。",
        "website": "",
        **fields,
    }


def test_the_page_speaks_the_browsers_language_unless_asked_otherwise(
    tenant: TenantHandle, make_form: FormFactory, web: httpx.Client
) -> None:
    url = form_url(tenant, make_form(tenant, "complaint"))
    chinese = web.get(url, headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"})
    assert chinese.status_code == 200 and '<html lang="zh">' in chinese.text
    assert "<h1>投诉</h1>" in chinese.text and "详细经过" in chinese.text
    english = web.get(url, params={"lang": "en"}, headers={"Accept-Language": "zh-CN"})
    assert "<h1>Complaint</h1>" in english.text and "What happened" in english.text
    by_quality = web.get(url, headers={"Accept-Language": "fr;q=1, en;q=0.5, zh;q=0.4"})
    assert '<html lang="en">' in by_quality.text
    assert chinese.headers["content-security-policy"].startswith("default-src 'none'")
    assert chinese.headers["cache-control"] == "no-store"
    missing = web.get(form_url(tenant, "nope"), headers={"Accept-Language": "zh"})
    assert missing.status_code == 404 and "找不到此表单。" in missing.text


def test_a_post_without_a_valid_token_and_cookie_is_refused_and_keeps_the_entries(
    database: Database, tenant: TenantHandle, make_form: FormFactory, web: httpx.Client
) -> None:
    form = make_form(tenant, "complaint")
    url = form_url(tenant, form)
    token = page_token(web.get(url))
    assert web.cookies.get("sb_form_browser")
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    stranger = httpx.Client(base_url=str(web.base_url))  # another browser: no cookie
    other_form = page_token(web.get(form_url(tenant, make_form(tenant, "feedback"))))
    for client, sent in ((web, tampered), (web, ""), (stranger, token), (web, other_form)):
        response = client.post(url, data=complaint_form(sent))
        assert response.status_code == 403, response.text
        assert "页面已过期或无效" in response.text and "每天晚上断线三次。" in response.text
    stranger.close()
    assert records_of(database, tenant.id) == []
    retry = web.post(url, data=complaint_form(page_token(response)))
    assert retry.status_code == 200 and "#SB-" in retry.text


def test_errors_re_render_with_values_and_posting_the_page_twice_gives_one_reference(
    database: Database, tenant: TenantHandle, make_form: FormFactory, web: httpx.Client
) -> None:
    url = form_url(tenant, make_form(tenant, "complaint"))
    token = page_token(web.get(url))
    invalid = web.post(url, data=complaint_form(token, email="wang@", description=""))
    assert invalid.status_code == 422
    assert "请输入有效的电子邮件地址。" in invalid.text and "请填写此项。" in invalid.text
    assert 'value="wang@"' in invalid.text and "宽带断线" in invalid.text
    assert page_token(invalid) == token
    done = web.post(url, data=complaint_form(token))
    again = web.post(url, data=complaint_form(token))
    assert done.status_code == again.status_code == 200
    reference = re.search(r"#SB-\d+", done.text)
    assert reference and reference.group(0) in again.text and "我们已收到此提交" in again.text
    states = [r.state for r in records_of(database, tenant.id)]
    assert states == [InboundState.REJECTED, InboundState.INGESTED, InboundState.DUPLICATE]
    assert {r.source for r in records_of(database, tenant.id)} == {"hosted"}


def test_a_filled_honeypot_on_the_page_is_refused(
    database: Database, tenant: TenantHandle, make_form: FormFactory, web: httpx.Client
) -> None:
    url = form_url(tenant, make_form(tenant, "complaint"))
    token = page_token(web.get(url))
    response = web.post(url, data=complaint_form(token, website="cheap pills"))
    assert response.status_code == 400 and "提交被拒绝" in response.text
    [record] = records_of(database, tenant.id)
    assert record.state is InboundState.REJECTED

"""/api/v1/forms: a tenant defines its forms; bad definitions are 422 on the field at fault."""

from __future__ import annotations

from typing import Any

import httpx

from api.app import create_app
from core.db import Database
from core.settings import Settings
from tests.api.conftest import LiveServer
from tests.conftest import TenantHandle, make_tenant

API = "/api/v1/forms"
FIELDS: list[dict[str, Any]] = [
    {"name": "email", "type": "email", "label": {"zh": "邮箱", "en": "Email"}, "required": True},
    {
        "name": "serial",
        "type": "text",
        "label": {"zh": "序列号", "en": "Serial"},
        "pattern": "[A-Z0-9]{8}",
    },
]


def new_form(**fields: Any) -> dict[str, Any]:
    return {
        "slug": "warranty",
        "title": {"zh": "保修登记", "en": "Warranty"},
        "definition": {"fields": FIELDS},
        "allowed_origins": ["HTTPS://Shop.Example/"],
        "attachment_types": ["Image/PNG"],
        **fields,
    }


def test_a_tenant_creates_changes_lists_and_deletes_its_forms(
    database: Database, tenant: TenantHandle, web: httpx.Client
) -> None:
    auth = tenant.headers
    created = web.post(API, json=new_form(), headers=auth)
    assert created.status_code == 201, created.text
    form = created.json()
    assert form["allowed_origins"] == ["https://shop.example"]
    assert form["attachment_types"] == ["image/png"]
    assert form["definition"]["fields"][1]["pattern"] == "[A-Z0-9]{8}"
    assert web.get(f"/forms/{tenant.slug}/warranty").status_code == 200

    duplicate = web.post(API, json=new_form(), headers=auth)
    assert duplicate.status_code == 409
    changed = web.patch(
        f"{API}/{form['id']}", json={"active": False, "per_ip_per_hour": 5}, headers=auth
    )
    assert changed.status_code == 200 and changed.json()["per_ip_per_hour"] == 5
    assert web.get(f"/forms/{tenant.slug}/warranty").status_code == 404
    listed = web.get(API, params={"active": "false"}, headers=auth).json()
    assert [f["slug"] for f in listed["items"]] == ["warranty"]

    other = make_tenant(database, prefix="other")
    assert web.get(f"{API}/{form['id']}", headers=other.headers).status_code == 404
    assert web.delete(f"{API}/{form['id']}", headers=other.headers).status_code == 404
    assert web.delete(f"{API}/{form['id']}", headers=auth).status_code == 204
    assert web.get(f"{API}/{form['id']}", headers=auth).status_code == 404


def test_definitions_and_settings_that_cannot_work_are_422(
    tenant: TenantHandle, web: httpx.Client
) -> None:
    auth = tenant.headers
    cases: list[dict[str, Any]] = [
        {"definition": {"fields": [FIELDS[1]]}},  # nobody to answer
        {"definition": {"fields": [FIELDS[0], {**FIELDS[1], "pattern": "([A-Z]+)*!"}]}},
        {
            "definition": {
                "fields": [FIELDS[0], {"name": "kind", "type": "select", "label": {"en": "K"}}]
            }
        },
        {"allowed_origins": ["ftp://files.example"]},
        {"allowed_origins": ["https://shop.example/path"]},
        {"max_attachment_bytes": 100 * 1024 * 1024},
        {"title": {"fr": "Garantie"}},
        {"queue_id": "01a209e5-0000-7000-8000-000000000000"},
    ]
    for case in cases:
        response = web.post(API, json=new_form(slug="bad", **case), headers=auth)
        assert response.status_code == 422, (case, response.text)
        assert response.json()["errors"], case


def test_a_form_cannot_ask_for_a_captcha_the_platform_cannot_check(
    database: Database, tenant: TenantHandle, web: httpx.Client
) -> None:
    assert web.post(API, json=new_form(captcha=True), headers=tenant.headers).status_code == 201
    bare = LiveServer(create_app(database, settings=Settings(captcha_verify_url=None)))
    bare.start()
    try:
        response = httpx.post(
            bare.base_url + API, json=new_form(slug="other", captcha=True), headers=tenant.headers
        )
    finally:
        bare.stop()
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "captcha"

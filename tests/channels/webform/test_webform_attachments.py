"""Attachments through the JSON endpoint (multipart): stored through the blob store and
referenced from the raw record and the message; over the size 413, a type the form does not
take (by what the bytes are, not what the browser says) 415, too many 422."""

from __future__ import annotations

import json

import httpx

from core.db import Database
from core.models import InboundState
from core.storage import LocalFolderStore
from tests.channels.webform.conftest import (
    FormFactory,
    conversation_by_number,
    form_url,
    messages_of,
    records_of,
)
from tests.conftest import TenantHandle

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
PDF = b"%PDF-1.7\n" + b"x" * 100
EXE = b"MZ\x90\x00" + b"\x00" * 200


def fields(i: int = 0) -> dict[str, str]:
    return {
        "name": "Zhang Wei",
        "email": f"zhang{i}@example.com",
        "subject": "Router broke",
        "description": "It reboots every hour.",
        "language": "en",
    }


def test_accepted_attachments_are_stored_and_referenced(
    database: Database,
    tenant: TenantHandle,
    make_form: FormFactory,
    web: httpx.Client,
    form_blobs: LocalFolderStore,
) -> None:
    url = form_url(tenant, make_form(tenant, "complaint"), ".json")
    files = [
        ("attachments", ("photo.png", PNG, "image/png")),
        ("attachments", ("../../receipt.pdf", PDF, "application/pdf")),
    ]
    response = web.post(url, data=fields(), files=files)
    assert response.status_code == 201, response.text
    conversation = conversation_by_number(database, tenant.id, response.json()["number"])
    [message] = messages_of(database, tenant.id, conversation.id)
    assert [(a["filename"], a["size"]) for a in message.attachments] == [
        ("photo.png", len(PNG)),
        ("receipt.pdf", len(PDF)),
    ]
    assert form_blobs.get(message.attachments[0]["storage_key"]) == PNG
    [record] = records_of(database, tenant.id)
    payload = json.loads(record.payload)
    assert [a["storage_key"] for a in payload["attachments"]] == [
        a["storage_key"] for a in message.attachments
    ]
    assert payload["fields"]["subject"] == "Router broke" and record.source == "json"


def test_attachment_limits_get_413_415_and_422(
    database: Database, tenant: TenantHandle, make_form: FormFactory, web: httpx.Client
) -> None:
    url = form_url(
        tenant,
        make_form(tenant, "complaint", max_attachment_bytes=1000, max_attachments=2),
        ".json",
    )
    big = web.post(url, data=fields(1), files=[("attachments", ("big.png", PNG * 10, "image/png"))])
    assert big.status_code == 413, big.text
    assert big.json()["errors"] == [
        {"field": "attachments", "message": "“big.png” is larger than 1000 B."}
    ]
    disguised = web.post(
        url, data=fields(2), files=[("attachments", ("cat.png", EXE, "image/png"))]
    )
    assert disguised.status_code == 415, disguised.text
    zipped = web.post(
        url, data=fields(3), files=[("attachments", ("a.zip", b"PK\x03\x04", "application/zip"))]
    )
    assert zipped.status_code == 415
    many = [("attachments", (f"p{i}.png", PNG, "image/png")) for i in range(3)]
    too_many = web.post(url, data=fields(4), files=many)
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0]["message"] == "At most 2 attachments."
    file_as_field = web.post(
        url, data=fields(5), files=[("subject", ("s.txt", b"x", "text/plain"))]
    )
    assert file_as_field.status_code == 422
    records = records_of(database, tenant.id)
    assert [r.state for r in records] == [InboundState.REJECTED] * 4
    assert all(b"storage_key" not in r.payload for r in records)


def test_a_form_without_attachment_types_refuses_files_and_oversized_bodies_get_413(
    tenant: TenantHandle, make_form: FormFactory, web: httpx.Client
) -> None:
    url = form_url(tenant, make_form(tenant, "feedback"), ".json")
    data = {"email": "fb@example.com", "rating": "4", "language": "en"}
    refused = web.post(url, data=data, files=[("attachments", ("p.png", PNG, "image/png"))])
    assert refused.status_code == 415
    assert refused.json()["errors"][0]["message"] == "This form takes no attachments."
    huge = web.post(
        url, data=data, files=[("attachments", ("p.png", b"x" * (52 * 1024 * 1024), "image/png"))]
    )
    assert huge.status_code == 413
    plain = web.post(url, data=data, files=[("attachments", ("", b"", "application/octet-stream"))])
    assert plain.status_code == 201, plain.text  # a browser's empty file input is no file

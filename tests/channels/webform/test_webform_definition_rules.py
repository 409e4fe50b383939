"""Rules without a server: what a definition may say, how values are checked and rendered,
which patterns are safe to run on public input, the CSRF token, and attachment sniffing."""

from __future__ import annotations

import time
import uuid
from datetime import date
from typing import Any, TypedDict

import pytest
from pydantic import ValidationError

from channels.webform import csrf
from channels.webform.attachments import sniff
from channels.webform.default_forms import DEFAULT_FORMS
from channels.webform.definition import FormDefinition
from channels.webform.messages import pick_language
from channels.webform.patterns import pattern_problem
from channels.webform.validation import render_text, validate_fields

EMAIL = {"name": "email", "type": "email", "label": {"en": "Email", "zh": "邮箱"}}
TODAY = date(2025, 6, 1)


class TokenCheck(TypedDict):
    """The keyword arguments of ``csrf.check_token`` after the secret and the token."""

    form_id: uuid.UUID
    browser_id: str | None
    max_age_seconds: int
    now: float | None


def definition(*fields: dict[str, Any]) -> FormDefinition:
    return FormDefinition.model_validate({"fields": [EMAIL, *fields]})


@pytest.mark.parametrize(
    ("field", "complaint"),
    [
        ({"name": "website", "type": "text", "label": {"en": "x"}}, "reserved"),
        ({"name": "kind", "type": "select", "label": {"en": "x"}}, "needs options"),
        ({"name": "x", "type": "text", "label": {"fr": "x"}}, "languages are"),
        (
            {"name": "x", "type": "text", "label": {"en": "x"}, "pattern": "(a+)+$"},
            "inside a repetition",
        ),
        ({"name": "x", "type": "text", "label": {"en": "x"}, "pattern": "("}, "not a regular"),
        (
            {"name": "x", "type": "date", "label": {"en": "x"}, "role": "callback"},
            "role 'callback'",
        ),
        ({"name": "email", "type": "text", "label": {"en": "x"}}, "unique"),
    ],
)
def test_definitions_that_could_not_be_served_are_refused(
    field: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(ValidationError, match=complaint):
        definition(field)
    with pytest.raises(ValidationError, match="email or phone"):
        FormDefinition.model_validate(
            {"fields": [{"name": "a", "type": "text", "label": {"en": "A"}}]}
        )


def test_the_default_forms_are_valid_definitions() -> None:
    for spec in DEFAULT_FORMS:
        FormDefinition.model_validate(spec["definition"])


def test_patterns_that_backtrack_badly_are_refused_and_ordinary_ones_pass() -> None:
    assert pattern_problem(r"[A-Za-z0-9-]{6,32}", max_length=200) is None
    assert pattern_problem(r"#?(SB-)?[0-9]{1,12}", max_length=200) is None
    assert pattern_problem(r"(x)\1", max_length=200) == "backreferences are not allowed"
    assert pattern_problem(r"(ab|a)*c", max_length=200) is not None
    assert "open-ended" in (pattern_problem(r"a*a*a*a*b", max_length=200) or "")


def test_values_are_normalized_and_roles_pick_out_the_identity_subject_and_callback() -> None:
    form = definition(
        {"name": "subject", "type": "text", "role": "subject", "label": {"en": "Subject"}},
        {"name": "phone", "type": "phone", "role": "callback", "label": {"en": "Call me"}},
        {"name": "rating", "type": "rating", "label": {"en": "Rating"}},
        {"name": "ok", "type": "checkbox", "label": {"en": "Agree"}},
        {"name": "notes", "type": "textarea", "label": {"en": "Notes"}},
    )
    raw = {
        "email": " Li.Na@Example.COM ",
        "subject": "  Bill ",
        "phone": "139-0000-1111",
        "rating": "4",
        "ok": "on",
        "notes": "line one\r\nline two",
    }
    clean, problems = validate_fields(form, raw, language="en", today=TODAY)
    assert problems == [] and clean is not None
    assert (clean.identity_kind, clean.identity) == ("email", "li.na@example.com")
    assert clean.subject == "Bill" and clean.callback_number == "+8613900001111"
    assert clean.values["rating"] == 4 and clean.values["ok"] is True
    assert render_text(form, clean.values, "en").splitlines() == [
        "Email: li.na@example.com",
        "Subject: Bill",
        "Call me: +8613900001111",
        "Rating: 4/5",
        "Agree: Yes",
        "Notes:",
        "  line one",
        "  line two",
    ]


def test_languages_follow_the_request_then_the_browser_then_the_form() -> None:
    assert pick_language("en", "zh-CN", "zh") == "en"
    assert pick_language(None, "de, zh-TW;q=0.8, en;q=0.5", "en") == "zh"
    assert pick_language("xx", "de", "zh") == "zh"


def test_csrf_tokens_are_bound_to_form_browser_and_time() -> None:
    form_id, other_form = uuid.uuid4(), uuid.uuid4()
    browser = csrf.new_browser_id()
    now = time.time()
    token = csrf.issue_token("k" * 32, form_id=form_id, browser_id=browser, now=now)
    check: TokenCheck = {
        "form_id": form_id,
        "browser_id": browser,
        "max_age_seconds": 3600,
        "now": now + 10,
    }
    nonce = csrf.check_token("k" * 32, token, **check)
    assert nonce is not None and token.startswith(nonce)
    assert csrf.check_token("k" * 32, token, **(check | {"form_id": other_form})) is None
    assert (
        csrf.check_token("k" * 32, token, **(check | {"browser_id": csrf.new_browser_id()})) is None
    )
    assert csrf.check_token("k" * 32, token, **(check | {"now": now + 3601})) is None
    assert csrf.check_token("x" * 32, token, **check) is None
    assert csrf.check_token("k" * 32, token + "x", **check) is None


def test_attachment_contents_are_recognised_by_their_first_bytes() -> None:
    assert sniff(b"\x89PNG\r\n\x1a\nrest") == "image/png"
    assert sniff(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert sniff(b"MZ\x90\x00") == "application/x-msdownload"
    assert sniff(b"hello") is None

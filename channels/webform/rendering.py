"""The hosted page (jinja2, autoescaped) and the public JSON definition the embed renders.

Both come from the same view of a form in one language, so the page and the embed ask the
same questions with the same labels. The page works without JavaScript; it submits with
``novalidate`` so that every message comes from the server, in the form's language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from channels.webform.attachments import FIELD as ATTACHMENTS_FIELD
from channels.webform.captcha import CaptchaWidget
from channels.webform.definition import HONEYPOT_FIELD, LANGUAGES, FormDefinition, localized
from channels.webform.messages import LANGUAGE_NAMES, size_text, text
from core.errors import FieldProblem
from core.models.web_form import WebForm

TEMPLATES = Path(__file__).parent / "templates"
INPUT_TYPES = {"email": "email", "phone": "tel", "date": "date", "text": "text"}
AUTOCOMPLETE = {"email": "email", "phone": "tel"}


@lru_cache(maxsize=4)
def page_environment(folder: Path) -> jinja2.Environment:
    """Jinja for the public pages (forms, surveys): escaped, strict about missing names."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _environment() -> jinja2.Environment:
    return page_environment(TEMPLATES)


@dataclass(frozen=True, slots=True)
class FieldView:
    name: str
    type: str
    label: str
    required: bool
    help: str = ""
    value: str = ""
    max_length: int | None = None
    options: list[tuple[str, str]] = field(default_factory=list)
    scale: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def input_type(self) -> str:
        return INPUT_TYPES.get(self.type, "text")

    @property
    def autocomplete(self) -> str | None:
        return AUTOCOMPLETE.get(self.type)


def field_views(
    definition: FormDefinition,
    language: str,
    *,
    values: Mapping[str, Any] | None = None,
    problems: Sequence[FieldProblem] = (),
) -> list[FieldView]:
    """The form's fields as shown in ``language``, with entered values and their errors."""
    values = values or {}
    views = []
    for f in definition.fields:
        raw = values.get(f.name)
        views.append(
            FieldView(
                name=f.name,
                type=f.type,
                label=localized(f.label, language),
                required=f.required,
                help=localized(f.help, language),
                value="" if raw is None or raw is False else str(raw),
                max_length=f.length_limit
                if f.type in ("text", "textarea", "email", "phone")
                else None,
                options=[(o.value, localized(o.label, language)) for o in f.options],
                scale=list(range(f.min_value, f.max_value + 1)) if f.type == "rating" else [],
                errors=[p.message for p in problems if p.field == f.name],
            )
        )
    return views


def render_form_page(
    form: WebForm,
    definition: FormDefinition,
    *,
    language: str,
    action: str,
    csrf_token: str,
    widget: CaptchaWidget | None,
    values: Mapping[str, Any] | None = None,
    problems: Sequence[FieldProblem] = (),
    summary: str | None = None,
    notice: str | None = None,
) -> str:
    """The hosted form, empty or re-rendered with what was entered and what is wrong with it."""
    known = {f.name for f in definition.fields} | {ATTACHMENTS_FIELD, "captcha_token"}
    general = [p.message for p in problems if p.field not in known]
    title = localized(form.title, language) or form.slug
    return (
        _environment()
        .get_template("form.html")
        .render(
            language=language,
            page_title=title,
            title=title,
            intro=localized(definition.intro, language),
            languages=[(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
            action=action,
            csrf_token=csrf_token,
            fields=field_views(definition, language, values=values, problems=problems),
            attachments=_attachments_view(form, language, problems),
            widget=widget if form.captcha else None,
            captcha_errors=[p.message for p in problems if p.field == "captcha_token"],
            summary=summary,
            general_errors=general,
            notice=notice,
            choose=text("choose", language),
            required_mark=text("required_mark", language),
            honeypot_label=text("honeypot_label", language),
            submit_label=localized(definition.submit_label, language) or text("submit", language),
        )
    )


def render_done_page(
    form: WebForm, definition: FormDefinition, *, language: str, number: int, duplicate: bool
) -> str:
    """The thank-you page with the reference number, as the email acknowledgement writes it."""
    reference = reference_text(number)
    if duplicate:
        message = text("already_received", language, reference=reference)
    else:
        custom = localized(definition.success_message, language)
        message = custom or text("thanks", language, reference=reference)
    title = localized(form.title, language) or form.slug
    return (
        _environment()
        .get_template("done.html")
        .render(
            language=language,
            page_title=title,
            title=title,
            message=message,
            reference=reference,
            keep=text("keep_reference", language),
        )
    )


def render_message_page(*, language: str, title: str, message: str) -> str:
    """A page that only says something: no such form, too many submissions, unavailable."""
    return (
        _environment()
        .get_template("message.html")
        .render(language=language, page_title=title, message=message)
    )


def reference_text(number: int) -> str:
    """``#SB-<number>``, as the email acknowledgement writes it."""
    return f"#SB-{number}"


def public_definition(
    form: WebForm,
    definition: FormDefinition,
    *,
    language: str,
    submit_url: str,
    widget: CaptchaWidget | None,
) -> dict[str, Any]:
    """What the embed needs to render the form in ``language``: nothing internal (no ids,
    queues or limits beyond what the submitter must respect)."""
    attachments = None
    if form.max_attachments > 0 and form.attachment_types:
        attachments = {
            "field": ATTACHMENTS_FIELD,
            "label": text("attachments", language),
            "max_count": form.max_attachments,
            "max_bytes": form.max_attachment_bytes,
            "types": list(form.attachment_types),
            "help": _attachments_help(form, language),
        }
    return {
        "slug": form.slug,
        "language": language,
        "languages": list(LANGUAGES),
        "title": localized(form.title, language) or form.slug,
        "intro": localized(definition.intro, language) or None,
        "submit_label": localized(definition.submit_label, language) or text("submit", language),
        "submit_url": submit_url,
        "honeypot_field": HONEYPOT_FIELD,
        "honeypot_label": text("honeypot_label", language),
        "choose_label": text("choose", language),
        "required_label": text("required_mark", language),
        "fields": [
            {
                "name": view.name,
                "type": view.type,
                "label": view.label,
                "required": view.required,
                "help": view.help or None,
                "max_length": view.max_length,
                "options": [{"value": v, "label": label} for v, label in view.options],
                "scale": view.scale,
            }
            for view in field_views(definition, language)
        ],
        "attachments": attachments,
        "captcha": (
            {
                "script_url": widget.script_url,
                "element_class": widget.element_class,
                "site_key": widget.site_key,
            }
            if widget and form.captcha
            else None
        ),
        "messages": {
            key: text(key, language, reference="{reference}")
            for key in ("thanks", "already_received", "keep_reference", "unavailable")
        },
    }


def _attachments_view(
    form: WebForm, language: str, problems: Sequence[FieldProblem]
) -> dict[str, Any] | None:
    if form.max_attachments <= 0 or not form.attachment_types:
        return None
    return {
        "label": text("attachments", language),
        "accept": ",".join(form.attachment_types),
        "help": _attachments_help(form, language),
        "errors": [p.message for p in problems if p.field == ATTACHMENTS_FIELD],
    }


def _attachments_help(form: WebForm, language: str) -> str:
    return text(
        "attachments_help",
        language,
        max=form.max_attachments,
        limit=size_text(form.max_attachment_bytes),
        types=", ".join(form.attachment_types),
    )

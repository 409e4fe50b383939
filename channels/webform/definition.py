"""The schema of ``WebForm.definition``: the fields a form asks for, labelled in zh and en.

A definition that validates here can always be rendered (hosted page, embed) and checked
(``channels.webform.validation``): names are unique and not reserved, selects have options,
patterns compile, roles sit on fields of the right type, and the form asks for an email
address or a phone number (the submitter's identity, D9).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from channels.webform.patterns import pattern_problem
from core.forms.service import LANGUAGES, SLUG

HONEYPOT_FIELD = "website"
"""Hidden from people, tempting to bots: a submission that fills it is refused."""

CAPTCHA_FIELDS = ("captcha_token", "h-captcha-response", "cf-turnstile-response")
"""Where a captcha answer may arrive: ours (JSON, embed), hCaptcha's and Turnstile's widgets."""

RESERVED_NAMES = frozenset(
    {
        HONEYPOT_FIELD,
        "csrf_token",
        "language",
        "attachments",
        "fields",
        "g-recaptcha-response",
        *CAPTCHA_FIELDS,
    }
)
"""Keys of a submission that are not form fields, so no field may be called that."""

FieldType = Literal["text", "textarea", "email", "phone", "select", "rating", "date", "checkbox"]
FieldRole = Literal["name", "subject", "category", "callback"]
ROLE_TYPES: dict[str, frozenset[str]] = {
    "name": frozenset({"text"}),
    "subject": frozenset({"text"}),
    "category": frozenset({"select"}),
    "callback": frozenset({"phone"}),
}
DEFAULT_MAX_LENGTH = {"text": 200, "textarea": 5000, "email": 254, "phone": 32}

_Label = Annotated[str, StringConstraints(min_length=1, max_length=500, pattern=r"^[^\x00]*$")]
Slug = Annotated[str, StringConstraints(pattern=SLUG.pattern)]
FieldName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
OptionValue = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]


def _check_languages(text: dict[str, str]) -> dict[str, str]:
    unknown = set(text) - set(LANGUAGES)
    if unknown:
        raise ValueError(f"languages are {', '.join(LANGUAGES)}; not {', '.join(sorted(unknown))}")
    if not text:
        raise ValueError("give the text in at least one language")
    return text


LocalizedText = Annotated[
    dict[str, _Label],
    AfterValidator(_check_languages),
    Field(description="language (zh, en) → text"),
]


def localized(text: dict[str, str] | None, language: str, fallback: str = "en") -> str:
    """The text in ``language``, else in ``fallback``, else in any language it has."""
    if not text:
        return ""
    return text.get(language) or text.get(fallback) or next(iter(text.values()))


class FieldOption(BaseModel):
    """One choice of a select: the value stored, and its label."""

    model_config = ConfigDict(extra="forbid")

    value: OptionValue
    label: LocalizedText


class FormField(BaseModel):
    """One input. ``role`` marks the field that names the submitter, gives the subject, sets the
    conversation's category (a select) or asks for a call-back (a phone number)."""

    model_config = ConfigDict(extra="forbid")

    name: FieldName
    type: FieldType
    label: LocalizedText
    help: LocalizedText | None = None
    required: bool = False
    role: FieldRole | None = None
    max_length: int | None = Field(default=None, ge=1, le=10_000)
    pattern: str | None = Field(default=None, max_length=200, description="a full-match regex")
    options: list[FieldOption] = Field(default_factory=list, max_length=100)
    min_value: int = Field(default=1, ge=0, le=100, description="rating: lowest")
    max_value: int = Field(default=5, ge=1, le=100, description="rating: highest")
    past_only: bool = Field(default=False, description="date: not after today")

    @model_validator(mode="after")
    def _consistent(self) -> FormField:
        if self.name in RESERVED_NAMES:
            raise ValueError(f"{self.name!r} is reserved")
        if self.type == "select":
            if not self.options:
                raise ValueError("a select needs options")
            values = [option.value for option in self.options]
            if len(set(values)) != len(values):
                raise ValueError("option values must be unique")
        elif self.options:
            raise ValueError("only a select has options")
        if self.role is not None and self.type not in ROLE_TYPES[self.role]:
            raise ValueError(
                f"role {self.role!r} needs a field of type {set(ROLE_TYPES[self.role])}"
            )
        if self.type == "rating" and self.min_value >= self.max_value:
            raise ValueError("min_value must be below max_value")
        if self.pattern is not None:
            if self.type not in ("text", "textarea"):
                raise ValueError("only text fields have a pattern")
            problem = pattern_problem(self.pattern, max_length=self.length_limit)
            if problem is not None:
                raise ValueError(f"pattern: {problem}")
        return self

    @property
    def length_limit(self) -> int:
        return self.max_length or DEFAULT_MAX_LENGTH.get(self.type, 200)

    def option_label(self, value: str, language: str) -> str:
        for option in self.options:
            if option.value == value:
                return localized(option.label, language)
        return value


class FormDefinition(BaseModel):
    """The fields in display order, and the texts around them."""

    model_config = ConfigDict(extra="forbid")

    fields: list[FormField] = Field(min_length=1, max_length=40)
    intro: LocalizedText | None = None
    submit_label: LocalizedText | None = None
    success_message: LocalizedText | None = None
    phone_region: str = Field(
        default="CN", pattern=r"^[A-Z]{2}$", description="for numbers written without +country"
    )

    @model_validator(mode="after")
    def _consistent(self) -> FormDefinition:
        names = [field.name for field in self.fields]
        if len(set(names)) != len(names):
            raise ValueError("field names must be unique")
        if not any(field.type in ("email", "phone") for field in self.fields):
            raise ValueError("a form needs an email or phone field (who is writing)")
        for role in ("name", "subject", "category"):
            if sum(1 for field in self.fields if field.role == role) > 1:
                raise ValueError(f"at most one field may have the role {role!r}")
        return self

    def field(self, name: str) -> FormField | None:
        return next((field for field in self.fields if field.name == name), None)

    def with_role(self, role: str) -> FormField | None:
        return next((field for field in self.fields if field.role == role), None)


def parse_definition(data: dict[str, Any]) -> FormDefinition:
    """A stored definition as the model (stored ones were validated when they were saved)."""
    return FormDefinition.model_validate(data)

"""Constrained field types shared by the schemas, sized to the columns they end up in.

Every string refuses NUL characters (PostgreSQL cannot store them) and is no longer than its
column, so a request that passes validation can always be stored.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, ConfigDict, Field, StringConstraints

NO_NUL = r"^[^\x00]*$"

Name = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=NO_NUL)]
Label = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=NO_NUL)]
Subject = Annotated[str, StringConstraints(max_length=500, pattern=NO_NUL)]
LanguageTag = Annotated[
    str,
    StringConstraints(max_length=16, pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?$"),
]
MessageText = Annotated[str, StringConstraints(min_length=1, max_length=50_000, pattern=NO_NUL)]
HtmlText = Annotated[str, StringConstraints(max_length=200_000, pattern=NO_NUL)]
SearchText = Annotated[str, StringConstraints(max_length=200, pattern=NO_NUL)]
SkillLevel = Annotated[int, Field(ge=1, le=5, description="1 (junior) to 5 (expert)")]


MAX_JSON_DEPTH = 32


def _storable_json(value: Any, depth: int = 0) -> Any:
    """Reject NUL anywhere (JSONB cannot hold it, keys included) and nesting past 32 levels."""
    if depth > MAX_JSON_DEPTH:
        raise ValueError(f"must not nest deeper than {MAX_JSON_DEPTH} levels")
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("must not contain NUL characters")
    elif isinstance(value, dict):
        for key, item in value.items():
            _storable_json(key, depth + 1)
            _storable_json(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _storable_json(item, depth + 1)
    return value


Attributes = Annotated[
    dict[str, Any],
    AfterValidator(_storable_json),
    Field(description="free-form JSON object for integrations"),
]


def patch_field(**constraints: Any) -> Any:
    """A PATCH field that may be left out (unchanged) but not sent as null.

    Typed ``Any`` so the field keeps its non-null type for validation and the schema.
    """
    return Field(default=None, **constraints)


def _skill_levels(levels: dict[str, int]) -> dict[str, int]:
    """Skill names are labels (1 to 64 characters, no NUL); at most 50 of them."""
    if len(levels) > 50:
        raise ValueError("at most 50 skills")
    for name in levels:
        if not 1 <= len(name) <= 64 or "\x00" in name:
            raise ValueError(f"skill name {name[:64]!r} must be 1 to 64 characters")
    return levels


SkillLevels = Annotated[
    dict[str, SkillLevel],
    AfterValidator(_skill_levels),
    Field(description="skill name → minimum level, 1 to 5"),
]

INPUT_CONFIG = ConfigDict(extra="forbid")
OUTPUT_CONFIG = ConfigDict(from_attributes=True)

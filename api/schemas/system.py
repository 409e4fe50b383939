"""Operational endpoints on the wire."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

CheckStatus = Literal["ok", "failed"]


class HealthOut(BaseModel):
    status: CheckStatus = Field(description="ok only if every check is ok")
    checks: dict[str, CheckStatus]

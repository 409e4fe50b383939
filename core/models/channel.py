"""The ways customers reach us; one value per adapter package under channels/."""

from __future__ import annotations

import enum


class Channel(enum.StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    WEBFORM = "webform"
    SOCIAL = "social"

"""The one way a random bearer secret is stored: its SHA-256.

Session cookies, API tokens and reset links carry 256 random bits, so a fast hash is the
right tool (as for GitHub's tokens); a slow password hash would only add latency.
"""

from __future__ import annotations

import hashlib


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()

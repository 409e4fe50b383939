"""Domain metrics for Prometheus; served by the API's /metrics with the HTTP ones."""

from __future__ import annotations

from prometheus_client import Counter

INBOUND_MESSAGES = Counter(
    "switchboard_inbound_messages_total",
    "Inbound customer traffic by channel and outcome (stored, duplicate, rejected).",
    ["channel", "outcome"],
)

"""Domain metrics for Prometheus; served by the API's /metrics with the HTTP ones."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

INBOUND_MESSAGES = Counter(
    "switchboard_inbound_messages_total",
    "Inbound customer traffic by channel and outcome (stored, duplicate, rejected).",
    ["channel", "outcome"],
)

OUTBOX_DISPATCHED = Counter(
    "switchboard_outbox_dispatched_total",
    "Jobs relayed from the outbox to the broker, by actor.",
    ["actor"],
)
OUTBOX_DISPATCH_DELAY = Histogram(
    "switchboard_outbox_dispatch_delay_seconds",
    "Time from a job's commit to its hand-over to the broker (the relay's lag).",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)

SOCIAL_POSTS = Counter(
    "switchboard_social_posts_total",
    "Social posts by network and outcome (stored, duplicate, edited, deleted).",
    ["network", "outcome"],
)
SOCIAL_POLLS = Counter(
    "switchboard_social_polls_total",
    "Polls of social accounts by network and outcome (ok, rate_limited, failed, disabled).",
    ["network", "outcome"],
)
SOCIAL_ALERTS = Counter(
    "switchboard_social_alerts_total",
    "Public-opinion alerts raised or escalated, by kind and severity.",
    ["kind", "change", "severity"],
)

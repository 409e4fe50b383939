"""The permission matrix (D5): which role may take which action, declared once.

An action is ``resource:verb``. Routes name their resource (api.guards derives the verb from
the HTTP method, or a route names its action outright); dashboard pages name theirs. Every
check in the product goes through ``permissions_for`` and ``allows``, so this table is the
whole policy: reading it tells an auditor who can do what.

A grant ending in ``@own`` allows the action only on the caller's own record (an agent sets
their own presence, not a colleague's); the route says which path parameter is the owner.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping

from core.models.user import Role

OWN_SUFFIX = "@own"


class Action(enum.StrEnum):
    CONTACTS_READ = "contacts:read"
    CONTACTS_WRITE = "contacts:write"
    CONTACTS_DELETE = "contacts:delete"
    CONVERSATIONS_READ = "conversations:read"
    CONVERSATIONS_WRITE = "conversations:write"
    CONVERSATIONS_EXPORT = "conversations:export"
    CSAT_READ = "csat:read"
    CSAT_WRITE = "csat:write"
    QUEUES_READ = "queues:read"
    QUEUES_WRITE = "queues:write"
    QUEUES_DELETE = "queues:delete"
    USERS_READ = "users:read"
    USERS_WRITE = "users:write"
    USERS_DELETE = "users:delete"
    ORG_UNITS_READ = "org_units:read"
    ORG_UNITS_WRITE = "org_units:write"
    ORG_UNITS_DELETE = "org_units:delete"
    SLA_READ = "sla:read"
    SLA_WRITE = "sla:write"
    SLA_DELETE = "sla:delete"
    AGENTS_READ = "agents:read"
    AGENTS_WRITE = "agents:write"
    ROUTING_READ = "routing:read"
    ROUTING_WRITE = "routing:write"
    OFFERS_WRITE = "offers:write"
    FORMS_READ = "forms:read"
    FORMS_WRITE = "forms:write"
    FORMS_DELETE = "forms:delete"
    VOICE_READ = "voice:read"
    VOICE_WRITE = "voice:write"
    VOICE_DELETE = "voice:delete"
    VOICE_ACCOUNT_READ = "voice_account:read"
    VOICE_ACCOUNT_WRITE = "voice_account:write"
    INTERACTIONS_READ = "interactions:read"
    INTERACTIONS_WRITE = "interactions:write"
    CALLBACKS_READ = "callbacks:read"
    CALLBACKS_WRITE = "callbacks:write"
    SOCIAL_ACCOUNTS_READ = "social_accounts:read"
    SOCIAL_ACCOUNTS_WRITE = "social_accounts:write"
    SOCIAL_ACCOUNTS_DELETE = "social_accounts:delete"
    SOCIAL_POSTS_READ = "social_posts:read"
    MONITORS_READ = "monitors:read"
    MONITORS_WRITE = "monitors:write"
    MONITORS_DELETE = "monitors:delete"
    ALERTS_READ = "alerts:read"
    ALERTS_WRITE = "alerts:write"
    INCIDENTS_READ = "incidents:read"
    INCIDENTS_WRITE = "incidents:write"
    IDENTITY_PROVIDERS_READ = "identity_providers:read"
    IDENTITY_PROVIDERS_WRITE = "identity_providers:write"
    IDENTITY_PROVIDERS_DELETE = "identity_providers:delete"
    API_TOKENS_READ = "api_tokens:read"
    API_TOKENS_WRITE = "api_tokens:write"
    API_TOKENS_DELETE = "api_tokens:delete"
    AUDIT_READ = "audit:read"
    ME_READ = "me:read"
    KPIS_READ = "kpis:read"
    QUEUE_HEALTH_READ = "queue_health:read"
    SENTIMENT_READ = "sentiment:read"


A = Action

_FRONT_LINE = {
    A.ME_READ,
    A.CONTACTS_READ,
    A.CONTACTS_WRITE,
    A.CONVERSATIONS_READ,
    A.CONVERSATIONS_WRITE,
    A.QUEUES_READ,
    A.USERS_READ,
    A.ORG_UNITS_READ,
    A.SLA_READ,
    A.AGENTS_READ,
    A.INTERACTIONS_READ,
    A.INTERACTIONS_WRITE,
    A.CALLBACKS_READ,
    A.CALLBACKS_WRITE,
}

_TEAM_LEAD = _FRONT_LINE | {
    A.AGENTS_WRITE,
    A.OFFERS_WRITE,
    A.ROUTING_READ,
    A.FORMS_READ,
    A.VOICE_READ,
    A.SOCIAL_POSTS_READ,
    A.ALERTS_READ,
    A.INCIDENTS_READ,
    A.KPIS_READ,
    A.QUEUE_HEALTH_READ,
    A.SENTIMENT_READ,
    A.CONVERSATIONS_EXPORT,
    A.CSAT_READ,
}

# Administration, including every setting that holds a provider credential.
_TENANT_ADMINISTRATION = {
    A.VOICE_ACCOUNT_WRITE,
    A.SOCIAL_ACCOUNTS_WRITE,
    A.SOCIAL_ACCOUNTS_DELETE,
    A.USERS_WRITE,
    A.USERS_DELETE,
    A.ORG_UNITS_WRITE,
    A.ORG_UNITS_DELETE,
    A.IDENTITY_PROVIDERS_READ,
    A.IDENTITY_PROVIDERS_WRITE,
    A.IDENTITY_PROVIDERS_DELETE,
    A.API_TOKENS_READ,
    A.API_TOKENS_WRITE,
    A.API_TOKENS_DELETE,
    A.AUDIT_READ,
}

# The customer's own word: survey answers come from the survey link or from an integration
# (an IVR post-call survey, a survey vendor) whose token an admin issued, never from the people
# they measure.
_CUSTOMER_VOICE = {A.CSAT_WRITE}

_ALL = frozenset(Action)

MATRIX: Mapping[Role, frozenset[str]] = {
    Role.ADMIN: _ALL,
    Role.SUPERVISOR: _ALL - _TENANT_ADMINISTRATION - _CUSTOMER_VOICE,
    Role.TEAM_LEAD: frozenset(_TEAM_LEAD),
    Role.AGENT: frozenset(_FRONT_LINE | {A.AGENTS_WRITE + OWN_SUFFIX, A.OFFERS_WRITE + OWN_SUFFIX}),
    Role.QA_INSPECTOR: frozenset(
        {
            A.ME_READ,
            A.CONTACTS_READ,
            A.CONVERSATIONS_READ,
            A.CONVERSATIONS_EXPORT,
            A.CSAT_READ,
            A.QUEUES_READ,
            A.USERS_READ,
            A.ORG_UNITS_READ,
            A.SLA_READ,
            A.AGENTS_READ,
            A.INTERACTIONS_READ,
            A.CALLBACKS_READ,
            A.KPIS_READ,
        }
    ),
    Role.SOCIAL_MONITOR: frozenset(
        {
            A.ME_READ,
            # incidents:write includes the crisis desk's call-backs to affected customers
            A.CONTACTS_READ,
            A.CONVERSATIONS_READ,
            A.CONVERSATIONS_WRITE,
            A.QUEUES_READ,
            A.USERS_READ,
            A.SOCIAL_ACCOUNTS_READ,
            A.SOCIAL_POSTS_READ,
            A.MONITORS_READ,
            A.MONITORS_WRITE,
            A.MONITORS_DELETE,
            A.ALERTS_READ,
            A.ALERTS_WRITE,
            A.INCIDENTS_READ,
            A.INCIDENTS_WRITE,
            A.SENTIMENT_READ,
        }
    ),
    Role.EXECUTIVE: frozenset(
        {
            A.ME_READ,
            A.KPIS_READ,
            A.QUEUE_HEALTH_READ,
            A.SENTIMENT_READ,
            A.SLA_READ,
            A.ALERTS_READ,
            A.INCIDENTS_READ,
        }
    ),
}


EVERYONE: frozenset[str] = frozenset({A.ME_READ})
"""What every signed-in person may do, roles or none (a user with no role learns so)."""


def permissions_for(roles: Iterable[str]) -> frozenset[str]:
    """Everything the holder of these roles may do; unknown role names grant nothing."""
    granted: set[str] = set(EVERYONE)
    for name in roles:
        try:
            granted |= MATRIX[Role(name)]
        except ValueError:
            continue
    return frozenset(granted)


def allows(granted: frozenset[str], action: str, *, own: bool = False) -> bool:
    """Whether ``granted`` covers ``action``; ``own`` says the target is the caller's record."""
    return action in granted or (own and action + OWN_SUFFIX in granted)


def unknown_scopes(scopes: Iterable[str]) -> list[str]:
    """The names among ``scopes`` that are not actions (empty when all are).

    ``@own`` grants are not scopes: a token acts for no user, so it owns no record.
    """
    known = {a.value for a in Action}
    return [s for s in scopes if s not in known]


def action_for(resource: str, method: str) -> str:
    """The action a plain route on ``resource`` takes, from its HTTP method."""
    verb = {"GET": "read", "HEAD": "read", "DELETE": "delete"}.get(method.upper(), "write")
    return f"{resource}:{verb}"


def matrix_markdown() -> str:
    """The matrix as a Markdown table (docs/access-control.md carries it; a test compares)."""
    roles = list(Role)
    lines = [
        "| action | " + " | ".join(role.value for role in roles) + " |",
        "|---|" + "---|" * len(roles),
    ]
    for action in Action:
        cells = []
        for role in roles:
            granted = MATRIX[role]
            cells.append(
                "✓" if action in granted else "own" if action + OWN_SUFFIX in granted else ""
            )
        lines.append(f"| `{action.value}` | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"

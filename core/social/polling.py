"""The social poller's bookkeeping: which accounts are due, and what a poll left behind.

Claiming moves ``next_poll_at`` forward with a conditional update, so several workers can
poll side by side and each account is polled by one of them. A poll's cursor is saved only
after its posts are stored (``record_success``), so a crash in between re-reads the same
posts, which intake then ignores as duplicates. Failures back off: a rate limit waits as long
as the network asked (or a minute), other transient errors double the wait up to an hour, and
a permanent error (bad credentials) switches the account off with the reason for a person.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
import structlog
from sqlmodel import col

from core.clock import utcnow
from core.db import Database
from core.metrics import SOCIAL_POLLS
from core.models.social import SocialAccount, SocialNetwork
from core.social.incoming import AccountView

log = structlog.get_logger(__name__)

POLLED_NETWORKS = (SocialNetwork.X, SocialNetwork.MASTODON, SocialNetwork.RSS)
MAX_BACKOFF = timedelta(hours=1)
DEFAULT_RATE_LIMIT_WAIT = timedelta(minutes=1)


def account_view(account: SocialAccount) -> AccountView:
    return AccountView(
        id=account.id,
        tenant_id=account.tenant_id,
        network=account.network,
        name=account.name,
        handle=account.handle,
        api_base_url=account.api_base_url,
        credentials=dict(account.credentials),
        settings=dict(account.settings),
        cursor=dict(account.cursor),
    )


def claim_due_accounts(database: Database, *, limit: int = 20) -> list[AccountView]:
    """Active polled accounts whose time has come, claimed for this worker (commits)."""
    now = utcnow()
    due = sa.or_(col(SocialAccount.next_poll_at).is_(None), col(SocialAccount.next_poll_at) <= now)
    free = sa.or_(
        col(SocialAccount.backoff_until).is_(None), col(SocialAccount.backoff_until) <= now
    )
    claimed: list[AccountView] = []
    with database.system_unit() as session:
        candidates = session.execute(
            sa.select(SocialAccount)
            .where(
                col(SocialAccount.active).is_(True),
                col(SocialAccount.network).in_(POLLED_NETWORKS),
                due,
                free,
            )
            .order_by(col(SocialAccount.next_poll_at).nulls_first())
            .limit(limit)
        ).scalars()
        for account in list(candidates):
            previous = account.next_poll_at
            same = (
                col(SocialAccount.next_poll_at).is_(None)
                if previous is None
                else col(SocialAccount.next_poll_at) == previous
            )
            won = session.execute(
                sa.update(SocialAccount)
                .where(
                    col(SocialAccount.tenant_id) == account.tenant_id,
                    col(SocialAccount.id) == account.id,
                    same,
                )
                .values(next_poll_at=now + timedelta(seconds=account.poll_interval_seconds))
                .execution_options(synchronize_session=False)
            )
            if won.rowcount == 1:  # type: ignore[attr-defined]
                claimed.append(account_view(account))
    return claimed


def record_success(
    database: Database,
    account: AccountView,
    *,
    cursor: dict[str, Any],
    notes: list[str] | tuple[str, ...] = (),
) -> None:
    """Save the cursor once the poll's posts are stored; clears any backoff (commits).

    ``notes`` are what a poll that worked still wants a person to see (one feed of several
    failing, a page cap reached); they stand in ``last_error`` until a clean poll clears them.
    """
    SOCIAL_POLLS.labels(account.network.value, "ok").inc()
    _update(
        database,
        account,
        cursor=cursor,
        last_polled_at=utcnow(),
        consecutive_failures=0,
        backoff_until=None,
        last_error="; ".join(notes)[:1000] if notes else None,
    )


def record_failure(
    database: Database,
    account: AccountView,
    *,
    reason: str,
    permanent: bool = False,
    retry_after: float | None = None,
    rate_limited: bool = False,
) -> datetime | None:
    """Back off (or switch off, when permanent); when the account may be polled again."""
    with database.tenant_unit(account.tenant_id) as session:
        failures = session.execute(
            sa.select(col(SocialAccount.consecutive_failures)).where(
                col(SocialAccount.id) == account.id
            )
        ).scalar_one()
    now = utcnow()
    until: datetime | None
    if permanent:
        until = None
    elif rate_limited:
        wait = timedelta(seconds=retry_after) if retry_after else DEFAULT_RATE_LIMIT_WAIT
        until = now + min(max(wait, timedelta(seconds=1)), MAX_BACKOFF)
    else:
        base = timedelta(seconds=30) * (2 ** min(failures, 10))
        until = now + min(base, MAX_BACKOFF) * random.uniform(0.8, 1.2)
    values: dict[str, Any] = {
        "consecutive_failures": failures + 1,
        "last_error": reason[:1000],
        "backoff_until": until,
    }
    if permanent:
        values["active"] = False
    outcome = "disabled" if permanent else "rate_limited" if rate_limited else "failed"
    SOCIAL_POLLS.labels(account.network.value, outcome).inc()
    _update(database, account, **values)
    log.warning(
        "social.poll_failed",
        account_id=str(account.id),
        network=account.network.value,
        reason=reason[:200],
        permanent=permanent,
        backoff_until=until.isoformat() if until else None,
    )
    return until


def _update(database: Database, account: AccountView, **values: Any) -> None:
    with database.tenant_unit(account.tenant_id) as session:
        session.execute(
            sa.update(SocialAccount)
            .where(col(SocialAccount.id) == account.id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )

"""Polling the social accounts that are due: connector → raw record → intake → cursor.

Runs on every worker process's periodic thread (``workers.social_actors``); claiming in
core.social.polling keeps two workers from polling one account at once.
"""

from __future__ import annotations

import structlog

from channels.social.base import ConnectorError, RateLimited
from channels.social.registry import polling_connector
from core.db import Database
from core.social import polling
from core.social.incoming import AccountView
from core.social.intake import receive_posts, store_raw

log = structlog.get_logger(__name__)


def poll_due_accounts(database: Database) -> int:
    """Poll every account whose time has come; how many were polled."""
    accounts = polling.claim_due_accounts(database)
    for account in accounts:
        poll_account(database, account)
    return len(accounts)


def poll_account(database: Database, account: AccountView) -> int:
    """One poll: posts stored before the cursor moves; failures back off. Posts stored."""
    try:
        connector = polling_connector(account.network)
        result = connector.poll(account)
    except RateLimited as exc:
        polling.record_failure(
            database, account, reason=str(exc), rate_limited=True, retry_after=exc.retry_after
        )
        return 0
    except ConnectorError as exc:
        polling.record_failure(database, account, reason=str(exc), permanent=exc.permanent)
        return 0
    except Exception as exc:  # a connector bug must not stop the other accounts
        log.exception("social.poll_crashed", account_id=str(account.id))
        polling.record_failure(database, account, reason=f"{type(exc).__name__}: {exc}")
        return 0
    stored = 0
    posts = [p for p in result.posts if not _ours(account, p.author_handle)]
    if posts:
        record_id = store_raw(
            database,
            tenant_id=account.tenant_id,
            payload=result.raw,
            content_type=result.content_type,
            source=f"poll:{account.network.value}",
        )
        try:
            summary = receive_posts(
                database,
                tenant_id=account.tenant_id,
                record_id=record_id,
                posts=posts,
                account_id=account.id,
            )
        except Exception as exc:  # the raw page is kept as received; the cursor stays put
            log.exception("social.intake_failed", account_id=str(account.id))
            polling.record_failure(database, account, reason=f"{type(exc).__name__}: {exc}")
            return 0
        stored = summary.stored
    polling.record_success(database, account, cursor=result.cursor, notes=result.notes)
    for note in result.notes:
        log.warning("social.poll_note", account_id=str(account.id), note=note)
    log.info(
        "social.polled",
        account_id=str(account.id),
        network=account.network.value,
        posts=len(posts),
        stored=stored,
    )
    return stored


def _ours(account: AccountView, author_handle: str) -> bool:
    """Our own posts (a timeline or search that finds them) are not the public's."""
    handle = (account.handle or "").lstrip("@").lower()
    return bool(handle) and author_handle.lstrip("@").lower() == handle

"""Where an agent's reply on a social conversation goes: which account, which post, how.

The conversation's messages carry ``network:post id`` as their external id, so the post a
reply answers is the latest inbound message's. A direct message is answered privately, a
public post publicly, from the account that brought the post in (else the tenant's active
account on that network).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from core.models.social import PostKind, SocialAccount, SocialNetwork, SocialPost
from core.outbound import DeliveryError
from core.social.incoming import AccountView
from core.social.polling import account_view


@dataclass(frozen=True, slots=True)
class ReplyTarget:
    account: AccountView
    post_external_id: str
    recipient_handle: str
    private: bool


def reply_target(session: Session, *, in_reply_to: str | None) -> ReplyTarget:
    """The target of a reply to ``in_reply_to`` (``network:post id``); a permanent
    DeliveryError when there is no post or no account to answer from."""
    network_name, _, external_id = (in_reply_to or "").partition(":")
    try:
        network = SocialNetwork(network_name)
    except ValueError:
        raise DeliveryError(
            f"no social post to reply to ({in_reply_to!r})", permanent=True
        ) from None
    post = session.execute(
        sa.select(SocialPost).where(
            col(SocialPost.network) == network, col(SocialPost.external_id) == external_id
        )
    ).scalar_one_or_none()
    if post is None:
        raise DeliveryError(f"post {in_reply_to} is not known", permanent=True)
    account = _account(session, post)
    if account is None:
        raise DeliveryError(f"no active {network.value} account to reply from", permanent=True)
    return ReplyTarget(
        account=account_view(account),
        post_external_id=external_id,
        recipient_handle=post.author_handle,
        private=post.kind is PostKind.MESSAGE,
    )


def _account(session: Session, post: SocialPost) -> SocialAccount | None:
    query = sa.select(SocialAccount).where(col(SocialAccount.active).is_(True))
    if post.account_id is not None:
        owner = session.execute(
            query.where(col(SocialAccount.id) == post.account_id)
        ).scalar_one_or_none()
        if owner is not None:
            return owner
    return session.execute(
        query.where(col(SocialAccount.network) == post.network)
        .order_by(col(SocialAccount.name))
        .limit(1)
    ).scalar_one_or_none()

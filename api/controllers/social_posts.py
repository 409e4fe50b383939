"""/social/posts: every post the connectors brought in, newest posted first (read-only)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from litestar import Controller, get
from litestar.params import FromPath, FromQuery, QueryParameter

from api.dependencies import TenantSession
from api.pagination import DEFAULT_PAGE_SIZE, Cursor, Limit, PageOut, page_out
from api.problems import problem_responses
from api.schemas.social import AuthorOut, PostOut, SentimentOut
from core.models.social import SentimentLabel, SocialNetwork
from core.social import posts
from core.social.posts import PostFilter, PostView


def post_out(view: PostView) -> PostOut:
    post = view.post
    return PostOut.model_validate(
        {
            **post.model_dump(),
            "author": AuthorOut(
                handle=post.author_handle,
                name=post.author_name,
                followers=post.author_followers,
                identity_id=post.author_identity_id,
                contact_id=view.contact_id,
            ),
            "sentiment": SentimentOut(score=post.sentiment_score, label=post.sentiment_label),
        }
    )


class SocialPostController(Controller):
    path = "/social/posts"
    opt = {"resource": "social_posts"}  # permissions: api.guards
    tags = ["social"]

    @get("/", sync_to_thread=True, summary="List social posts", responses=problem_responses())
    def list_posts(
        self,
        session: TenantSession,
        monitor_id: Annotated[
            uuid.UUID | None, QueryParameter(description="posts that matched this monitor")
        ] = None,
        network: FromQuery[SocialNetwork | None] = None,
        sentiment: Annotated[
            SentimentLabel | None, QueryParameter(description="the post's sentiment label")
        ] = None,
        addresses_us: Annotated[
            bool | None, QueryParameter(description="mentions, replies, messages, comments")
        ] = None,
        since: Annotated[
            datetime | None, QueryParameter(description="posted at or after (with offset)")
        ] = None,
        until: Annotated[
            datetime | None, QueryParameter(description="posted before (with offset)")
        ] = None,
        include_deleted: FromQuery[bool] = False,
        limit: Limit = DEFAULT_PAGE_SIZE,
        cursor: Cursor = None,
    ) -> PageOut[PostOut]:
        """Newest posted first; every filter narrows."""
        filters = PostFilter(
            monitor_id=monitor_id,
            network=network,
            sentiment=sentiment,
            addresses_us=addresses_us,
            since=since,
            until=until,
            include_deleted=include_deleted,
        )
        page = posts.list_posts(session, filters=filters, limit=limit, cursor=cursor)
        return page_out(page, post_out)

    @get(
        "/{post_id:uuid}",
        sync_to_thread=True,
        summary="Get a social post (deleted ones too)",
        responses=problem_responses(404),
    )
    def get_post(self, session: TenantSession, post_id: FromPath[uuid.UUID]) -> PostOut:
        return post_out(posts.get_post(session, post_id=post_id))

"""Social accounts over HTTP: write-only credentials, validation, schedules, deletion."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import sqlalchemy as sa
from sqlmodel import col

from core.db import Database
from core.models.social import SocialAccount
from tests.api.factories import API, create_queue, unique
from tests.conftest import TenantHandle
from tests.social.api_support import api, client_for, live_server, other_api
from tests.social.factories import add_post, create_account

__all__ = ["api", "client_for", "live_server", "other_api"]

ACCOUNTS = f"{API}/social/accounts"


def error_fields(response: httpx.Response) -> set[str]:
    assert response.status_code == 422, response.text
    return {error["field"] for error in response.json().get("errors", [])}


def test_credentials_are_write_only_and_shown_as_their_names(api: httpx.Client) -> None:
    secret = "s3cr3t-" + uuid.uuid4().hex
    account = create_account(
        api, credentials={"bearer_token": secret, "api_key": "k"}, handle="northwind"
    )
    url = f"{ACCOUNTS}/{account['id']}"

    fetched = api.get(url)
    listed = api.get(ACCOUNTS)
    changed = api.patch(url, json={"credentials": {"access_token": secret}})

    for response in (fetched, listed, changed):
        assert response.status_code == 200, response.text
        assert secret not in response.text and "credentials" not in response.json()
    assert account["credential_keys"] == ["api_key", "bearer_token"]
    assert changed.json()["credential_keys"] == ["access_token"]
    assert account["cursor"] == {} and account["next_poll_at"] is None


def test_webhook_networks_show_where_to_push_and_polled_ones_do_not(
    api: httpx.Client, tenant: TenantHandle
) -> None:
    page = create_account(api, network="facebook")
    vendor = create_account(api, network="webhook")
    polled = create_account(api, network="mastodon")

    assert page["webhook_path"] == f"/webhooks/social/{tenant.slug}/{page['id']}"
    assert vendor["webhook_path"] == f"/webhooks/social/{tenant.slug}/{vendor['id']}"
    assert polled["webhook_path"] is None


def test_invalid_accounts_are_refused_naming_the_field(api: httpx.Client) -> None:
    base = {"name": unique("brand")}

    unknown_network = api.post(ACCOUNTS, json={**base, "network": "myspace"})
    too_often = api.post(ACCOUNTS, json={**base, "network": "x", "poll_interval_seconds": 5})
    too_rarely = api.post(ACCOUNTS, json={**base, "network": "x", "poll_interval_seconds": 86_401})
    no_queue = api.post(ACCOUNTS, json={**base, "network": "x", "queue_id": str(uuid.uuid4())})
    bad_url = api.post(ACCOUNTS, json={**base, "network": "x", "api_base_url": "ftp://x"})

    assert error_fields(unknown_network) == {"network"}
    assert error_fields(too_often) == {"poll_interval_seconds"}
    assert error_fields(too_rarely) == {"poll_interval_seconds"}
    assert error_fields(no_queue) == {"queue_id"}
    assert error_fields(bad_url) == {"api_base_url"}


def test_patch_refuses_unknown_and_read_only_fields(api: httpx.Client) -> None:
    url = f"{ACCOUNTS}/{create_account(api)['id']}"

    cursor = api.patch(url, json={"cursor": {"since_id": "1"}})
    network = api.patch(url, json={"network": "mastodon"})

    assert error_fields(cursor) == {"cursor"}
    assert error_fields(network) == {"network"}


def test_names_are_unique_per_network(api: httpx.Client) -> None:
    name = unique("brand")
    create_account(api, name=name)

    same = api.post(ACCOUNTS, json={"network": "x", "name": name})
    other_network = api.post(ACCOUNTS, json={"network": "mastodon", "name": name})

    assert same.status_code == 409, same.text
    assert other_network.status_code == 201, other_network.text


def test_switching_an_account_back_on_clears_its_backoff(
    api: httpx.Client, database: Database, tenant: TenantHandle
) -> None:
    account = create_account(api, active=False)
    later = datetime.now(UTC) + timedelta(hours=1)
    with database.tenant_unit(tenant.id) as session:
        session.execute(
            sa.update(SocialAccount)
            .where(col(SocialAccount.id) == uuid.UUID(account["id"]))
            .values(
                backoff_until=later,
                next_poll_at=later,
                consecutive_failures=4,
                last_error="401 bad token",
            )
        )

    switched = api.patch(f"{ACCOUNTS}/{account['id']}", json={"active": True})

    assert switched.status_code == 200, switched.text
    body = switched.json()
    assert body["active"] is True and body["consecutive_failures"] == 0
    assert body["backoff_until"] is None and body["next_poll_at"] is None
    assert body["last_error"] == "401 bad token"


def test_an_account_that_brought_posts_cannot_be_deleted(
    api: httpx.Client, database: Database, tenant: TenantHandle
) -> None:
    used = create_account(api, queue_id=create_queue(api)["id"])
    unused = create_account(api)
    add_post(database, tenant.id, account_id=used["id"])

    refused = api.delete(f"{ACCOUNTS}/{used['id']}")
    deleted = api.delete(f"{ACCOUNTS}/{unused['id']}")

    assert refused.status_code == 409 and "deactivate" in refused.json()["detail"]
    assert deleted.status_code == 204
    assert api.get(f"{ACCOUNTS}/{unused['id']}").status_code == 404
    assert api.get(f"{ACCOUNTS}/{used['id']}").status_code == 200


def test_accounts_list_filters_by_network_and_active(api: httpx.Client) -> None:
    mastodon = create_account(api, network="mastodon")
    paused = create_account(api, network="rss", active=False)

    by_network = api.get(ACCOUNTS, params={"network": "mastodon"}).json()["items"]
    inactive = api.get(ACCOUNTS, params={"active": "false"}).json()["items"]

    assert [a["id"] for a in by_network] == [mastodon["id"]]
    assert [a["id"] for a in inactive] == [paused["id"]]

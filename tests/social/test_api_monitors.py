"""Monitors over HTTP (rules checked by the parser, thresholds, write-only secret, trials),
and the post feed they filter."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from core.db import Database
from core.models.social import SentimentLabel, SocialNetwork
from core.monitors.rules import RuleSyntaxError, parse_rule
from tests.api.factories import API, all_pages, unique
from tests.conftest import TenantHandle
from tests.social.api_support import api, client_for, live_server, other_api
from tests.social.factories import add_alert, add_post, create_monitor, social_customer

__all__ = ["api", "client_for", "live_server", "other_api"]

MONITORS = f"{API}/monitors"
POSTS = f"{API}/social/posts"


def problems(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 422, response.text
    return {error["field"]: error["message"] for error in response.json().get("errors", [])}


def parser_message(rule: str) -> str:
    with pytest.raises(RuleSyntaxError) as caught:
        parse_rule(rule)
    return caught.value.detail


def test_a_monitor_keeps_its_settings_and_never_shows_its_webhook_secret(
    api: httpx.Client,
) -> None:
    secret = "whsec-" + uuid.uuid4().hex
    monitor = create_monitor(
        api,
        languages=["zh", "en"],
        networks=["x", "mastodon"],
        watch_terms=["315晚会", "lawsuit"],
        thresholds={"window_minutes": 30, "negative_share_threshold": 0.6},
        notify_emails=["PR@Example.com"],
        webhook_url="https://hooks.example/alerts",
        webhook_secret=secret,
    )

    fetched = api.get(f"{MONITORS}/{monitor['id']}")

    assert fetched.status_code == 200 and secret not in fetched.text
    body = fetched.json()
    assert body["webhook_secret_set"] is True and "webhook_secret" not in body
    assert body["thresholds"] == {
        "window_minutes": 30,
        "negative_share_threshold": 0.6,
        "negative_share_min_posts": 20,
        "spike_threshold": 4.0,
        "spike_min_volume": 20,
        "influencer_followers": 50_000,
    }
    assert body["networks"] == ["x", "mastodon"] and body["languages"] == ["zh", "en"]
    assert body["notify_emails"] == ["PR@example.com"]
    assert body["updated_at"] is not None


@pytest.mark.parametrize("rule", ["northwind AND", "(outage OR 断网", "NOT spam", '"unclosed'])
def test_a_bad_rule_is_refused_with_the_parsers_message(api: httpx.Client, rule: str) -> None:
    response = api.post(MONITORS, json={"name": unique("m"), "rule": rule})

    assert problems(response) == {"rule": parser_message(rule)}


def test_invalid_settings_are_refused_naming_each_field(api: httpx.Client) -> None:
    def refused(**fields: Any) -> set[str]:
        body = {"name": unique("m"), "rule": "northwind", **fields}
        return set(problems(api.post(MONITORS, json=body)))

    assert refused(thresholds={"window_minutes": 7}) == {"thresholds.window_minutes"}
    assert refused(thresholds={"window_minutes": 1445}) == {"thresholds.window_minutes"}
    assert refused(thresholds={"negative_share_threshold": 1.5}) == {
        "thresholds.negative_share_threshold"
    }
    assert refused(thresholds={"negative_share_min_posts": 0}) == {
        "thresholds.negative_share_min_posts"
    }
    assert refused(thresholds={"spike_threshold": 0}) == {"thresholds.spike_threshold"}
    assert refused(thresholds={"spike_min_volume": 0}) == {"thresholds.spike_min_volume"}
    assert refused(thresholds={"influencer_followers": -1}) == {"thresholds.influencer_followers"}
    assert refused(networks=["x", "myspace"]) == {"networks.1"}
    assert refused(watch_terms=[f"term{n}" for n in range(51)]) == {"watch_terms"}
    assert refused(watch_terms=["x" * 101]) == {"watch_terms.0"}
    assert refused(notify_emails=["not-an-email"]) == {"notify_emails.0"}
    assert refused(webhook_url="ftp://hooks.example") == {"webhook_url"}
    assert refused(languages=["english"]) == {"languages.0"}
    assert refused(queue_id=str(uuid.uuid4())) == {"queue_id"}


def test_names_are_unique_in_a_tenant_but_not_across_tenants(
    api: httpx.Client, other_api: httpx.Client
) -> None:
    name = unique("brand watch")
    create_monitor(api, name=name)

    again = api.post(MONITORS, json={"name": name, "rule": "other"})
    elsewhere = other_api.post(MONITORS, json={"name": name, "rule": "other"})

    assert again.status_code == 409, again.text
    assert elsewhere.status_code == 201, elsewhere.text


def test_every_change_moves_updated_at_and_thresholds_change_one_at_a_time(
    api: httpx.Client,
) -> None:
    monitor = create_monitor(api, thresholds={"window_minutes": 30})
    url = f"{MONITORS}/{monitor['id']}"

    changed = api.patch(url, json={"thresholds": {"spike_threshold": 3.5}})
    bad_rule = api.patch(url, json={"rule": "a OR"})
    renamed = api.patch(url, json={"name": unique("renamed"), "webhook_secret": None})

    assert changed.status_code == 200, changed.text
    assert changed.json()["thresholds"]["window_minutes"] == 30
    assert changed.json()["thresholds"]["spike_threshold"] == 3.5
    assert changed.json()["updated_at"] > monitor["updated_at"]
    assert problems(bad_rule) == {"rule": parser_message("a OR")}
    assert renamed.json()["updated_at"] > changed.json()["updated_at"]
    assert renamed.json()["webhook_secret_set"] is False
    assert api.patch(url, json={"cursor": 1}).status_code == 422


def test_trying_a_rule_says_which_texts_match_and_on_which_terms(api: httpx.Client) -> None:
    texts = [
        "Northwind OUTAGE since noon",
        "northwind 断网了 again, outage everywhere",
        "northwind is fine",
        "outage at the test lab, northwind",
    ]

    response = api.post(
        f"{MONITORS}/test",
        json={"rule": "northwind AND (outage OR 断网) NOT lab", "texts": texts},
    )
    broken = api.post(f"{MONITORS}/test", json={"rule": "northwind AND", "texts": ["x"]})

    assert response.status_code == 200, response.text
    assert response.json() == [
        {"match": True, "terms": ["northwind", "outage"]},
        {"match": True, "terms": ["northwind", "断网", "outage"]},
        {"match": False, "terms": ["northwind"]},
        {"match": False, "terms": ["outage", "northwind"]},
    ]
    assert problems(broken) == {"rule": parser_message("northwind AND")}


def test_deleting_a_monitor_keeps_its_alerts(
    api: httpx.Client, database: Database, tenant: TenantHandle
) -> None:
    monitor = create_monitor(api)
    post = add_post(database, tenant.id, monitor_ids=[monitor["id"]])
    alert = add_alert(database, tenant.id, evidence=[post], monitor_id=monitor["id"])

    deleted = api.delete(f"{MONITORS}/{monitor['id']}")

    assert deleted.status_code == 204, deleted.text
    assert api.get(f"{MONITORS}/{monitor['id']}").status_code == 404
    kept = api.get(f"{API}/alerts/{alert}")
    assert kept.status_code == 200 and kept.json()["monitor_id"] is None
    assert api.get(f"{POSTS}/{post}").status_code == 200


def test_the_post_feed_filters_by_monitor_label_and_time_newest_first(
    api: httpx.Client, database: Database, tenant: TenantHandle
) -> None:
    watched, other = create_monitor(api), create_monitor(api)
    start = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
    author = social_customer(api)

    def post(minutes: int, **fields: Any) -> str:
        when = start + timedelta(minutes=minutes)
        return add_post(database, tenant.id, posted_at=when, **fields)

    oldest = post(0, monitor_ids=[watched["id"]], author=author)
    positive = post(5, monitor_ids=[watched["id"]], sentiment=SentimentLabel.POSITIVE)
    newest = post(10, monitor_ids=[watched["id"], other["id"]], addresses_us=True)
    elsewhere = post(15, monitor_ids=[other["id"]], network=SocialNetwork.MASTODON)
    gone = post(20, monitor_ids=[watched["id"]], deleted=True)

    def ids(**params: Any) -> list[str]:
        return [p["id"] for p in all_pages(api, POSTS, limit=2, **params)]

    assert ids(monitor_id=watched["id"]) == [newest, positive, oldest]
    assert ids(monitor_id=watched["id"], include_deleted="true") == [
        gone,
        newest,
        positive,
        oldest,
    ]
    assert ids(monitor_id=watched["id"], sentiment="negative") == [newest, oldest]
    assert ids(network="mastodon") == [elsewhere]
    assert ids(addresses_us="true") == [newest]
    since, until = (start + timedelta(minutes=5)).isoformat(), (start + timedelta(minutes=15))
    assert ids(since=since, until=until.isoformat()) == [newest, positive]
    assert problems(api.get(POSTS, params={"since": "2026-03-09T08:00:00"})) == {
        "since": "give an offset, like 2026-03-09T08:00Z"
    }

    detail = api.get(f"{POSTS}/{oldest}").json()
    assert detail["author"] == {
        "handle": author["handle"],
        "name": "Some One",
        "followers": 10,
        "identity_id": author["social_identity_id"],
        "contact_id": author["id"],
    }
    assert detail["sentiment"] == {"score": -0.8, "label": "negative"}
    assert detail["monitor_ids"] == [watched["id"]] and detail["deleted_at"] is None
    assert api.get(f"{POSTS}/{gone}").json()["deleted_at"] is not None

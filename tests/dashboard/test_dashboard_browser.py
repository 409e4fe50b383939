"""The dashboards in a real browser (Playwright driving Debian's Chromium): sign in, open each
page, see its charts render with the figures the API reports, act on an alert, keep a
screenshot of each page; and the role and tenant walls hold."""

from __future__ import annotations

from pathlib import Path

import httpx
from playwright.sync_api import expect

from core.db import Database
from core.models.user import Role
from tests.api.factories import API
from tests.conftest import TenantHandle
from tests.dashboard.conftest import SignIn, feed_posts
from tests.social.factories import add_alert, create_monitor


def test_sentiment_page_shows_the_monitor_and_acknowledges_an_alert(
    sign_in_page: SignIn,
    api: httpx.Client,
    database: Database,
    tenant: TenantHandle,
    artifacts: Path,
) -> None:
    monitor = create_monitor(api, name="Network outage", rule="northwind AND outage")
    feed_posts(
        database,
        tenant.id,
        ["northwind outage again, furious", "northwind outage fixed, thanks", "unrelated post"],
    )
    alert = add_alert(database, tenant.id, monitor_id=monitor["id"])
    api_posts = api.get(f"{API}/social/posts", params={"monitor_id": monitor["id"]}).json()
    assert len(api_posts["items"]) == 2

    page = sign_in_page(Role.SOCIAL_MONITOR, "/dashboard/sentiment")
    expect(page.locator("#sentiment-posts")).to_have_text("2")
    negatives = sum(p["sentiment"]["label"] == "negative" for p in api_posts["items"])
    expect(page.locator("#sentiment-negatives")).to_have_text(str(negatives))
    expect(page.locator("#sentiment-volume .main-svg").first).to_be_visible()
    expect(page.locator("#sentiment-alert-table")).to_contain_text("Negative share 70%")
    page.screenshot(path=str(artifacts / "sentiment.png"), full_page=True)

    page.locator(".sb-ack").first.click()
    expect(page.locator("#sentiment-action-result")).to_have_text("Alert acknowledged.")
    assert api.get(f"{API}/alerts/{alert}").json()["status"] == "acknowledged"


def test_pages_a_role_may_not_open_are_refused_and_hidden(sign_in_page: SignIn) -> None:
    page = sign_in_page(Role.AGENT, "/dashboard/sentiment")
    expect(page.locator("#page-forbidden")).to_contain_text("sentiment:read")
    expect(page.locator("nav")).not_to_contain_text("Public sentiment")


def test_data_callbacks_refuse_a_role_without_the_page_permission(
    sign_in_page: SignIn, api: httpx.Client
) -> None:
    """A hand-made callback request cannot fetch what the page would not show."""
    create_monitor(api)
    page = sign_in_page(Role.AGENT, "/dashboard/")
    base = page.url.split("/dashboard/")[0] + "/dashboard"
    dependencies = page.request.get(f"{base}/_dash-dependencies").json()
    (output,) = [d["output"] for d in dependencies if "sentiment-cards" in d["output"]]
    made_up = page.request.post(f"{base}/_dash-update-component", data={"output": "x.y"})
    assert made_up.status == 400
    answer = page.request.post(
        f"{base}/_dash-update-component",
        data={
            "output": output,
            "outputs": [
                {"id": spec.rsplit(".", 1)[0], "property": spec.rsplit(".", 1)[1]}
                for spec in output.strip(".").split("...")
            ],
            "inputs": [
                {"id": "sentiment-monitor", "property": "value", "value": None},
                {"id": "sentiment-period", "property": "value", "value": "7d"},
                {"id": "sentiment-tick", "property": "n_intervals", "value": None},
                {"id": "sentiment-action-result", "property": "children", "value": None},
            ],
            "changedPropIds": [],
        },
    )
    assert answer.status == 403


def test_the_dashboard_needs_a_session(live_server: object) -> None:
    base = live_server.base_url
    assert httpx.get(f"{base}/dashboard/").status_code == 401
    assert httpx.post(f"{base}/dashboard/_dash-update-component", json={}).status_code == 401

"""The dashboards in a real browser (Playwright driving Debian's Chromium): sign in, open each
page, see its charts render with the figures the API reports, act on an alert, keep a
screenshot of each page; and the role and tenant walls hold."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
from playwright.sync_api import expect

from core.db import Database
from core.models.user import Role
from dashboard.views import executive
from tests.api.conftest import LiveServer
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


def test_every_page_renders_the_figures_the_api_reports(
    sign_in_page: SignIn,
    seeded: TenantHandle,
    client_for: Callable[[TenantHandle | None], httpx.Client],
    artifacts: Path,
) -> None:
    api = client_for(seeded)
    page = sign_in_page(Role.SUPERVISOR, "/dashboard/executive", at=seeded)
    expect(page.locator("#executive-contacts")).not_to_have_text("")
    window = executive.period_for("7d")
    figures = api.get(
        f"{API}/kpis/executive",
        params={"since": window.start.isoformat(), "until": window.end.isoformat()},
    ).json()["current"]
    assert figures["contacts"] > 0
    expect(page.locator("#executive-contacts")).to_have_text(f"{figures['contacts']:,}")
    expect(page.locator("#executive-handled")).to_have_text(f"{figures['handled']:,}")
    expect(page.locator("#executive-heatmap .main-svg").first).to_be_visible()
    page.screenshot(path=str(artifacts / "executive.png"), full_page=True)

    page.click("#nav-queues")
    health = api.get(f"{API}/kpis/queue-health").json()
    waiting = sum(q["waiting"] for q in health["queues"])
    expect(page.locator("#queue-health-waiting")).to_have_text(str(waiting))
    expect(page.locator("#queue-health-queues")).to_be_visible()
    page.screenshot(path=str(artifacts / "queue-health.png"), full_page=True)

    page.click("#nav-sla")
    watch = api.get(f"{API}/kpis/sla/watchlist").json()
    breached = sum(w["state"] == "breached" for w in watch)
    expect(page.locator("#sla-breached")).to_have_text(str(breached))
    expect(page.locator("#sla-breach-rate .main-svg").first).to_be_visible()
    page.screenshot(path=str(artifacts / "sla.png"), full_page=True)

    page.click("#nav-sentiment")
    expect(page.locator("#sentiment-cards")).to_be_visible()


def test_pages_a_role_may_not_open_are_refused_and_hidden(sign_in_page: SignIn) -> None:
    page = sign_in_page(Role.AGENT, "/dashboard/executive")
    expect(page.locator("#page-forbidden")).to_contain_text("kpis:read")
    expect(page.locator("nav")).not_to_contain_text("Executive KPIs")
    expect(page.locator("nav")).not_to_contain_text("Public sentiment")
    executive_page = sign_in_page(Role.EXECUTIVE, "/dashboard/executive")
    expect(executive_page.locator("#executive-contacts")).to_be_visible()


def test_another_tenants_figures_never_appear(
    sign_in_page: SignIn, seeded: TenantHandle, tenant: TenantHandle
) -> None:
    """The test's own tenant is empty; the seeded one next door is not."""
    page = sign_in_page(Role.SUPERVISOR, "/dashboard/executive", at=tenant)
    expect(page.locator("#executive-contacts")).to_have_text("0")
    page.click("#nav-queues")
    expect(page.locator("#queue-health-waiting")).to_have_text("0")


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


def test_the_dashboard_needs_a_session(live_server: LiveServer) -> None:
    base = live_server.base_url
    assert httpx.get(f"{base}/dashboard/").status_code == 401
    assert httpx.post(f"{base}/dashboard/_dash-update-component", json={}).status_code == 401

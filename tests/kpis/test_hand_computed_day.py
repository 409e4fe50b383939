"""The KPIs of one replayed day (tests/kpis/day.py) against figures worked out by hand.

The day, Shanghai time (conversation: what happened):
  M1 email, gold, complaint: created 08:00, taken by A2 08:30, reply 08:40, pending
     08:45-10:45, resolved 11:15.
  C1 call, billing: queued 09:00:00, answered by A1 09:00:10, talk 300 + hold 30, ends
     09:05:40, wrap-up 60 s, resolved at the disposition 09:06:40.
  M2 email, billing: created 09:00, taken by A1 10:30, reply 10:35 (first response due 10:00:
     breached), transferred to A2 10:45, resolved 13:00.
  C2 call, billing: queued 09:30:00, answered by A2 09:30:45, talk 600 + hold 60, ends 09:41:45,
     wrap-up 120 s, resolved 09:43:45; reopened 14:00, resolved again 15:00.
  C3 call: queued 10:00:00, caller hangs up at 10:00:03 (short abandon).
  C4 call: queued 10:10:00, caller hangs up at 10:10:40 (abandon).
  C5 call, network fault: queued 11:00:00, answered by A1 at 11:00:20, talk 240, ends
     11:04:20, wrap-up 30 s; escalated 11:05 to the experts, taken by E1 11:10, resolved 12:00.
  M3 web form, diamond, complaint: created 12:00, taken by A1 13:20, reply 13:25 (due 13:00:
     breached); still open.
  M4 email, roaming: created 15:00, waiting. M5 email, billing: created 16:10, waiting.
  Agents: all available from 08:00; E1 away 12:30-13:30; A2 offline from 16:00.
  Survey answers: C1 4 (IVR, 09:07:30), M1 5 (11:25), C5 5 (12:30), C2 2 (15:20, after its
     second resolution); M2 never answers.
Everything is read at 17:00.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core import kpis
from core.db import Database
from core.kpis import BreachGrouping, Granularity, Period, SlaState
from tests.conftest import TenantHandle
from tests.kpis.day import DAY_END, SHANGHAI, DayIds, conversation_numbers

NOW = DAY_END
DAY = Period.local_day(date(2026, 3, 10), SHANGHAI)


def test_executive_kpis_of_the_day(database: Database, tenant: TenantHandle, day: DayIds) -> None:
    with database.tenant_session(tenant.id) as session:
        k = kpis.executive_kpis(session, period=DAY)

    # contacts: C1-C5 by phone, M1 M2 M4 M5 by email, M3 by web form
    assert k.contacts == 10
    assert k.contacts_by_channel == {"phone": 5, "email": 4, "webform": 1, "social": 0}
    # offered: phone C1 C2 C4 C5 (C3 hung up within 5 s: not offered); written M1 M2 M3 (taken)
    assert k.offered == 7
    assert k.offered_by_channel == {"phone": 4, "email": 2, "webform": 1, "social": 0}
    # handled: calls C1 C2 C5 after their wrap-up, written M1 M2 M3 when taken
    assert k.handled == 6
    assert k.handled_by_channel == {"phone": 3, "email": 2, "webform": 1, "social": 0}
    # in threshold: C1 (10 s <= 20), C5 (20 s <= 20), M1 (1800 s <= 3600); C4 abandoned counts
    # as not answered in time: 3 / 7
    assert k.service_level == pytest.approx(3 / 7)
    # ASA: (10 + 45 + 20 + 1800 + 5400 + 4800) / 6 answered = 12075 / 6
    assert k.average_speed_of_answer_seconds == pytest.approx(2012.5)
    # abandonment: C4 / 7 offered
    assert k.abandonment_rate == pytest.approx(1 / 7)
    # AHT over the 3 timed calls: talk 300+600+240 = 1140, hold 30+60+0 = 90,
    # after-call work 60+120+30 = 210; (1140 + 90 + 210) / 3 = 480
    assert k.handle_time == kpis.HandleTime(average=480, talk=380, hold=30, wrap_up=70)
    # resolutions: C1 400 s, C2 825 s and 19800 s (reopened: two), C5 3600 s, M1 11700 s,
    # M2 14400 s; first contact: C1 and M1 only (C2 reopened, C5 escalated, M2 transferred)
    assert k.resolved == 6
    assert k.first_contact_resolution == pytest.approx(2 / 6)
    # mean: (400 + 825 + 19800 + 3600 + 11700 + 14400) / 6 = 50725 / 6
    assert k.resolution_mean_seconds == pytest.approx(50725 / 6)
    # pending: M1 08:45-10:45 = 7200 s; (50725 - 7200) / 6
    assert k.resolution_mean_seconds_excluding_pending == pytest.approx(43525 / 6)
    # median (grouped): 2 resolved within 30 min, 3 within 1 h; n/2 = 3 falls in (30 min, 1 h]:
    # 1800 + (3 - 2) / (3 - 2) * 1800 = 3600
    assert k.resolution_median_seconds == pytest.approx(3600)
    # reopened: C2, per 6 resolutions
    assert (k.reopened, k.reopen_rate) == (1, pytest.approx(1 / 6))
    # transfers: M2; escalations: C5; each per 6 handled
    assert k.transfer_rate == pytest.approx(1 / 6)
    assert k.escalation_rate == pytest.approx(1 / 6)
    # SLA clocks: met M1 first response (08:40), M1 resolution (11:15), M2 resolution (13:00);
    # breached M2 first response (10:00), M3 first response (13:00); 3 / 5
    assert (k.sla_met, k.sla_breached) == (3, 2)
    assert k.sla_attainment == pytest.approx(0.6)
    # complaints: M1 and M3 of 10 contacts = 200 per 1,000
    assert k.complaints == 2
    assert k.complaints_per_thousand == pytest.approx(200)
    # occupancy: handle time A1 (C1 390 + C5 270) + A2 (C2 780) = 1440 s over staffed time
    # A1 08:00-17:00 32400 + A2 08:00-16:00 28800 + E1 9 h less 1 h away 28800 = 90000 s
    assert k.occupancy == pytest.approx(1440 / 90000)
    # CSAT: answers C1 4, M1 5, C5 5, C2 2; satisfied (4 or 5) C1 M1 C5: 3 / 4
    assert (k.csat_responses, k.csat) == (4, pytest.approx(0.75))


def test_drilling_into_the_site_keeps_only_its_queue_and_agents(
    database: Database, tenant: TenantHandle, day: DayIds
) -> None:
    with database.tenant_session(tenant.id) as session:
        site = kpis.executive_kpis(session, period=DAY, org_unit_id=day.site)
        hq = kpis.executive_kpis(session, period=DAY, org_unit_id=day.hq)
        everything = kpis.executive_kpis(session, period=DAY)

    # the site's phone queue: C1-C5 arrived there; C1 C2 C4 C5 offered, C1 C5 in 20 s
    assert (site.contacts, site.offered, site.handled) == (5, 4, 3)
    assert site.service_level == pytest.approx(2 / 4)
    assert site.abandonment_rate == pytest.approx(1 / 4)
    # resolved in the site's queue: C1 and C2 twice (C5 was resolved by the experts at HQ)
    assert site.resolved == 3
    assert site.first_contact_resolution == pytest.approx(1 / 3)
    assert site.escalation_rate == pytest.approx(1 / 3)  # C5 left the site's queue
    assert site.transfer_rate == pytest.approx(0)
    # its agents A1 and A2: 1440 s handled over 32400 + 28800 staffed
    assert site.occupancy == pytest.approx(1440 / 61200)
    assert site.sla_attainment is None  # its queue has no SLA policy
    assert site.complaints_per_thousand == pytest.approx(0)
    # answers filed under the site's phone queue: C1 4 and C2 2 (C5 is now the experts' at HQ)
    assert (site.csat_responses, site.csat) == (2, pytest.approx(0.5))
    # headquarters holds the whole tree: every fact here has an org unit
    assert {**vars_of(hq), "org_unit_id": None} == vars_of(everything)


def vars_of(k: kpis.ExecutiveKpis) -> dict[str, object]:
    return {name: getattr(k, name) for name in k.__dataclass_fields__}


def test_the_day_before_had_nothing(database: Database, tenant: TenantHandle, day: DayIds) -> None:
    with database.tenant_session(tenant.id) as session:
        comparison = kpis.compare_periods(session, period=DAY)
    assert comparison.current.contacts == 10
    previous = comparison.previous
    assert previous.period == Period(DAY.start - timedelta(days=1), DAY.start)
    assert (previous.contacts, previous.offered, previous.resolved) == (0, 0, 0)
    assert previous.service_level is None
    assert previous.handle_time is None
    assert previous.resolution_median_seconds is None
    assert (previous.csat_responses, previous.csat) == (0, None)


def test_queue_health_at_five(database: Database, tenant: TenantHandle, day: DayIds) -> None:
    with database.tenant_session(tenant.id) as session:
        health = kpis.queue_health(session, now=NOW)
        site = kpis.queue_health(session, now=NOW, org_unit_id=day.site)

    rows = {(row.queue_id, row.channel): row for row in health.queues}
    assert set(rows) == {
        (day.phone_front, "phone"),
        (day.written, "email"),
        (day.written, "webform"),
        (day.experts, "phone"),
        (day.experts, "email"),
    }
    phone = rows[(day.phone_front, "phone")]
    # nobody waits; C1 C2 C4 C5 offered, C1 C5 within 20 s; ASA (10 + 45 + 20) / 3
    assert (phone.waiting, phone.longest_wait_seconds) == (0, None)
    assert (phone.offered, phone.answered, phone.abandoned) == (4, 3, 1)
    assert phone.service_level == pytest.approx(0.5)
    assert phone.average_speed_of_answer_seconds == pytest.approx(25)
    assert phone.abandonment_rate == pytest.approx(0.25)
    email = rows[(day.written, "email")]
    # M4 waits since 15:00 and M5 since 16:10: the longest wait is 2 h
    assert (email.waiting, email.longest_wait_seconds) == (2, 7200)
    # M1 taken after 1800 s (in 1 h), M2 after 5400 s
    assert (email.offered, email.service_level) == (2, pytest.approx(0.5))
    assert email.average_speed_of_answer_seconds == pytest.approx(3600)
    webform = rows[(day.written, "webform")]
    assert (webform.waiting, webform.offered, webform.service_level) == (0, 1, 0)
    assert webform.average_speed_of_answer_seconds == pytest.approx(4800)
    experts = rows[(day.experts, "phone")]
    assert (experts.waiting, experts.offered, experts.service_level) == (0, 0, None)
    assert health.agents_by_state == {
        "available": 2,  # A1, E1
        "busy": 0,
        "wrap_up": 0,
        "away": 0,
        "offline": 1,  # A2
    }
    assert health.occupancy == pytest.approx(1440 / 90000)

    # the site: its phone queue and its two agents
    assert [(row.queue_id, row.channel) for row in site.queues] == [(day.phone_front, "phone")]
    assert site.agents_by_state["available"] == 1
    assert site.agents_by_state["offline"] == 1
    assert site.occupancy == pytest.approx(1440 / 61200)


def test_breached_and_at_risk_at_five(
    database: Database, tenant: TenantHandle, day: DayIds
) -> None:
    numbers = conversation_numbers(database, tenant.id, day)
    with database.tenant_session(tenant.id) as session:
        watch = kpis.sla_watchlist(session, now=NOW)
        site = kpis.sla_watchlist(session, now=NOW, org_unit_id=day.site)
    # M4's first response came due at 16:00 (the sweep has not marked it: still breached);
    # M5's is due 17:10 and passed 80 % of its hour at 16:58: at risk. M3's resolution is due
    # tomorrow 12:00 (warning at 07:12): neither.
    assert [(item.number, item.metric, item.state, item.seconds_to_breach) for item in watch] == [
        (numbers["M4"], "first_response", SlaState.BREACHED, -3600),
        (numbers["M5"], "first_response", SlaState.AT_RISK, 600),
    ]
    assert all(item.queue_id == day.written and not item.paused for item in watch)
    assert site == ()  # the written queue belongs to the region, not the site


def test_breach_rates_of_the_day(database: Database, tenant: TenantHandle, day: DayIds) -> None:
    with database.tenant_session(tenant.id) as session:

        def rates(group: BreachGrouping) -> dict[str | None, tuple[int, int, float | None, int]]:
            points = kpis.breach_rates(session, period=DAY, group_by=group)
            assert {point.start for point in points} == {DAY.start}
            return {
                p.group: (p.sla_met, p.sla_breached, p.breach_rate, p.escalations) for p in points
            }

        # met: M1 x2, M2 resolution; breached: M2, M3 first response; escalated: C5
        assert rates(BreachGrouping.QUEUE) == {
            str(day.written): (3, 2, pytest.approx(0.4), 0),
            str(day.phone_front): (0, 0, None, 1),
        }
        assert rates(BreachGrouping.CATEGORY) == {
            "complaint": (2, 1, pytest.approx(1 / 3), 0),  # M1 met twice, M3 breached
            "billing": (1, 1, pytest.approx(0.5), 0),  # M2
            "network_fault": (0, 0, None, 1),  # C5
        }
        assert rates(BreachGrouping.VALUE_TIER) == {
            "gold": (2, 0, pytest.approx(0), 0),
            "standard": (1, 1, pytest.approx(0.5), 1),
            "diamond": (0, 1, pytest.approx(1), 0),
        }
        assert rates(BreachGrouping.TIER) == {"l1": (3, 2, pytest.approx(0.4), 1)}
        assert rates(BreachGrouping.ORG_UNIT) == {
            str(day.region): (3, 2, pytest.approx(0.4), 0),
            str(day.site): (0, 0, None, 1),
        }
        hourly = kpis.breach_rates(
            session, period=DAY, group_by=BreachGrouping.QUEUE, granularity=Granularity.HOUR
        )
    # local hours: breaches at 10:00 (M2) and 13:00 (M3), met at 08:00 11:00 13:00
    breaches = {p.start.astimezone(SHANGHAI).hour: p.sla_breached for p in hourly if p.sla_breached}
    assert breaches == {10: 1, 13: 1}


def test_who_why_when_heatmap(database: Database, tenant: TenantHandle, day: DayIds) -> None:
    with database.tenant_session(tenant.id) as session:
        heat = kpis.heatmap(session, period=DAY)
    assert heat.timezone == "Asia/Shanghai"
    tuesday = 1
    assert [(c.weekday, c.hour, c.category, c.contacts) for c in heat.cells] == [
        (tuesday, 8, "complaint", 1),  # M1
        (tuesday, 9, "billing", 3),  # C1, M2, C2
        (tuesday, 10, None, 2),  # C3, C4: hung up before saying why
        (tuesday, 11, "network_fault", 1),  # C5
        (tuesday, 12, "complaint", 1),  # M3
        (tuesday, 15, "roaming", 1),  # M4
        (tuesday, 16, "billing", 1),  # M5
    ]


def test_csv_export_has_both_periods(database: Database, tenant: TenantHandle, day: DayIds) -> None:
    with database.tenant_session(tenant.id) as session:
        text = kpis.executive_csv(session, period=DAY)
    lines = {line.split(",")[0]: line.split(",")[1:] for line in text.splitlines()}
    assert lines["kpi"] == ["unit", "this_period", "previous_period"]
    assert lines["contacts"] == ["count", "10", "0"]
    assert lines["contacts_phone"] == ["count", "5", "0"]
    assert lines["service_level"] == ["share", "0.428571", ""]
    assert lines["average_handle_time"] == ["seconds", "480", ""]
    assert lines["csat"] == ["share", "0.75", ""]
    assert lines["csat_responses"] == ["count", "4", "0"]
    assert lines["period_start"][1:] == [DAY.start.isoformat(), DAY.previous().start.isoformat()]

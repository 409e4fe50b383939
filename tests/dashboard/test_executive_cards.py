"""The executive page's CSAT card: a share like the others, against the previous period."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from core.kpis import ExecutiveKpis, Period
from dashboard.views.executive import cards


def figures(**given: Any) -> ExecutiveKpis:
    """Executive KPIs of an empty day, with the figures given."""
    empty: dict[str, Any] = {}
    for field in dataclasses.fields(ExecutiveKpis):
        kind = str(field.type)
        empty[field.name] = 0 if kind == "int" else {} if kind.startswith("Mapping") else None
    empty["period"] = Period(datetime(2026, 3, 9, tzinfo=UTC), datetime(2026, 3, 10, tzinfo=UTC))
    return ExecutiveKpis(**(empty | given))


def shown(component: Any, element_id: str) -> Any:
    """The text of the element with that id in a Dash component tree."""
    if getattr(component, "id", None) == element_id:
        return component.children
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and not isinstance(child, str):
            found = shown(child, element_id)
            if found is not None:
                return found
    return None


def test_csat_reads_as_a_percentage_against_the_last_period() -> None:
    current = figures(csat=0.75, csat_responses=4)
    assert shown(cards(current, figures(csat=0.8)), "executive-csat") == "75.0% (-5.0% vs last)"
    assert shown(cards(current, figures()), "executive-csat") == "75.0%"  # nothing to compare
    assert shown(cards(current, figures()), "executive-csat-answers") == "4"
    assert shown(cards(figures(), figures(csat=0.8)), "executive-csat") == "–"  # no answers

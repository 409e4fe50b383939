"""Routing actors (the routing stream fills ACTORS)."""

from __future__ import annotations

from workers.actor_spec import ActorSpec
from workers.periodic import PeriodicTask

ACTORS: tuple[ActorSpec, ...] = ()
PERIODIC: tuple[PeriodicTask, ...] = ()

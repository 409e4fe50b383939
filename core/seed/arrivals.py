"""When conversations arrive, on which channel, and which customer is writing or calling."""

from __future__ import annotations

import itertools
import random
from datetime import datetime

from core.models import Channel, IdentityKind
from core.seed.customers import SeededContact
from core.seed.run import HOUR, LOCAL_TZ, MINUTE, SeedRun

CHANNELS = {Channel.PHONE: 45, Channel.EMAIL: 25, Channel.WEBFORM: 15, Channel.SOCIAL: 15}
# Relative arrivals per local hour: busy 9-12 and 14-18, quiet at night.
HOURLY = (0.2, 0.12, 0.08, 0.08, 0.08, 0.15, 0.35, 0.8, 1.6, 3.0, 3.4, 3.2,
          2.0, 2.2, 3.0, 3.3, 3.1, 2.7, 1.9, 1.5, 1.3, 1.0, 0.6, 0.35)  # fmt: skip
WEEKEND_FACTOR = 0.55
LONGEST_CALL = 25 * MINUTE  # calls start at least this long before now, so every leg has ended


def arrivals(run: SeedRun) -> list[tuple[datetime, Channel]]:
    """Arrival times over the window along the intraday curve, weekends lighter; sorted."""
    rng, slots = run.rng, []
    hour = run.window_start.replace(minute=0, second=0, microsecond=0)
    while hour < run.now:
        begin, end = max(hour, run.window_start), min(hour + HOUR, run.now)
        local = hour.astimezone(LOCAL_TZ)
        weight = HOURLY[local.hour] * (WEEKEND_FACTOR if local.weekday() >= 5 else 1.0)
        slots.append((begin, end, weight * ((end - begin) / HOUR)))
        hour += HOUR
    scale = run.plan.days * run.plan.conversations_per_day / sum(w for _, _, w in slots)
    arrived = []
    for begin, end, weight in slots:
        for _ in range(int(weight * scale + rng.random())):
            at = begin + (end - begin) * rng.random()
            channel = run.weighted(CHANNELS)
            if channel is Channel.PHONE and at > run.now - LONGEST_CALL:
                at = run.now - LONGEST_CALL - 35 * MINUTE * rng.random()
            arrived.append((at, channel))
    return sorted(arrived, key=lambda arrival: arrival[0])


class Callers:
    """Who gets in touch: a few customers often, valuable ones more, on social only if known there."""

    def __init__(self, rng: random.Random, contacts: list[SeededContact]) -> None:
        self.rng = rng
        weights = [min(rng.paretovariate(1.8), 20) * (2 + c.value_tier.rank) for c in contacts]
        self.everyone = (contacts, list(itertools.accumulate(weights)))
        social = [
            (c, w)
            for c, w in zip(contacts, weights, strict=True)
            if IdentityKind.SOCIAL in c.identities
        ]
        self.on_social = ([c for c, _ in social], list(itertools.accumulate(w for _, w in social)))

    def pick(self, channel: Channel) -> tuple[Channel, SeededContact]:
        """A customer for this channel; social traffic turns to phone if nobody is on social."""
        if channel is Channel.SOCIAL and not self.on_social[0]:
            channel = Channel.PHONE
        population, cumulative = self.on_social if channel is Channel.SOCIAL else self.everyone
        return channel, self.rng.choices(population, cum_weights=cumulative)[0]

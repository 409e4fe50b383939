"""Demo data for one tenant: org tree, staff, queues, contacts and a month of conversations
with the SLA clocks the default policies gave them and their customers' survey answers.

Rows go in as Core executemany inserts inside one system unit of work, so the default plan takes
seconds and a failed seed leaves nothing behind. Each conversation is first told as a story of
timestamped steps, cut at `now`, and only then turned into rows, so its status, counters,
messages, call leg and timeline events always agree.

The stages share one random source and draw from it in a fixed order (tenant.py), so moving a
draw between stages changes the data: keep the order when changing any of them.
"""

from core.seed.plan import Progress, SeedPlan, SeedResult
from core.seed.tenant import seed_tenant

__all__ = ["Progress", "SeedPlan", "SeedResult", "seed_tenant"]

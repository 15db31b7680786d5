"""Contact-centre figures defined once, for the live views, the wallboards, the agent's own
statistics and the reports."""

from __future__ import annotations


def service_level(within: int, settled: int) -> float | None:
    """The share of calls answered within the queue's threshold (``within``) among the calls whose
    wait is over, answered or lost (``settled``): a caller still waiting, or one sent on to another
    queue, does not count yet. None while no call is settled; rounded to 4 places (0.8534)."""
    return round(within / settled, 4) if settled else None

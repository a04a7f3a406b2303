"""Detention: billable waiting time at a stop beyond the free two hours."""

from __future__ import annotations

from datetime import datetime, timedelta

FREE_TIME = timedelta(hours=2)
RATE_CENTS_PER_HOUR = 7500


def billable(arrived_at: datetime | None, departed_at: datetime | None) -> timedelta:
    """Time past the free window; zero while the truck has not left or never arrived."""
    if arrived_at is None or departed_at is None:
        return timedelta(0)
    waited = departed_at - arrived_at
    return max(waited - FREE_TIME, timedelta(0))


def charge_cents(arrived_at: datetime | None, departed_at: datetime | None) -> int:
    """Detention charge, billed per started quarter hour."""
    over = billable(arrived_at, departed_at)
    quarters = -(-int(over.total_seconds()) // 900)
    return quarters * RATE_CENTS_PER_HOUR // 4

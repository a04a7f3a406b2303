"""Tendering: offer a load to a driver, and record the driver's answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from tidewater.db import Connection


class TenderError(Exception):
    """A tender that cannot move to the requested state."""


@dataclass(frozen=True)
class Tender:
    id: int
    load_id: int
    driver_id: int
    status: str


def offer(db: Connection, load_id: int, driver_id: int) -> Tender:
    """Offer an open load to a driver."""
    row = db.one("SELECT status FROM loads WHERE id = %s", (load_id,))
    if row is None:
        raise TenderError(f"no load {load_id}")
    if row["status"] != "open":
        raise TenderError(f"load {load_id} is {row['status']}, not open")
    tender_id = db.scalar(
        "INSERT INTO tenders (load_id, driver_id) VALUES (%s, %s) RETURNING id",
        (load_id, driver_id),
    )
    return Tender(tender_id, load_id, driver_id, "offered")


def accept(db: Connection, tender_id: int) -> Tender:
    """The driver accepts: the tender is accepted and the load becomes covered."""
    row = db.one("SELECT * FROM tenders WHERE id = %s", (tender_id,))
    if row is None or row["status"] != "offered":
        raise TenderError(f"tender {tender_id} cannot be accepted")
    now = datetime.now(timezone.utc)
    db.execute(
        "UPDATE tenders SET status = 'accepted', answered_at = %s WHERE id = %s",
        (now, tender_id),
    )
    db.execute("UPDATE loads SET status = 'covered' WHERE id = %s", (row["load_id"],))
    return Tender(tender_id, row["load_id"], row["driver_id"], "accepted")

from datetime import datetime, timedelta, timezone

from tidewater.detention import charge_cents

T0 = datetime(2026, 5, 1, 8, 0, tzinfo=timezone.utc)


def test_free_two_hours() -> None:
    assert charge_cents(T0, T0 + timedelta(hours=2)) == 0


def test_started_quarter_is_billed() -> None:
    assert charge_cents(T0, T0 + timedelta(hours=2, minutes=1)) == 1875

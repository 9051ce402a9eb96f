"""The throttle's window query on both backends (the web flows are in tests/web)."""

from __future__ import annotations

from samverka.auth import throttle
from samverka.auth.models import LoginAttempt

LIMITS = throttle.Limits(per_account=2, per_address=3, window_seconds=60)


def test_failures_count_within_the_window_only(db, frozen_clock):
    for _ in range(2):
        throttle.record_failure(db, LIMITS, "Someone@Example.test", "192.0.2.1")
    db.commit()
    assert throttle.is_throttled(db, LIMITS, "someone@example.test ", "192.0.2.200")
    assert not throttle.is_throttled(db, LIMITS, "other@example.test", "192.0.2.200")
    frozen_clock.advance(seconds=61)
    assert not throttle.is_throttled(db, LIMITS, "someone@example.test", "192.0.2.1")


def test_an_address_limit_spans_accounts(db, frozen_clock):
    for number in range(3):
        throttle.record_failure(db, LIMITS, f"user{number}@example.test", "192.0.2.9")
    db.commit()
    assert throttle.is_throttled(db, LIMITS, "fresh@example.test", "192.0.2.9")
    assert not throttle.is_throttled(db, LIMITS, "fresh@example.test", "192.0.2.10")


def test_old_rows_are_removed_and_no_address_is_stored_in_clear(db, frozen_clock):
    throttle.record_failure(db, LIMITS, "old@example.test", "192.0.2.1")
    frozen_clock.advance(seconds=120)
    throttle.record_failure(db, LIMITS, "new@example.test", "192.0.2.1")
    db.commit()
    rows = db.query(LoginAttempt).all()
    assert len(rows) == 1
    assert "new@example.test" not in rows[0].account_key

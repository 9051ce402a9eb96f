"""Retention: entries past five years are purged chain by chain, the chain still verifies
from its checkpoint, nothing younger goes, and the CLI verifies and purges."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import text

from samverka import clock
from samverka.audit import record_event
from samverka.audit.retention import MIN_RETENTION_DAYS, purge_expired
from samverka.audit.verify import verify_all
from samverka.bootstrap import cli
from samverka.config import ConfigurationError, Settings


@pytest.fixture
def aged(db, tenant_pair, monkeypatch, superuser):
    """Sunne: 3 entries six years old, then 2 of today. Recorded with the clock set back,
    as they would have been (the fixture's own entries, of today, are removed first)."""
    with superuser() as conn:
        conn.execute(text("DELETE FROM audit_entries"))
        conn.execute(text("DELETE FROM audit_chain_heads"))
    now = clock.now()
    monkeypatch.setattr(clock, "now", lambda: now - timedelta(days=6 * 366))
    old = [record_event(db, "record.read", tenant_id=tenant_pair.a.id, target_id=n) for n in "abc"]
    db.commit()
    monkeypatch.setattr(clock, "now", lambda: now)
    new = [record_event(db, "record.read", tenant_id=tenant_pair.a.id, target_id=n) for n in "de"]
    db.commit()
    return tenant_pair, old, new


def chain_targets(superuser, chain: str) -> list[str]:
    with superuser() as conn:
        return list(
            conn.scalars(
                text("SELECT target_id FROM audit_entries WHERE chain = :c ORDER BY seq"),
                {"c": chain},
            )
        )


def run(app, *args: str):
    return CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))


def test_old_entries_go_and_the_chain_verifies_from_its_checkpoint(app, db, aged, superuser):
    pair, old, new = aged
    chain = f"t{pair.a.id}"
    assert [e.seq for e in old + new] == [1, 2, 3, 4, 5]
    (result,) = purge_expired(db, clock.now())
    db.commit()
    assert (result.chain, result.through_seq, result.removed) == (chain, 3, 3)
    assert chain_targets(superuser, chain) == ["d", "e", chain]  # and the purge entry
    db.rollback()
    (report,) = verify_all(db)
    assert (report.broken, report.entries, report.head_seq) == (None, 3, 6)
    assert purge_expired(db, clock.now()) == []  # nothing more is old enough


def test_a_dry_run_removes_nothing(app, db, aged, superuser):
    pair, old, _new = aged
    before = chain_targets(superuser, f"t{pair.a.id}")
    result = run(app, "audit", "purge", "--dry-run", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["dry_run"] and any(c["through_seq"] == old[-1].seq for c in report["chains"])
    assert chain_targets(superuser, f"t{pair.a.id}") == before


def test_the_cli_purges_then_verifies(app, aged, superuser):
    pair, _old, _new = aged
    assert run(app, "audit", "purge").exit_code == 0
    assert "a" not in chain_targets(superuser, f"t{pair.a.id}")
    result = run(app, "audit", "verify", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["ok"] is True
    assert run(app, "audit", "verify", "--tenant", "sunne").exit_code == 0


def test_cutting_the_front_by_hand_is_not_a_purge(app, db, aged, superuser):
    """Moving the head's base forward without a purge entry is found."""
    pair, old, _new = aged
    with superuser() as conn:
        conn.execute(
            text("DELETE FROM audit_entries WHERE chain = :c AND seq <= :s"),
            {"c": f"t{pair.a.id}", "s": old[-1].seq},
        )
        conn.execute(
            text("UPDATE audit_chain_heads SET base_seq = :s, base_hash = :h WHERE chain = :c"),
            {"s": old[-1].seq, "h": old[-1].hash, "c": f"t{pair.a.id}"},
        )
    result = run(app, "audit", "verify")
    assert result.exit_code == 1
    assert f"t{pair.a.id}: BROKEN" in result.output and "no purge entry" in result.output


def test_verify_names_the_first_broken_entry_and_exits_1(app, aged, superuser):
    _pair, old, _new = aged
    with superuser() as conn:
        conn.execute(
            text("UPDATE audit_entries SET client_address = '203.0.113.9' WHERE id = :i"),
            {"i": old[1].id},
        )
    result = run(app, "audit", "verify", "--json")
    assert result.exit_code == 1
    (chain,) = [c for c in json.loads(result.output)["chains"] if not c["ok"]]
    assert chain["broken"]["entry_id"] == old[1].id and "changed" in chain["broken"]["reason"]


def test_young_entries_are_never_purged(db, tenant_pair, superuser):
    record_event(db, "record.read", tenant_id=tenant_pair.a.id, target_id="young")
    db.commit()
    far_future = clock.now() + timedelta(days=10 * 366)  # a caller's clock gone wrong
    with pytest.raises(RuntimeError, match="clock"):
        purge_expired(db, far_future)
    db.rollback()
    assert "young" in chain_targets(superuser, f"t{tenant_pair.a.id}")


def test_retention_cannot_be_set_below_five_years(tmp_path):
    with pytest.raises(ConfigurationError, match="AUDIT_RETENTION_DAYS"):
        Settings(instance_path=tmp_path, audit_retention_days=365).with_defaults()
    settings = Settings(instance_path=tmp_path, audit_retention_days=3650).with_defaults()
    assert settings.audit_retention_days == 3650 >= MIN_RETENTION_DAYS

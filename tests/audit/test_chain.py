"""The hash chain: appends, verification, and tampering found at the first broken entry."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from samverka.audit import AuditDetailsError, record_event
from samverka.audit.chain import GENESIS, entry_hash, fields_of
from samverka.audit.verify import verify_all
from samverka.db import TenantScope, scoped


def append(db, tenant_id, count: int, action: str = "member.add") -> list[int]:
    recorded = [
        record_event(db, action, tenant_id=tenant_id, target_type="user", target_id=n)
        for n in range(count)
    ]
    db.commit()
    return [entry.id for entry in recorded]


def broken(db) -> list:
    db.rollback()
    return [r.broken for r in verify_all(db) if r.broken is not None]


def test_entries_chain_per_tenant_and_platform(db, tenant_pair):
    a, b = tenant_pair.a.id, tenant_pair.b.id
    first = record_event(db, "member.add", tenant_id=a, target_type="user", target_id=1)
    second = record_event(db, "member.add", tenant_id=a, target_type="user", target_id=2)
    other = record_event(db, "plugin.enable", tenant_id=b, details={"plugin": "andt"})
    platform = record_event(db, "auth.login_failed", tenant_id=None, outcome="failure")
    db.commit()
    assert (first.chain, first.seq, first.prev_hash) == (f"t{a}", 1, GENESIS)
    assert (second.seq, second.prev_hash) == (2, first.hash)
    assert (other.chain, other.seq, other.prev_hash) == (f"t{b}", 1, GENESIS)
    assert (platform.chain, platform.seq) == ("platform", 1)
    assert second.hash == entry_hash(fields_of(second)) != first.hash
    reports = verify_all(db)
    assert {r.chain: r.entries for r in reports} == {f"t{a}": 2, f"t{b}": 1, "platform": 1}
    assert all(r.broken is None for r in reports)


def test_stored_entries_hash_the_same_after_a_round_trip(db, tenant_pair, entries):
    record_event(db, "plugin.configure", tenant_id=tenant_pair.a.id, details={"fields": ["a"]})
    db.commit()
    (row,) = entries()
    assert row["hash"] == entry_hash(row)


def test_details_refuse_secrets_and_free_text(db, tenant_pair):
    tenant = tenant_pair.a.id
    for details in (
        {"password": "hunter2"},
        {"new_password": "x"},
        {"token": "svk_1_abc_def"},
        {"client_secret": "s"},
        {"note": "Anna Andersson ringde om grannen"},
        {"email": "anna@sunne.se"},
        {"ratio": 0.5},
    ):
        with pytest.raises(AuditDetailsError):
            record_event(db, "member.add", tenant_id=tenant, details=details)
    entry = record_event(db, "token.create", tenant_id=tenant, details={"token_id": 7})
    assert entry.details == {"token_id": 7}
    with pytest.raises(ValueError, match=r"<area>\.<verb>"):
        record_event(db, "login", tenant_id=None)
    with pytest.raises(ValueError, match="outcome"):
        record_event(db, "auth.login", tenant_id=None, outcome="maybe")


def test_a_rolled_back_change_leaves_no_entry(db, tenant_pair, entries):
    from samverka.auth import services as accounts

    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        user = accounts.create_user(db, "ny@sunne.test", "Ny", "a long enough password 1")
        record_event(db, "user.create", tenant_id=None, target_type="user", target_id=user.id)
        db.rollback()
    assert entries() == []
    assert broken(db) == []
    append(db, tenant_pair.a.id, 1)  # the chain goes on from its last committed head
    assert [e["seq"] for e in entries()] == [1]
    assert broken(db) == []


def test_an_entry_never_exists_without_its_change(app, db, tenant_pair, entries):
    """The entry joins the caller's transaction: a failing commit takes both away."""
    from samverka.tenants.models import Tenant

    record_event(db, "tenant.create", tenant_id=None, target_type="tenant", target_id="dup")
    db.add(Tenant(slug="sunne", name="Again", kind="municipality"))  # slug already taken
    with pytest.raises(Exception, match=r"(?i)unique"):
        db.commit()
    db.rollback()
    assert entries() == []


# --- tampering, as someone with direct access to the database -----------------------------


@pytest.fixture
def chain_of_five(db, tenant_pair):
    return append(db, tenant_pair.a.id, 5)


def test_an_untouched_chain_verifies(db, chain_of_five):
    assert broken(db) == []


def test_a_changed_field_is_named(db, superuser, chain_of_five):
    with superuser() as conn:
        conn.execute(
            text("UPDATE audit_entries SET outcome = 'denied' WHERE id = :i"),
            {"i": chain_of_five[2]},
        )
    (found,) = broken(db)
    assert (found.entry_id, found.seq) == (chain_of_five[2], 3)
    assert "changed" in found.reason


def test_changed_details_are_named(db, superuser, chain_of_five):
    with superuser() as conn:
        conn.execute(
            text("UPDATE audit_entries SET target_id = '99' WHERE id = :i"),
            {"i": chain_of_five[1]},
        )
    (found,) = broken(db)
    assert found.entry_id == chain_of_five[1]


def test_a_deleted_middle_entry_is_named(db, superuser, chain_of_five):
    with superuser() as conn:
        conn.execute(text("DELETE FROM audit_entries WHERE id = :i"), {"i": chain_of_five[2]})
    (found,) = broken(db)
    assert (found.entry_id, found.seq) == (chain_of_five[3], 4)
    assert "seq 3 is missing" in found.reason


def test_a_deleted_tail_is_named(db, superuser, chain_of_five):
    with superuser() as conn:
        conn.execute(text("DELETE FROM audit_entries WHERE id = :i"), {"i": chain_of_five[4]})
    (found,) = broken(db)
    assert (found.entry_id, found.seq) == (chain_of_five[3], 4)
    assert "head records seq 5" in found.reason


def test_a_forged_entry_is_named(db, superuser, chain_of_five, tenant_pair):
    """A row inserted between two entries, with a correct hash of its own and the next
    entries renumbered: the entry after it no longer points back to it."""
    with superuser() as conn:
        source = (
            conn.execute(text("SELECT * FROM audit_entries WHERE id = :i"), {"i": chain_of_five[1]})
            .mappings()
            .one()
        )
        conn.execute(
            text("UPDATE audit_entries SET seq = seq + 10 WHERE chain = :c AND seq >= 3"),
            {"c": source["chain"]},
        )
        conn.execute(
            text("UPDATE audit_entries SET seq = seq - 9 WHERE chain = :c AND seq >= 13"),
            {"c": source["chain"]},
        )
        forged = {**source, "seq": 3, "prev_hash": source["hash"], "action": "member.remove"}
        forged["hash"] = entry_hash(forged)
        columns = [c for c in forged if c not in ("id", "details")]
        new_id = conn.execute(
            text(
                f"INSERT INTO audit_entries ({', '.join(columns)})"
                f" VALUES ({', '.join(':' + c for c in columns)}) RETURNING id"
            ),
            {c: forged[c] for c in columns},
        ).scalar()
    (found,) = broken(db)
    assert (found.entry_id, found.seq) == (chain_of_five[2], 4)
    assert "prev_hash" in found.reason
    assert new_id not in chain_of_five


def test_a_forged_entry_at_the_end_is_named(db, superuser, chain_of_five):
    with superuser() as conn:
        last = (
            conn.execute(text("SELECT * FROM audit_entries WHERE id = :i"), {"i": chain_of_five[4]})
            .mappings()
            .one()
        )
        forged = {**last, "seq": 6, "prev_hash": last["hash"]}
        forged["hash"] = entry_hash(forged)
        columns = [c for c in forged if c not in ("id", "details")]
        conn.execute(
            text(
                f"INSERT INTO audit_entries ({', '.join(columns)})"
                f" VALUES ({', '.join(':' + c for c in columns)})"
            ),
            {c: forged[c] for c in columns},
        )
    (found,) = broken(db)
    assert found.seq == 6
    assert "head records seq 5" in found.reason


def test_reordered_entries_are_named(db, superuser, chain_of_five):
    """Entries 2 and 3 swap places (their sequence numbers)."""
    with superuser() as conn:
        for entry_id, seq in ((chain_of_five[1], 100), (chain_of_five[2], 2)):
            conn.execute(
                text("UPDATE audit_entries SET seq = :s WHERE id = :i"), {"s": seq, "i": entry_id}
            )
        conn.execute(
            text("UPDATE audit_entries SET seq = 3 WHERE id = :i"), {"i": chain_of_five[1]}
        )
    (found,) = broken(db)
    assert (found.entry_id, found.seq) == (chain_of_five[2], 2)
    assert "prev_hash" in found.reason


def test_only_the_broken_chain_is_reported(db, superuser, chain_of_five, tenant_pair):
    append(db, tenant_pair.b.id, 2)
    with superuser() as conn:
        conn.execute(
            text("UPDATE audit_entries SET action = 'x.y' WHERE id = :i"), {"i": chain_of_five[0]}
        )
    (found,) = broken(db)
    assert found.chain == f"t{tenant_pair.a.id}"


def test_entries_are_written_at_commit_in_one_lock_order(db, tenant_pair, entries):
    """Recorded for B, the platform, then A: written chain by chain in key order, each chain
    in the order recorded."""
    b, a = tenant_pair.b.id, tenant_pair.a.id
    recorded = [
        record_event(db, "record.read", tenant_id=b, target_id=1),
        record_event(db, "record.read", tenant_id=None, target_id=2),
        record_event(db, "record.read", tenant_id=a, target_id=3),
        record_event(db, "record.read", tenant_id=b, target_id=4),
    ]
    assert entries() == [] and recorded[0].seq is None
    db.commit()
    rows = [(e["chain"], e["seq"], e["target_id"]) for e in entries()]
    assert sorted(rows) == [
        ("platform", 1, "2"),
        (f"t{a}", 1, "3"),
        (f"t{b}", 1, "1"),
        (f"t{b}", 2, "4"),
    ]
    assert [r[0] for r in rows] == sorted(r[0] for r in rows)  # inserted chain by chain
    assert broken(db) == []


def test_a_rolled_back_savepoint_discards_only_its_entries(db, tenant_pair, entries):
    record_event(db, "record.read", tenant_id=tenant_pair.a.id, target_id="kept")
    savepoint = db.begin_nested()
    record_event(db, "record.read", tenant_id=tenant_pair.a.id, target_id="dropped")
    savepoint.rollback()
    db.commit()
    assert [e["target_id"] for e in entries()] == ["kept"]

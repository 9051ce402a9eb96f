"""The hash chain: appends, verification, and tampering found at the first broken entry."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from samverka.audit import AuditDetailsError, record_event
from samverka.audit.chain import entry_hash, fields_of
from samverka.audit.verify import verify_all
from samverka.db import TenantScope, scoped


def append(db, tenant_id, count: int, action: str = "member.add") -> list[dict]:
    recorded = [
        record_event(db, action, tenant_id=tenant_id, target_type="user", target_id=n)
        for n in range(count)
    ]
    db.commit()
    return [{"id": e.id, "seq": e.seq, "chain": e.chain} for e in recorded]


def broken(db) -> list:
    db.rollback()
    return [r.broken for r in verify_all(db) if r.broken is not None]


def test_entries_chain_per_tenant_and_platform(db, tenant_pair, baseline):
    a, b = tenant_pair.a.id, tenant_pair.b.id
    first = record_event(db, "member.add", tenant_id=a, target_type="user", target_id=1)
    second = record_event(db, "member.add", tenant_id=a, target_type="user", target_id=2)
    other = record_event(db, "plugin.enable", tenant_id=b, details={"plugin": "andt"})
    platform = record_event(db, "auth.login_failed", tenant_id=None, outcome="failure")
    db.commit()
    assert (first.chain, other.chain, platform.chain) == (f"t{a}", f"t{b}", "platform")
    assert (second.seq, second.prev_hash) == (first.seq + 1, first.hash)
    assert second.hash == entry_hash(fields_of(second)) != first.hash
    reports = {r.chain: r for r in verify_all(db)}
    assert reports[f"t{a}"].head_seq == second.seq == reports[f"t{a}"].entries
    assert reports[f"t{a}"].head_hash == second.hash
    assert all(r.broken is None for r in reports.values())


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
        accounts.create_user(db, "ny@sunne.test", "Ny", "a long enough password 1")
        db.rollback()
    assert entries() == []
    assert broken(db) == []
    (appended,) = append(db, tenant_pair.a.id, 1)  # the chain goes on from its committed head
    assert [e["seq"] for e in entries()] == [appended["seq"]]
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
    rows = [(e["chain"], e["target_id"]) for e in entries()]
    assert rows == sorted(rows, key=lambda r: r[0])  # inserted chain by chain, in key order
    assert [r[1] for r in rows if r[0] == f"t{b}"] == ["1", "4"]
    assert recorded[3].seq == recorded[0].seq + 1
    assert broken(db) == []


def test_a_rolled_back_savepoint_discards_only_its_entries(db, tenant_pair, entries):
    record_event(db, "record.read", tenant_id=tenant_pair.a.id, target_id="kept")
    savepoint = db.begin_nested()
    record_event(db, "record.read", tenant_id=tenant_pair.a.id, target_id="dropped")
    savepoint.rollback()
    db.commit()
    assert [e["target_id"] for e in entries()] == ["kept"]


# --- tampering, as someone with direct access to the database -----------------------------


@pytest.fixture
def five(db, tenant_pair):
    """Five entries at the end of Sunne's chain (after those of the fixture)."""
    return append(db, tenant_pair.a.id, 5)


def test_an_untouched_chain_verifies(db, five):
    assert broken(db) == []


def test_a_changed_field_is_named(db, superuser, five):
    with superuser() as conn:
        conn.execute(
            text("UPDATE audit_entries SET outcome = 'denied' WHERE id = :i"), {"i": five[2]["id"]}
        )
    (found,) = broken(db)
    assert (found.entry_id, found.seq) == (five[2]["id"], five[2]["seq"])
    assert "changed" in found.reason


def test_a_changed_target_is_named(db, superuser, five):
    with superuser() as conn:
        conn.execute(
            text("UPDATE audit_entries SET target_id = '99' WHERE id = :i"), {"i": five[1]["id"]}
        )
    (found,) = broken(db)
    assert found.entry_id == five[1]["id"]


def test_a_deleted_middle_entry_is_named(db, superuser, five):
    with superuser() as conn:
        conn.execute(text("DELETE FROM audit_entries WHERE id = :i"), {"i": five[2]["id"]})
    (found,) = broken(db)
    assert (found.entry_id, found.seq) == (five[3]["id"], five[3]["seq"])
    assert f"seq {five[2]['seq']} is missing" in found.reason


def test_a_deleted_tail_is_named(db, superuser, five):
    with superuser() as conn:
        conn.execute(text("DELETE FROM audit_entries WHERE id = :i"), {"i": five[4]["id"]})
    (found,) = broken(db)
    assert (found.entry_id, found.seq) == (five[3]["id"], five[3]["seq"])
    assert f"head records seq {five[4]['seq']}" in found.reason


def insert_raw(conn, row: dict) -> int:
    columns = [c for c in row if c not in ("id", "details")]
    conn.execute(
        text(
            f"INSERT INTO audit_entries ({', '.join(columns)})"
            f" VALUES ({', '.join(':' + c for c in columns)})"
        ),
        {c: row[c] for c in columns},
    )
    return conn.scalar(text("SELECT max(id) FROM audit_entries"))


def read_raw(conn, entry_id: int) -> dict:
    query = text("SELECT * FROM audit_entries WHERE id = :i")
    return dict(conn.execute(query, {"i": entry_id}).mappings().one())


def test_a_forged_entry_is_named(db, superuser, five):
    """A row inserted after the second of the five, with a correct hash of its own and the
    later entries renumbered: the entry after it no longer points back to it."""
    with superuser() as conn:
        source = read_raw(conn, five[1]["id"])
        chain, seq = source["chain"], source["seq"]
        shift = "UPDATE audit_entries SET seq = seq + :n WHERE chain = :c AND seq >= :s"
        conn.execute(text(shift), {"n": 100, "c": chain, "s": seq + 1})
        conn.execute(text(shift), {"n": -99, "c": chain, "s": seq + 101})
        forged = {**source, "seq": seq + 1, "prev_hash": source["hash"], "action": "member.x"}
        forged["hash"] = entry_hash(forged)
        forged_id = insert_raw(conn, forged)
    (found,) = broken(db)
    assert (found.entry_id, found.seq) == (five[2]["id"], five[2]["seq"] + 1)
    assert "prev_hash" in found.reason
    assert forged_id not in [e["id"] for e in five]


def test_a_forged_entry_at_the_end_is_named(db, superuser, five):
    with superuser() as conn:
        last = read_raw(conn, five[4]["id"])
        forged = {**last, "seq": last["seq"] + 1, "prev_hash": last["hash"]}
        forged["hash"] = entry_hash(forged)
        forged_id = insert_raw(conn, forged)
    (found,) = broken(db)
    assert (found.entry_id, found.seq) == (forged_id, five[4]["seq"] + 1)
    assert f"head records seq {five[4]['seq']}" in found.reason


def test_reordered_entries_are_named(db, superuser, five):
    """The third and fourth entries swap places (their sequence numbers)."""
    x, y = five[2], five[3]
    with superuser() as conn:
        move = text("UPDATE audit_entries SET seq = :s WHERE id = :i")
        conn.execute(move, {"s": -1, "i": x["id"]})
        conn.execute(move, {"s": x["seq"], "i": y["id"]})
        conn.execute(move, {"s": y["seq"], "i": x["id"]})
    (found,) = broken(db)
    assert (found.entry_id, found.seq) == (y["id"], x["seq"])
    assert "prev_hash" in found.reason


def test_only_the_broken_chain_is_reported(db, superuser, five, tenant_pair):
    append(db, tenant_pair.b.id, 2)
    with superuser() as conn:
        conn.execute(
            text("UPDATE audit_entries SET action = 'x.y' WHERE id = :i"), {"i": five[0]["id"]}
        )
    (found,) = broken(db)
    assert found.chain == f"t{tenant_pair.a.id}"


def test_a_closed_session_forgets_what_it_did_not_commit(db, tenant_pair, entries):
    from samverka.tenants.models import Tenant

    db.scalar(select(Tenant.id).limit(1))  # a transaction is under way
    record_event(db, "record.read", tenant_id=tenant_pair.a.id, target_id="never")
    db.close()
    record_event(db, "record.read", tenant_id=tenant_pair.a.id, target_id="later")
    db.commit()
    assert [e["target_id"] for e in entries()] == ["later"]

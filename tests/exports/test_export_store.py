"""The export store: unguessable names, one folder per tenant, expiry, nothing half-written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from samverka.errors import NotFound
from samverka.exports import ExportStore, safe_filename

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def store_with_file(tmp_path, tenant_id=1, now=NOW):
    store = ExportStore(tmp_path / "exports", lifetime=timedelta(days=7))
    with store.create(tenant_id, "Medlemmar – Sunne kommun.csv", "text/csv", now=now) as pending:
        pending.file.write(b"namn;e-post\r\n")
    return store, pending.stored


def test_a_stored_file_is_found_by_its_tenant_and_token(tmp_path):
    store, stored = store_with_file(tmp_path)
    assert len(stored.token) == 43  # 256 random bits, URL-safe
    found = store.get(1, stored.token, now=NOW)
    assert found == stored and found.size == 13
    assert found.filename == "Medlemmar – Sunne kommun.csv"
    with store.open(found) as data:
        assert data.read() == b"namn;e-post\r\n"
    assert (tmp_path / "exports" / "1" / f"{stored.token}.data").is_file()


def test_another_tenant_or_a_wrong_token_finds_nothing(tmp_path):
    store, stored = store_with_file(tmp_path)
    for tenant_id, token in [
        (2, stored.token),
        (1, stored.token[:-1] + ("A" if stored.token[-1] != "A" else "B")),
        (1, "../1/" + stored.token),
        (1, ""),
    ]:
        with pytest.raises(NotFound):
            store.get(tenant_id, token, now=NOW)


def test_expired_files_are_not_served_and_are_purged(tmp_path):
    store, stored = store_with_file(tmp_path)
    later = NOW + timedelta(days=7, seconds=1)
    with pytest.raises(NotFound):
        store.get(1, stored.token, now=later)
    _, fresh = store_with_file(tmp_path, now=later)
    assert store.purge_expired(now=later) == 1
    assert not (tmp_path / "exports" / "1" / f"{stored.token}.data").exists()
    assert store.get(1, fresh.token, now=later) == fresh


def test_a_failed_export_leaves_nothing(tmp_path):
    store = ExportStore(tmp_path / "exports")
    with pytest.raises(RuntimeError), store.create(1, "x.csv", "text/csv") as pending:
        pending.file.write(b"half")
        raise RuntimeError("the query failed")
    assert list((tmp_path / "exports" / "1").iterdir()) == []


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Organisationsblad – Åre kommun.pdf", "Organisationsblad – Åre kommun.pdf"),
        ("../../etc/passwd", "etc passwd"),
        ('a"b\r\nContent-Type: x.csv', "a b Content-Type x.csv"),
        ("  ", "export"),
    ],
)
def test_download_names_keep_swedish_letters_but_nothing_dangerous(name, expected):
    assert safe_filename(name) == expected

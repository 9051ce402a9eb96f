"""Attachment storage: limits, signatures, atomic files, no orphans after a rollback."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from samverka.errors import ValidationError
from samverka.records import services, storage
from samverka.records.models import Attachment

PDF = b"%PDF-1.4\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20
LIMITS = storage.Limits(100, storage.DEFAULT_TYPES)


def files_in(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()]


def test_a_file_within_the_limits_is_stored(tmp_path):
    store = storage.LocalStorage(tmp_path)
    stored = storage.receive(store, io.BytesIO(PDF), "application/pdf", LIMITS)
    assert stored.size == len(PDF) and len(stored.sha256) == 64
    with store.open(stored.key) as handle:
        assert handle.read() == PDF
    assert files_in(tmp_path)[0].name == stored.key  # a random key, never the user's name
    store.delete(stored.key)
    assert files_in(tmp_path) == []


@pytest.mark.parametrize(
    ("content", "kind", "message"),
    [
        (b"%PDF" + b"x" * 200, "application/pdf", "larger than"),
        (b"MZ\x90\x00", "application/pdf", "not of type"),
        (PNG, "image/jpeg", "not of type"),
        (b"text\x00with nul", "text/plain", "not of type"),
        (b"\xff\xfe\xfa bad utf-8", "text/csv", "not of type"),
        (b"MZ", "application/x-msdownload", "cannot be attached"),
        (b"", "text/plain", "empty"),
    ],
)
def test_a_file_over_a_limit_is_refused_and_nothing_is_stored(tmp_path, content, kind, message):
    store = storage.LocalStorage(tmp_path)
    with pytest.raises(ValidationError, match=message):
        storage.receive(store, io.BytesIO(content), kind, LIMITS)
    assert files_in(tmp_path) == []


def test_signatures():
    assert storage.matches_signature("image/png", PNG)
    assert storage.matches_signature("text/csv", "namn;ort\nÅsa;Sunne\n".encode())
    assert storage.matches_signature(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK\x03\x04rest"
    )
    assert not storage.matches_signature("application/pdf", PNG)


def test_keys_cannot_walk_out_of_the_folder(tmp_path):
    store = storage.LocalStorage(tmp_path)
    with pytest.raises(ValueError):
        store.open("../../etc/passwd")


def test_a_rollback_leaves_no_orphan_file(ctx, db, world, acting, settings):
    root = settings.instance_path / "attachments"
    with acting(world.a, world.admin_a):
        record = services.create_record(
            db, record_type="core.document", title="Med bilaga", data={}, user=world.admin_a
        )
        db.commit()
        services.add_attachment(
            db,
            record,
            filename="../../bild.png",
            content_type="image/png",
            stream=io.BytesIO(PNG),
            user=world.admin_a,
        )
        assert len(files_in(root)) == 1
        db.rollback()
        assert files_in(root) == []
        assert db.scalars(select(Attachment)).all() == []
        kept = services.add_attachment(
            db,
            record,
            filename="../../bild.png",
            content_type="image/png",
            stream=io.BytesIO(PNG),
            user=world.admin_a,
        )
        db.commit()
        assert kept.filename == "bild.png" and len(files_in(root)) == 1
        services.remove_attachment(db, kept, user=world.admin_a)
        assert len(files_in(root)) == 1  # until the commit
        db.commit()
        assert files_in(root) == []


def test_an_oversized_attachment_changes_nothing(ctx, db, world, acting, app, settings):
    app.extensions["samverka"].settings.attachment_max_bytes = 10
    with acting(world.a, world.admin_a):
        record = services.create_record(
            db, record_type="core.document", title="X", data={}, user=world.admin_a
        )
        db.commit()
        with pytest.raises(ValidationError, match="larger than"):
            services.add_attachment(
                db,
                record,
                filename="a.pdf",
                content_type="application/pdf",
                stream=io.BytesIO(PDF),
                user=world.admin_a,
            )
        db.rollback()
        assert db.scalars(select(Attachment)).all() == []
    root = settings.instance_path / "attachments"
    assert not root.exists() or files_in(root) == []

"""The attachment sweep removes files a crash left without a row, and nothing else."""

from __future__ import annotations

import io
import os
import time
from datetime import UTC, datetime

from samverka.records import services, storage
from samverka.records.sweep import sweep_orphan_files

PDF = b"%PDF-1.4\n%%EOF\n"
TWO_DAYS = 2 * 24 * 3600


def age(path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_old_orphans_and_stale_temporary_files_go_referenced_and_recent_files_stay(
    ctx, db, world, acting, settings
):
    root = settings.instance_path / "attachments"
    store = storage.LocalStorage(root)
    with acting(world.b, world.admin_b):  # another tenant's file: the sweep sees every tenant
        record = services.create_record(
            db, record_type="core.document", title="Med bilaga", data={}, user=world.admin_b
        )
        attachment = services.add_attachment(
            db,
            record,
            filename="a.pdf",
            content_type="application/pdf",
            stream=io.BytesIO(PDF),
            user=world.admin_b,
        )
        db.commit()
        kept_key = attachment.storage_key
    old_orphan = store.put(io.BytesIO(PDF))
    new_orphan = store.put(io.BytesIO(PDF))
    stale_temp = root / old_orphan[:2] / ".incoming-crashed"
    stale_temp.write_bytes(b"half")
    for path in (store._path(kept_key), store._path(old_orphan), stale_temp):
        age(path, TWO_DAYS)

    with acting(world.a, world.admin_a):  # the job's own scope does not limit what it sees
        removed = sweep_orphan_files(db, datetime.now(UTC), store)

    assert removed == 2
    assert store.exists(kept_key) and store.exists(new_orphan)
    assert not store.exists(old_orphan) and not stale_temp.exists()


def test_an_empty_or_missing_folder_is_fine(ctx, db, tmp_path):
    assert sweep_orphan_files(db, datetime.now(UTC), storage.LocalStorage(tmp_path / "none")) == 0

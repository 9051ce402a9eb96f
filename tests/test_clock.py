"""One clock: ``samverka.clock`` is the only module that reads the system's time, it imports
nothing of samverka (the bottom layer), and freezing it (the ``frozen_clock`` fixture)
reaches every reader, column defaults included."""

from __future__ import annotations

import ast
import pathlib
from datetime import UTC, datetime, timedelta

import samverka
from samverka import clock

PACKAGE = pathlib.Path(samverka.__file__).parent
#: A separate liveness process comparing RQ's own wall-clock heartbeats: it must not follow
#: a test's clock, and it runs without the application.
OWN_TIME = {"ops/probe.py"}
#: Calendar readings. ``time.time()`` stays where epoch seconds are shared with other
#: processes through Redis (heartbeats, the backlog's stamp, a metadata cache's age).
RAW = ("datetime.now(", "datetime.utcnow(", "date.today(", "utcnow()")


def test_the_clock_imports_nothing_of_samverka():
    tree = ast.parse((PACKAGE / "clock.py").read_text())
    imported = [
        node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
    ] + [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    ]
    assert not [name for name in imported if name.startswith("samverka")]


def test_no_other_module_reads_the_system_time():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative in OWN_TIME | {"clock.py"}:
            continue
        text = path.read_text()
        offenders += [f"{relative}: {raw}" for raw in RAW if raw in text]
    assert offenders == []
    assert not (PACKAGE / "auth" / "clock.py").exists()


def test_a_frozen_clock_reaches_column_defaults_and_the_day(frozen_clock, ctx, db, world, acting):
    from samverka.records import services

    frozen_clock.moment = datetime(2030, 6, 30, 22, 30, tzinfo=UTC)  # 00:30 in Sweden
    assert clock.today().isoformat() == "2030-07-01"
    with acting(world.a, world.admin_a):
        record = services.create_record(
            db, record_type="core.document", title="T", data={"body": "x"}, user=world.admin_a
        )
        db.commit()
        assert clock.aware(record.created_at) == frozen_clock.moment
    frozen_clock.advance(days=1)
    assert clock.now() - frozen_clock.moment == timedelta(0)

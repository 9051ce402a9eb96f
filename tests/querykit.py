"""Counting the SQL statements a request or a service call sends (N+1 checks).

``with counted(app) as statements: ...`` collects every statement the app's engine executes
inside the block (SQLAlchemy's ``before_cursor_execute`` event), so a test can assert that a
page's cost does not grow with the number of rows or lines it handles.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event


@contextmanager
def counted(app) -> Iterator[list[str]]:
    engine = app.extensions["samverka"].engine
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)

"""Alembic environment shared by the core's history and every plugin's.

``samverka.migrate`` passes the open connection and the :class:`History` in
``config.attributes``; each history keeps its own version table and sees only its tables.
"""

from alembic import context

from samverka import models  # noqa: F401 - fills Base.metadata with the core's tables
from samverka.db import Base
from samverka.migrate import include_object_for

config = context.config
history = config.attributes["history"]
connection = config.attributes["connection"]

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    version_table=history.version_table,
    include_object=include_object_for(history),
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()

"""Full-text search over the records a scope may see.

PostgreSQL: ``records.search_vector`` (``tsvector``, the ``swedish`` configuration: "rapporter"
finds "rapport"), a GIN index, ``websearch_to_tsquery`` for the user's words. SQLite: the FTS5
table ``records_fts`` (rowid = record id), kept in step in the same transaction as the
record. Both are created by the migration (the models cannot express them).

Only the title and the searchable, non-personal fields are indexed (:func:`searchable_text`):
personal data never reaches the index. Results go through the ORM with the usual scoping
criteria, so a search finds exactly the records a list would show, ranked best first.
"""

from __future__ import annotations

import re

from sqlalchemy import column, func, literal_column, select, table, text
from sqlalchemy.orm import Session

from samverka.records.models import Record
from samverka.records.types import RecordType, searchable_text

FTS = table("records_fts", column("rowid"), column("document"), column("rank"))
WORD = re.compile(r"\w+", re.UNICODE)
MAX_WORDS = 16


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def index_record(session: Session, record: Record, record_type: RecordType) -> None:
    """(Re)index one record (after it was flushed), in the caller's transaction."""
    document = searchable_text(record_type, record.title, record.data or {})
    if _dialect(session) == "postgresql":
        session.execute(
            text("UPDATE records SET search_vector = to_tsvector('swedish', :doc) WHERE id = :id"),
            {"doc": document, "id": record.id},
        )
        return
    session.execute(text("DELETE FROM records_fts WHERE rowid = :id"), {"id": record.id})
    session.execute(
        text("INSERT INTO records_fts (rowid, document) VALUES (:id, :doc)"),
        {"id": record.id, "doc": document},
    )


def unindex_record(session: Session, record_id: int) -> None:
    """Forget a purged record (PostgreSQL: the column goes with the row)."""
    if _dialect(session) != "postgresql":
        session.execute(text("DELETE FROM records_fts WHERE rowid = :id"), {"id": record_id})


def fts5_query(query: str) -> str | None:
    """The user's words as an FTS5 query: each word quoted (no operators, no syntax
    errors), all required, the last one as a prefix (search as you type)."""
    words = WORD.findall(query)[:MAX_WORDS]
    if not words:
        return None
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"
    return " ".join(quoted)


def search_statement(session: Session, query: str):
    """A SELECT of visible, undeleted :class:`Record` rows matching ``query``, best first;
    None when the query holds no words."""
    base = select(Record).where(Record.deleted_at.is_(None))
    if _dialect(session) == "postgresql":
        if not WORD.search(query):
            return None
        tsquery = func.websearch_to_tsquery(literal_column("'swedish'::regconfig"), query)
        vector = literal_column("records.search_vector")
        return base.where(vector.op("@@")(tsquery)).order_by(
            func.ts_rank(vector, tsquery).desc(), Record.id.desc()
        )
    match = fts5_query(query)
    if match is None:
        return None
    return (
        base.join(FTS, FTS.c.rowid == Record.id)
        .where(text("records_fts MATCH :match").bindparams(match=match))
        .order_by(FTS.c.rank, Record.id.desc())
    )

"""Tables to export: columns with a kind, rows as mappings, read once (they may stream).

A column's kind decides how each writer renders a value: XLSX writes numbers as numbers and
dates as dates, CSV writes them the way Swedish Excel reads them back. Rows are consumed
once, in order, so a query can stream straight into a file without being held in memory.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

ProgressCallback = Callable[[int, int | None], None]
"""``on_progress(done, total)``: rows written so far; ``total`` when the table knows it."""

PROGRESS_EVERY = 500  # rows between progress reports: often enough for a bar, cheap enough


class Kind(enum.StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    DATE = "date"
    DATETIME = "datetime"
    BOOLEAN = "boolean"


@dataclass(frozen=True)
class Column:
    """One column: ``key`` in each row, the header ``label`` (already translated), a kind."""

    key: str
    label: str
    kind: Kind = Kind.TEXT
    width: int | None = None  # characters; None: from the label and the kind


@dataclass
class Table:
    """A titled table; ``total`` (when known) lets progress reports say "n of total"."""

    title: str
    columns: list[Column]
    rows: Iterable[Mapping[str, Any]]
    total: int | None = None
    true_label: str = "Ja"
    false_label: str = "Nej"
    _seen: bool = field(default=False, repr=False)

    def iter_rows(self) -> Iterable[Mapping[str, Any]]:
        """The rows, once: a second pass over a streamed query would silently be empty."""
        if self._seen:
            raise RuntimeError("a Table's rows can be written only once")
        self._seen = True
        return self.rows


class Progress:
    """Calls ``on_progress`` every :data:`PROGRESS_EVERY` rows and once at the end."""

    def __init__(self, on_progress: ProgressCallback | None, total: int | None) -> None:
        self.on_progress = on_progress
        self.total = total
        self.done = 0

    def step(self) -> None:
        self.done += 1
        if self.on_progress is not None and self.done % PROGRESS_EVERY == 0:
            self.on_progress(self.done, self.total)

    def finish(self) -> None:
        if self.on_progress is not None:
            self.on_progress(self.done, self.total if self.total is not None else self.done)


def default_width(column: Column) -> int:
    """Column width in characters when the column does not set one."""
    if column.width:
        return column.width
    floor = {Kind.DATE: 12, Kind.DATETIME: 18, Kind.INTEGER: 10, Kind.DECIMAL: 12}
    return max(len(column.label) + 2, floor.get(column.kind, 14))

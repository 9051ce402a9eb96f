"""Classification of records: four levels and their printed Swedish markings.

The levels follow Swedish practice for crime-prevention material: open, internal,
confidential and sensitive (covered by secrecy under OSL, e.g. personal data about
individuals). Confidential and sensitive records need a recorded disclosure ground (or a
consent reference) before they are shared, and every read of them is audited.
The printed marks are capitals as on paper: ÖPPEN, INTERN, KONFIDENTIELL and
SEKRETESS/KÄNSLIG. English texts are used when the locale is en.
"""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l


class Classification(enum.StrEnum):
    OPEN = "open"
    INTERNAL = "internal"
    CONFIDENTIAL = "confidential"
    SENSITIVE = "sensitive"

    @property
    def requires_ground(self) -> bool:
        """A share of such a record needs a disclosure ground or a consent reference."""
        return self in (Classification.CONFIDENTIAL, Classification.SENSITIVE)

    @property
    def audited_on_read(self) -> bool:
        """Every read of such a record is written to the audit log (who, when, on whose behalf)."""
        return self in (Classification.CONFIDENTIAL, Classification.SENSITIVE)


MARKINGS = {
    Classification.OPEN: _l("OPEN"),
    Classification.INTERNAL: _l("INTERNAL"),
    Classification.CONFIDENTIAL: _l("CONFIDENTIAL"),
    Classification.SENSITIVE: _l("SENSITIVE/SECRECY"),
}

LABELS = {
    Classification.OPEN: _l("Open"),
    Classification.INTERNAL: _l("Internal"),
    Classification.CONFIDENTIAL: _l("Confidential"),
    Classification.SENSITIVE: _l("Sensitive"),
}


def marking(classification: Classification | str) -> str:
    """The printed mark in the current locale (Swedish by default)."""
    return str(MARKINGS[Classification(classification)])

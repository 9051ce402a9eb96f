"""Classification markings: the four levels records carry, and their printed Swedish labels.

The levels follow the records' classification (open, internal, confidential, sensitive).
The printed marks are capitals as on paper: ÖPPEN, INTERN, KONFIDENTIELL and
SEKRETESS/KÄNSLIG ("sensitive": material covered by secrecy under OSL, e.g. personal data
about individuals in crime-prevention work). English texts are used when the locale is en.
"""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l


class Classification(enum.StrEnum):
    OPEN = "open"
    INTERNAL = "internal"
    CONFIDENTIAL = "confidential"
    SENSITIVE = "sensitive"


MARKINGS = {
    Classification.OPEN: _l("OPEN"),
    Classification.INTERNAL: _l("INTERNAL"),
    Classification.CONFIDENTIAL: _l("CONFIDENTIAL"),
    Classification.SENSITIVE: _l("SENSITIVE/SECRECY"),
}


def marking(classification: Classification | str) -> str:
    """The printed mark in the current locale (Swedish by default)."""
    return str(MARKINGS[Classification(classification)])

"""Errors the services raise; the web, API and CLI each render them their own way."""

from __future__ import annotations


class SamverkaError(Exception):
    """Base class for expected, user-facing errors."""


class ValidationError(SamverkaError):
    """Bad input; ``field`` names the form field or CLI option it concerns."""

    def __init__(self, message: object, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


class NotFound(SamverkaError):
    """Absent, or not visible to the caller: both answer the same, so nothing leaks."""


class Forbidden(SamverkaError):
    """Visible, but the caller may not do this."""


class Conflict(SamverkaError):
    """The change was based on stale data (someone saved in between) or clashes with the
    current state; reload and try again."""

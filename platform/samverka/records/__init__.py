"""Typed records: owned by one tenant, versioned, shared on purpose, searchable.

Public entry points: :mod:`samverka.records.services` (create, update, share, …),
:mod:`samverka.records.types` (declaring record types) and
:mod:`samverka.classification`. Kept import-light: the exports import the
classification from here.
"""

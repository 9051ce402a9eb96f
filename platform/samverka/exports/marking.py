"""Classification markings for exports: re-exported from :mod:`samverka.records.classification`
(one enum for records and their printed marks)."""

from __future__ import annotations

from samverka.records.classification import MARKINGS, Classification, marking

__all__ = ["MARKINGS", "Classification", "marking"]

"""Shared CLI plumbing: one-line errors, ``--json`` output, an operator's DB session."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Any

import click
from flask_babel import force_locale

from samverka.errors import SamverkaError, ValidationError
from samverka.runtime import db_session

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def emit(as_json: bool, data: Any, text: str | Callable[[], str]) -> None:
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(text() if callable(text) else text)


def operation(func: Callable) -> Callable:
    """Run a command in one transaction; on a known error roll back and exit 1, one line."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:

        session = db_session()
        try:
            with force_locale("en"):
                result = func(*args, **kwargs)
            session.commit()
            return result
        except SamverkaError as error:
            session.rollback()
            with force_locale("en"):
                message = str(error)
            click.echo(f"Error: {message}", err=True)
            sys.exit(1)
        except BaseException:
            session.rollback()
            raise

    return wrapper


def parse_json_option(value: str | None, option: str) -> dict | None:

    if value is None:
        return None
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as error:
        raise ValidationError(
            f"{option} is not valid JSON: {error.msg} at column {error.colno}"
        ) from None
    if not isinstance(parsed, dict):
        raise ValidationError(f"{option} must be a JSON object")
    return parsed

"""A small, safe parser for indicator expressions (DHIS2 style): ``#{element}`` references,
numbers, ``+ - * /`` (also ``− × ÷``) and parentheses. No ``eval``: the text is tokenised and
parsed by recursive descent into a tree of tuples, evaluated against element values."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from samverka.toolkit import ValidationError

TOKEN = re.compile(r"\s*(?:(#\{([A-Za-z0-9_.\-]{1,40})\})|(\d+(?:\.\d+)?)|([-+*/()−×÷]))")
OPERATORS = {"−": "-", "×": "*", "÷": "/"}
MAX_LENGTH = 500

Node = tuple  # ("num", float) | ("ref", code) | (op, left, right) | ("neg", operand)


class NoValue(Exception):
    """The expression has no value: a referenced value is missing/secret, or a zero
    denominator. ``reason`` is ``"missing"`` or ``"zero_denominator"``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Expression:
    text: str
    tree: Node

    @property
    def references(self) -> frozenset[str]:
        return frozenset(_refs(self.tree))

    def evaluate(self, values: dict[str, float | None]) -> float:
        return _eval(self.tree, values)


def _tokens(text: str) -> list[str]:
    tokens, pos = [], 0
    text = text.strip()
    while pos < len(text):
        match = TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise ValidationError(
                _l("Unexpected text in the expression at position %(pos)s.", pos=pos + 1),
                "expression",
            )
        ref, code, number, op = match.groups()
        if ref:
            tokens.append("#" + code)
        elif number:
            tokens.append(number)
        else:
            tokens.append(OPERATORS.get(op, op))
        pos = match.end()
    return tokens


def parse(text: str) -> Expression:
    """Parse ``text``; a syntax error is a :class:`ValidationError`."""
    if not text or len(text) > MAX_LENGTH:
        raise ValidationError(_l("An expression is required (at most 500 characters)."))
    tokens = _tokens(text)
    tree, rest = _sum(tokens)
    if rest:
        raise ValidationError(_l("The expression is not well formed."), "expression")
    return Expression(text, tree)


def _sum(tokens: list[str]) -> tuple[Node, list[str]]:
    left, tokens = _product(tokens)
    while tokens and tokens[0] in "+-":
        op, (right, tokens) = tokens[0], _product(tokens[1:])
        left = (op, left, right)
    return left, tokens


def _product(tokens: list[str]) -> tuple[Node, list[str]]:
    left, tokens = _unary(tokens)
    while tokens and tokens[0] in "*/":
        op, (right, tokens) = tokens[0], _unary(tokens[1:])
        left = (op, left, right)
    return left, tokens


def _unary(tokens: list[str]) -> tuple[Node, list[str]]:
    if not tokens:
        raise ValidationError(_l("The expression is not well formed."), "expression")
    head, rest = tokens[0], tokens[1:]
    if head == "-":
        operand, rest = _unary(rest)
        return ("neg", operand), rest
    if head == "(":
        inner, rest = _sum(rest)
        if not rest or rest[0] != ")":
            raise ValidationError(_l("The expression is not well formed."), "expression")
        return inner, rest[1:]
    if head.startswith("#"):
        return ("ref", head[1:]), rest
    if head[0].isdigit():
        return ("num", float(head)), rest
    raise ValidationError(_l("The expression is not well formed."), "expression")


def _refs(node: Node):
    if node[0] == "ref":
        yield node[1]
    elif node[0] != "num":
        for child in node[1:]:
            yield from _refs(child)


def _eval(node: Node, values: dict[str, float | None]) -> float:
    kind = node[0]
    if kind == "num":
        return node[1]
    if kind == "ref":
        value = values.get(node[1])
        if value is None:
            raise NoValue("missing")
        return float(value)
    if kind == "neg":
        return -_eval(node[1], values)
    left, right = _eval(node[1], values), _eval(node[2], values)
    if kind == "+":
        return left + right
    if kind == "-":
        return left - right
    if kind == "*":
        return left * right
    if right == 0:
        raise NoValue("zero_denominator")
    return left / right

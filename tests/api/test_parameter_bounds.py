"""Every integer and date a client puts in an API URL has declared bounds, and a value
outside them (or not a number at all) is a 4xx problem, never a 500 (finding 7).

Both tests walk the OpenAPI document, so a new parameter without bounds fails the first
and is attacked by the second without anyone listing it here.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from apikit import bearer

from samverka.api.problems import PROBLEM_JSON

NUMERIC = {"integer", "number"}
DATES = {"date", "date-time"}
BAD_NUMBERS = [
    str(2**64),
    str(2**63),
    str(2**31),  # one past the largest INTEGER id
    "-1",
    "0",
    "1e309",
    "",
    "١٢",  # Arabic-Indic digits: int() takes them
    "１２",  # fullwidth digits
    " 12",
    "1_2",
    "9" * 5000,  # past int()'s digit limit
]
BAD_DATES = ["", "0", "-1", str(2**64), "1e309", "0001-01-01", "9999-12-31", "2024-02-30"]
BAD_DATES += ["٢٠٢٤-٠١-٠١"]


def _types(schema: dict) -> set[str]:
    kind = schema.get("type", [])
    return set(kind if isinstance(kind, list) else [kind])


def checked_parameters(spec: dict) -> list[tuple[str, str, dict, dict]]:
    """(method, path, operation, parameter) for every integer or date parameter."""
    found = []
    for path, item in spec["paths"].items():
        shared = item.get("parameters", [])
        for method, operation in item.items():
            if method == "parameters":
                continue
            for parameter in shared + operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if _types(schema) & NUMERIC or schema.get("format") in DATES:
                    found.append((method.upper(), path, operation, parameter))
    return found


def test_every_integer_and_date_parameter_declares_its_bounds(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    parameters = checked_parameters(spec)
    assert len(parameters) > 40  # the walk finds them (ids, limits, years, dates)
    assert any(p["in"] == "query" for *_, p in parameters)
    assert any(p["schema"].get("format") == "date" for *_, p in parameters)
    unbounded = []
    for method, path, _operation, parameter in parameters:
        schema = parameter["schema"]
        low, high = (
            ("minimum", "maximum") if _types(schema) & NUMERIC else ("x-minimum", "x-maximum")
        )
        if low not in schema or high not in schema:
            unbounded.append(f"{method} {path} {parameter['in']}:{parameter['name']}")
    assert unbounded == [], "parameters without declared bounds"


def _valid(parameter: dict) -> str:
    schema = parameter.get("schema", {})
    if parameter["name"] == "tenant":
        return "sunne"
    if _types(schema) & NUMERIC:
        return str(schema.get("minimum", 1))
    return "x"


def _url(path: str, operation_params: list[dict], name: str, value: str) -> tuple[str, str]:
    """The path with every path parameter filled (the attacked one with ``value``), and
    the query for a query parameter."""
    by_name = {p["name"]: p for p in operation_params if p["in"] == "path"}

    def fill(match: re.Match) -> str:
        key = match.group(1)
        given = value if key == name else _valid(by_name.get(key, {"name": key}))
        return quote(given, safe="")

    return re.sub(r"{([^}]+)}", fill, path), ""


@pytest.fixture
def attack(app, client, tenant_pair, with_plugins, token_a):
    with_plugins(tenant_pair.a, "testplugin", "indicators")
    spec = client.get("/api/v1/openapi.json").get_json()
    return spec, bearer(token_a)


def test_out_of_range_and_malformed_values_are_refused(client, attack):
    spec, headers = attack
    seen = {"path": 0, "query": 0}
    failures = []
    for method, path, operation, parameter in checked_parameters(spec):
        params = spec["paths"][path].get("parameters", []) + operation.get("parameters", [])
        where, name = parameter["in"], parameter["name"]
        is_date = parameter["schema"].get("format") in DATES
        for value in BAD_DATES if is_date else BAD_NUMBERS:
            if where == "path" and value == "":
                continue  # an empty segment is another path, not this parameter's value
            url, _ = _url(path, params, name, value)
            if where == "query":
                url += f"?{quote(name)}={quote(value, safe='')}"
            response = client.open(url, method=method, headers=headers, json={})
            expected = 404 if where == "path" else 422
            if response.status_code != expected or response.mimetype != PROBLEM_JSON:
                failures.append((method, url[:120], response.status_code))
            seen[where] += 1
    assert seen["path"] > 100 and seen["query"] > 20
    assert failures == []


def test_a_64_bit_actor_id_is_a_validation_problem(client, attack):
    """The review's example: ``actor_user_id`` past 64 bits was a 500 (SQLite cannot bind it)."""
    _spec, headers = attack
    response = client.get(f"/api/v1/tenants/sunne/audit?actor_user_id={2**64}", headers=headers)
    assert response.status_code == 422
    assert response.mimetype == PROBLEM_JSON
    assert "actor_user_id" in response.get_json()["errors"]

"""schemathesis against the API served over HTTP on loopback (a real server in a thread),
as Sunne's administrator with a bearer token and Sunne's real slug in ``{tenant}``: every
operation, valid and invalid requests, and never a 5xx.

``test_openapi.py`` drives the same document in-process (WSGI); this run goes through a
socket, so header parsing, chunking and the server's own error paths are in the loop too.
Budget: about half a minute per backend on CI's two cores.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import pytest
import requests
import schemathesis
from apikit import bearer
from hypothesis import HealthCheck, given, settings, strategies
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from werkzeug.serving import WSGIRequestHandler, make_server

#: Per operation and mode: ~75 operations x 2 modes x 4 = ~600 requests (CI's budget); a deeper
#: run: SAMVERKA_FUZZ_EXAMPLES=25.
EXAMPLES = int(os.environ.get("SAMVERKA_FUZZ_EXAMPLES", "4"))


class Quiet(WSGIRequestHandler):
    def log_request(self, *_args) -> None:  # samverka.access logs each request already
        pass


@pytest.fixture
def served(app) -> Iterator[str]:
    """The test app behind werkzeug's threaded HTTP server on a free loopback port."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
    thread = threading.Thread(target=server.serve_forever, name="served-api", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def test_no_operation_answers_a_server_error_over_http(served, tenant_pair, with_plugins, token_a):
    with_plugins(tenant_pair.a, "testplugin", "indicators")
    schema = schemathesis.openapi.from_url(f"{served}/api/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 60
    session = requests.Session()
    headers = bearer(token_a)
    failures: list[str] = []
    statuses: dict[int, int] = {}  # by class: 2 → 2xx

    for operation in operations:
        pinned = {"tenant": "sunne"} if "{tenant}" in operation.path else None
        strategy = strategies.one_of(
            operation.as_strategy(GenerationMode.POSITIVE, path_parameters=pinned),
            operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=pinned),
        )

        @given(case=strategy)
        @settings(
            max_examples=2 * EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def no_server_error(case) -> None:
            if "tenant" in (case.path_parameters or {}):
                case.path_parameters["tenant"] = "sunne"  # negative mode may replace it
            response = case.call(base_url=served, session=session, headers=headers)
            statuses[response.status_code // 100] = statuses.get(response.status_code // 100, 0) + 1
            case.validate_response(response, checks=[not_a_server_error])

        try:
            no_server_error()
        except Exception as failure:  # collect every operation's, then fail once
            failures.append(f"{operation.method.upper()} {operation.path}: {failure}"[:2000])
    assert failures == [], "\n\n".join(failures)
    assert statuses.get(2, 0) > 20 and statuses.get(4, 0) > 100, statuses  # real answers

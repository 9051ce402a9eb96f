"""Who acts and from where, found automatically for each audit entry.

In a web request: the signed-in user (``g.user``); in an API request the token's user and the
token (``g.api_caller``); the tenant in the URL (``g.tenant``) is the tenant acted on behalf
of; the client address is ``request.remote_addr`` (ProxyFix has corrected it). Outside a
request: whoever :func:`acting_as` names (the CLI names the operator), else ``system`` (a job;
the job's name is the label). The request id comes from the logging context, which requests
and jobs both set.
"""

from __future__ import annotations

import contextvars
import getpass
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass

from flask import g, has_app_context, has_request_context, request

from samverka import logs

USER, TOKEN, OPERATOR, SYSTEM, ANONYMOUS = "user", "token", "operator", "system", "anonymous"


@dataclass(frozen=True)
class Actor:
    kind: str
    user_id: int | None = None
    token_id: int | None = None
    label: str | None = None
    on_behalf_tenant_id: int | None = None
    client_address: str | None = None
    request_id: str | None = None


_override: contextvars.ContextVar[Actor | None] = contextvars.ContextVar(
    "samverka_audit_actor", default=None
)


@contextmanager
def acting_as(
    kind: str,
    *,
    user_id: int | None = None,
    label: str | None = None,
    on_behalf_tenant_id: int | None = None,
) -> Iterator[Actor]:
    """Name the actor of the events recorded inside the block (CLI, jobs, seeding)."""
    actor = Actor(kind, user_id=user_id, label=label, on_behalf_tenant_id=on_behalf_tenant_id)
    token = _override.set(actor)
    try:
        yield actor
    finally:
        _override.reset(token)


def operator() -> AbstractContextManager[Actor]:
    """The CLI's actor: the operator, labelled with the operating-system account."""
    return acting_as(OPERATOR, label=_os_user())


def _os_user() -> str | None:
    try:
        return getpass.getuser()[:64]
    except (KeyError, OSError):  # no passwd entry (a container's arbitrary uid)
        return None


def current_actor() -> Actor:
    """The actor for an entry recorded now."""
    request_id = logs.current_request_id()
    chosen = _override.get()
    if chosen is not None:
        return _with(chosen, request_id)
    if has_request_context():
        return _from_request(request_id)
    job = logs.current_context().get("job")
    return Actor(SYSTEM, label=str(job)[:64] if job else None, request_id=request_id)


def _with(actor: Actor, request_id: str | None) -> Actor:
    address = request.remote_addr if has_request_context() else None
    return Actor(
        actor.kind,
        actor.user_id,
        actor.token_id,
        actor.label,
        actor.on_behalf_tenant_id,
        _address(address),
        request_id,
    )


def _from_request(request_id: str | None) -> Actor:
    tenant = g.get("tenant") if has_app_context() else None
    tenant_id = tenant.id if tenant is not None else None
    address = _address(request.remote_addr)
    api_caller = g.get("api_caller")
    if api_caller is not None:
        return Actor(
            TOKEN, api_caller.user.id, api_caller.token.id, None, tenant_id, address, request_id
        )
    user = g.get("user")
    if user is not None:
        return Actor(USER, user.id, None, None, tenant_id, address, request_id)
    return Actor(ANONYMOUS, None, None, None, tenant_id, address, request_id)


def _address(address: str | None) -> str | None:
    return address[:64] if address else None

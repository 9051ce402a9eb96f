"""The tamper-evident audit log: who did what, to what, for which tenant, when and from where.

Other code records events through one function::

    from samverka.audit import record_event

    record_event(session, "member.add", tenant_id=tenant.id,
                 target_type="user", target_id=user.id, details={"role": "editor"})

    def record_event(session, action: str, *, tenant_id: int | None,
                     target_type: str | None = None, target_id: str | int | None = None,
                     outcome: str = "success",  # success | denied | failure
                     details: dict | None = None) -> AuditEntry

- The entry belongs to ``session``'s transaction, the same as the change it records: it is
  built at once (time, actor) and written when the caller commits; a rollback removes both.
  Its ``id``, ``seq`` and ``hash`` are set at the commit (or by ``flush_pending(session)``).
  Chains are locked only during the commit, always in the same order (no deadlocks). A
  transaction that is never committed (a GET view that does not commit, ``close()``)
  records nothing: a view that records a read must commit.
- ``action`` is ``<area>.<verb>`` (``auth.login``, ``member.add``, ``record.read``…);
  ``tenant_id`` None files the event in the platform chain (failed log-in of an unknown
  address, consortium and platform administration, log-ins).
- Who and where are found automatically (:mod:`samverka.audit.context`): the signed-in user or
  the API token and its user, the tenant in the URL (``on_behalf_tenant_id``), the client
  address, the request id (requests and jobs); at the CLI the operator; in a job ``system``
  with the job's name. ``acting_as(kind, user_id=…)`` names the actor explicitly.
- ``details`` holds ids, flags, field and role names only: no secrets, no free text, no
  e-mail addresses. A secret-looking key (``password``, ``secret``, ``token``…) or text with
  spaces or ``@`` raises :class:`AuditDetailsError` (a programming error, caught by tests).

Entries form one SHA-256 hash chain per tenant plus one platform chain
(:mod:`samverka.audit.chain`); ``samverka audit verify`` walks them
(:mod:`samverka.audit.verify`). On PostgreSQL the app role may only INSERT and SELECT entries
(:func:`samverka.rls.apply_audit`); purging past retention keeps the chains verifiable
(:mod:`samverka.audit.retention`).
"""

from samverka.audit.context import acting_as, current_actor
from samverka.audit.events import (
    AuditDetailsError,
    clean_details,
    field_names,
    flush_pending,
    record_event,
)
from samverka.audit.models import PLATFORM_SCOPE_ID, AuditChainHead, AuditEntry, AuditReview
from samverka.audit.scope import all_chains_scope, platform_scope

__all__ = [
    "PLATFORM_SCOPE_ID",
    "AuditChainHead",
    "AuditDetailsError",
    "AuditEntry",
    "AuditReview",
    "acting_as",
    "all_chains_scope",
    "clean_details",
    "current_actor",
    "field_names",
    "flush_pending",
    "platform_scope",
    "record_event",
]

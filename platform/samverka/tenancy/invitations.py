"""Joining a consortium by consent: a consortium invites, the organisation decides.

A consortium's administrators hold the consortium administrator role in every member
organisation (:func:`samverka.auth.authorization.role_queries` derives it from
``consortium_tenants``), so adding an organisation to a consortium hands power over it to
people it never chose. That step therefore belongs to the organisation: a consortium's
administrator *invites* an existing organisation, and it joins only when its own
administrator accepts (or a platform administrator, deliberately and on the record, on its
behalf). Until then the consortium's administrators have no role in it.

Only the operator at the command line adds members directly (it is trusted with the whole
platform), as does a consortium administrator creating a brand-new organisation (which has
no administrators of its own yet).

Every step is audited twice, in the organisation's chain (its administrators see who tried
to bring it where) and in the platform chain (where consortium-level events live).
"""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from samverka import clock
from samverka.audit import record_event
from samverka.auth import consortium_grants
from samverka.errors import NotFound, ValidationError
from samverka.tenants.models import (
    Consortium,
    ConsortiumInvitation,
    InvitationStatus,
    Tenant,
)

#: How long an invitation stays open; after that it is expired and must be sent again.
INVITATION_DAYS = 30
PENDING = InvitationStatus.PENDING


def invite(
    session: Session, consortium: Consortium, tenant: Tenant, *, invited_by: int | None
) -> ConsortiumInvitation:
    """Invite ``tenant`` to ``consortium``: nothing changes for the tenant until it accepts."""
    if consortium in tenant.consortia:
        raise ValidationError(_l("%(tenant)s is already a member.", tenant=tenant.name), "tenant")
    expire_overdue(session, consortium_id=consortium.id, tenant_id=tenant.id)
    if _open_invitation(session, consortium.id, tenant.id) is not None:
        raise ValidationError(
            _l("%(tenant)s has already been invited.", tenant=tenant.name), "tenant"
        )
    now = clock.now()
    invitation = ConsortiumInvitation(
        consortium=consortium,
        tenant=tenant,
        status=PENDING,
        invited_by=invited_by,
        invited_at=now,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    try:
        with session.begin_nested():  # a concurrent invitation of the same pair: one wins
            session.add(invitation)
            session.flush()
    except IntegrityError:
        raise ValidationError(
            _l("%(tenant)s has already been invited.", tenant=tenant.name), "tenant"
        ) from None
    _audit(session, "consortium.invitation_create", invitation)
    return invitation


def withdraw(session: Session, invitation: ConsortiumInvitation, *, by: int | None) -> None:
    """The consortium takes back an invitation that is still open."""
    _decide(session, invitation, InvitationStatus.WITHDRAWN, by)
    _audit(session, "consortium.invitation_withdraw", invitation)


def decline(session: Session, invitation: ConsortiumInvitation, *, by: int | None) -> None:
    """The organisation says no; the consortium may invite it again later."""
    _decide(session, invitation, InvitationStatus.DECLINED, by)
    _audit(session, "consortium.invitation_decline", invitation)


def accept(
    session: Session, invitation: ConsortiumInvitation, *, by: int | None, on_behalf: bool
) -> None:
    """The organisation joins: from now on the consortium's administrators act in it.

    ``on_behalf``: a platform administrator accepted for the organisation (recorded as such).
    """
    _decide(session, invitation, InvitationStatus.ACCEPTED, by)
    details = {"on_behalf": on_behalf}
    _audit(session, "consortium.invitation_accept", invitation, details)
    tenant, consortium = invitation.tenant, invitation.consortium
    if consortium not in tenant.consortia:  # the operator may have added it meanwhile
        tenant.consortia.append(consortium)
        session.flush()
        record_membership(
            session,
            "consortium.tenant_add",
            tenant,
            consortium,
            {"via": "invitation", "invitation_id": invitation.id, **details},
        )


def leave(session: Session, tenant: Tenant, consortium: Consortium) -> None:
    """The organisation leaves: the consortium's administrators lose their role in it at
    once (the role is derived from the membership at every request), and every role granted
    through the consortium's power is revoked."""
    _remove(session, tenant, consortium, "consortium.tenant_leave")


def remove(session: Session, tenant: Tenant, consortium: Consortium) -> None:
    """The consortium (or the operator) removes a member."""
    _remove(session, tenant, consortium, "consortium.tenant_remove")


def _remove(session: Session, tenant: Tenant, consortium: Consortium, action: str) -> None:
    if consortium not in tenant.consortia:
        raise NotFound(
            _l(
                "%(tenant)s is not a member of %(consortium)s.",
                tenant=tenant.name,
                consortium=consortium.name,
            )
        )
    # roles granted through the consortium's power end with it, in the same transaction;
    # first, each audited (the database would otherwise cascade them away unrecorded)
    consortium_grants.revoke_through(session, tenant, consortium, because=action)
    tenant.consortia.remove(consortium)
    session.flush()
    record_membership(session, action, tenant, consortium)


def record_membership(
    session: Session,
    action: str,
    tenant: Tenant,
    consortium: Consortium,
    details: dict | None = None,
) -> None:
    """A change of membership, in the organisation's chain and in the platform's."""
    details = {"consortium": consortium.slug, "tenant": tenant.slug, **(details or {})}
    for chain in (tenant.id, None):
        record_event(
            session,
            action,
            tenant_id=chain,
            target_type="consortium",
            target_id=consortium.id,
            details=details,
        )


def pending_for_consortium(session: Session, consortium: Consortium) -> list[ConsortiumInvitation]:
    """The consortium's open invitations (for its administrators)."""
    expire_overdue(session, consortium_id=consortium.id)
    return list(
        session.scalars(
            select(ConsortiumInvitation)
            .join(ConsortiumInvitation.tenant)
            .where(ConsortiumInvitation.consortium_id == consortium.id)
            .where(ConsortiumInvitation.status == PENDING)
            .order_by(Tenant.name)
            .execution_options(populate_existing=True)
        )
    )


def pending_for_tenant(session: Session, tenant: Tenant) -> list[ConsortiumInvitation]:
    """The organisation's open invitations (for its administrators)."""
    expire_overdue(session, tenant_id=tenant.id)
    return list(
        session.scalars(
            select(ConsortiumInvitation)
            .join(ConsortiumInvitation.consortium)
            .where(ConsortiumInvitation.tenant_id == tenant.id)
            .where(ConsortiumInvitation.status == PENDING)
            .order_by(Consortium.name)
            .execution_options(populate_existing=True)
        )
    )


def open_invitation_of_tenant(
    session: Session, tenant: Tenant, invitation_id: int
) -> ConsortiumInvitation:
    """An open invitation addressed to ``tenant``; another's is as unknown as a missing one."""
    return _found(session, invitation_id, ConsortiumInvitation.tenant_id == tenant.id)


def open_invitation_of_consortium(
    session: Session, consortium: Consortium, invitation_id: int
) -> ConsortiumInvitation:
    """An open invitation sent by ``consortium``."""
    return _found(session, invitation_id, ConsortiumInvitation.consortium_id == consortium.id)


def settle_for_member(session: Session, consortium: Consortium, tenant: Tenant) -> None:
    """The operator added the organisation directly: an open invitation of the pair is moot
    (closed as accepted, by nobody: the membership event says who)."""
    session.execute(
        update(ConsortiumInvitation)
        .where(
            ConsortiumInvitation.consortium_id == consortium.id,
            ConsortiumInvitation.tenant_id == tenant.id,
            ConsortiumInvitation.status == PENDING,
        )
        .values(status=InvitationStatus.ACCEPTED, decided_at=clock.now())
        .execution_options(synchronize_session=False)
    )


def expire_overdue(
    session: Session, *, consortium_id: int | None = None, tenant_id: int | None = None
) -> int:
    """Mark open invitations past their time as expired (lazily, where they are looked at:
    an expired invitation can no longer be accepted, and a new one may be sent)."""
    statement = (
        update(ConsortiumInvitation)
        .where(ConsortiumInvitation.status == PENDING)
        .where(ConsortiumInvitation.expires_at <= clock.now())
        .values(status=InvitationStatus.EXPIRED)
        .execution_options(synchronize_session=False)
    )
    if consortium_id is not None:
        statement = statement.where(ConsortiumInvitation.consortium_id == consortium_id)
    if tenant_id is not None:
        statement = statement.where(ConsortiumInvitation.tenant_id == tenant_id)
    return session.execute(statement).rowcount


def _found(session: Session, invitation_id: int, side) -> ConsortiumInvitation:
    invitation = session.scalar(
        select(ConsortiumInvitation)
        .where(ConsortiumInvitation.id == invitation_id, side)
        .execution_options(populate_existing=True)  # expire_overdue bypasses the identity map
    )
    if invitation is None or not _is_open(invitation):
        raise NotFound(_l("No such open invitation."))
    return invitation


def _is_open(invitation: ConsortiumInvitation) -> bool:
    return invitation.status is PENDING and clock.aware(invitation.expires_at) > clock.now()


def _open_invitation(
    session: Session, consortium_id: int, tenant_id: int
) -> ConsortiumInvitation | None:
    return session.scalar(
        select(ConsortiumInvitation).where(
            ConsortiumInvitation.consortium_id == consortium_id,
            ConsortiumInvitation.tenant_id == tenant_id,
            ConsortiumInvitation.status == PENDING,
        )
    )


def _decide(
    session: Session,
    invitation: ConsortiumInvitation,
    status: InvitationStatus,
    by: int | None,
) -> None:
    """Close an open invitation, once: a conditional UPDATE, so that of two concurrent
    decisions (accept and withdraw) exactly one takes effect."""
    now = clock.now()
    changed = session.execute(
        update(ConsortiumInvitation)
        .where(
            ConsortiumInvitation.id == invitation.id,
            ConsortiumInvitation.status == PENDING,
            ConsortiumInvitation.expires_at > now,
        )
        .values(status=status, decided_by=by, decided_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(invitation)
    if changed != 1:
        raise ValidationError(_l("The invitation is no longer open."), "invitation")


def _audit(
    session: Session,
    action: str,
    invitation: ConsortiumInvitation,
    details: dict | None = None,
) -> None:
    """One invitation step, in the organisation's chain and in the platform's."""
    details = {
        "consortium": invitation.consortium.slug,
        "tenant": invitation.tenant.slug,
        "consortium_id": invitation.consortium_id,
        **(details or {}),
    }
    for chain in (invitation.tenant_id, None):
        record_event(
            session,
            action,
            tenant_id=chain,
            target_type="consortium_invitation",
            target_id=invitation.id,
            details=details,
        )

"""The records' public API, used by the web, the API, the CLI, jobs and plugins.

Every function takes the session, acts within the session's tenant scope (the ORM criteria
and PostgreSQL RLS decide what is visible), decides through :func:`authorize` with the named
``tenant:records:*`` actions, and records audit entries in the caller's transaction. The
caller commits (a read of a confidential record leaves an audit entry to commit too).

``user`` is a :class:`~samverka.auth.models.User`, a
:class:`~samverka.auth.authorization.Principal` (an API token's, capped) or None (the
operator at the command line).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, BinaryIO

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from samverka import clock
from samverka.audit.events import DETAIL_TEXT, record_event
from samverka.classification import Classification
from samverka.db import get_scope
from samverka.errors import Conflict, Forbidden, NotFound, ValidationError
from samverka.records import disclosure, search, storage
from samverka.records.access import may, principal_of, record_type_of, record_types
from samverka.records.listing import audit_listing
from samverka.records.models import Attachment, Record, RecordShare, RecordVersion
from samverka.records.types import RecordType, validate
from samverka.records.visibility import active_share, names_scope, shares
from samverka.runtime import runtime
from samverka.tenants.models import Consortium, Tenant

READ = "tenant:records:read"
WRITE = "tenant:records:write"
DELETE = "tenant:records:delete"
SHARE = "tenant:records:share"
READ_PERSONAL = disclosure.READ_PERSONAL  # decided in samverka.records.disclosure only
ATTACHMENTS = "tenant:records:attachments"
TITLE_MAX = 300
GROUND_MAX = 2000
CONSENT_MAX = 200
REASON_MAX = 200


# -- context ---------------------------------------------------------------------------------


def _runtime():
    return runtime()


def _require(session: Session, user: Any, action: str, tenant: Tenant) -> None:
    if not may(session, user, action, tenant):
        raise Forbidden(_l("You may not do that in %(tenant)s.", tenant=tenant.name))


def _scope_tenant(session: Session) -> Tenant:
    """The one tenant the session acts for (writes need exactly one)."""
    scope = get_scope(session)
    if len(scope.tenant_ids) != 1:
        raise Forbidden(_l("Choose one organisation to act for."))
    return _tenant(session, scope.tenant_ids[0])


def _tenant(session: Session, tenant_id: int) -> Tenant:
    tenant = session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound(_l("No such organisation."))
    return tenant


def _owned(session: Session, record: Record, user: Any, action: str) -> Tenant:
    """The owner tenant, when the session acts for it and ``user`` may ``action`` there.
    Receivers of a share get Forbidden: shares never move ownership."""
    if record not in session:  # a detached row's changes would be lost without a word
        raise ValueError("the record is not in this session (load it in this unit of work)")
    tenant = _scope_tenant(session)
    if record.tenant_id != tenant.id:
        raise Forbidden(_l("Only the organisation that owns the record may change it."))
    _require(session, user, action, tenant)
    return tenant


def _user_id(user: Any) -> int | None:
    return principal_of(user).user_id


def require_owner(session: Session, record: Record, user: Any, action: str) -> Tenant:
    """For modules that attach rows of their own to a record (decisions, problems): the
    owner tenant, when the session acts for it and ``user`` may ``action`` there; receivers
    of a share get Forbidden."""
    return _owned(session, record, user, action)


def user_id_of(user: Any) -> int | None:
    """The acting user's id (None for the operator or a token without a user)."""
    return _user_id(user)


def _clean_title(title: Any) -> str:
    if not isinstance(title, str) or not title.strip():
        raise ValidationError(_l("Enter a title."), "title")
    title = " ".join(title.split())
    if len(title) > TITLE_MAX:
        raise ValidationError(
            _l("The title may be at most %(max)s characters long.", max=TITLE_MAX), "title"
        )
    return title


def _classification(value: Any, default: Classification) -> Classification:
    if value is None or value == "":
        return default
    try:
        return Classification(value)
    except ValueError:
        raise ValidationError(
            _l("Choose a classification: open, internal, confidential or sensitive."),
            "classification",
        ) from None


def _snapshot(session: Session, record: Record, user: Any) -> RecordVersion:
    version = RecordVersion(
        tenant_id=record.tenant_id,
        record_id=record.id,
        version=record.version,
        title=record.title,
        classification=record.classification,
        data=dict(record.data or {}),
        created_by_id=_user_id(user),
        created_at=record.updated_at,
    )
    session.add(version)
    return version


def _audit(session: Session, action: str, record: Record, **details: Any) -> None:
    record_event(
        session,
        action,
        tenant_id=record.tenant_id,
        target_type="record",
        target_id=record.id,
        details={"type": record.type_name, **details},
    )


# -- records ---------------------------------------------------------------------------------


def create_record(
    session: Session,
    *,
    record_type: RecordType | str,
    title: str,
    data: Mapping[str, Any] | None,
    classification: Classification | str | None = None,
    user: Any,
) -> Record:
    """A new record of the session's tenant, version 1, indexed and audited."""
    kind = record_types().get(record_type) if isinstance(record_type, str) else record_type
    tenant = _scope_tenant(session)
    _require(session, user, WRITE, tenant)
    title = _clean_title(title)
    cleaned = validate(kind, data)
    level = _classification(classification, kind.default_classification)
    now = clock.now()
    record = Record(
        tenant_id=tenant.id,
        type_name=kind.name,
        title=title,
        classification=level,
        data=cleaned,
        created_by_id=_user_id(user),
        updated_by_id=_user_id(user),
        created_at=now,
        updated_at=now,
    )
    session.add(record)
    session.flush()
    _snapshot(session, record, user)
    search.index_record(session, record, kind)
    _audit(session, "record.create", record, classification=level.value, version=record.version)
    return record


def update_record(
    session: Session,
    record: Record,
    *,
    title: str | None = None,
    data: Mapping[str, Any] | None = None,
    classification: Classification | str | None = None,
    expected_version: int | None = None,
    user: Any,
) -> Record:
    """Change a record; ``data`` is merged into the current fields (a field given as None or
    "" is cleared). ``expected_version``: the version the change was based on; another save
    in between raises :class:`Conflict`. Nothing changed: nothing saved."""
    _owned(session, record, user, WRITE)
    if record.is_deleted:
        raise Conflict(_l("The record is deleted; restore it first."))
    if expected_version is not None and expected_version != record.version:
        raise Conflict(
            _l(
                "Someone else saved the record (version %(now)s, you edited %(was)s). "
                "Reload it and make your change again.",
                now=record.version,
                was=expected_version,
            )
        )
    kind = record_type_of(record)
    new_title = record.title if title is None else _clean_title(title)
    merged = dict(record.data or {})
    if data is not None:
        if not isinstance(data, Mapping):
            validate(kind, data)  # raises the field-level error
        merged.update(data)
    cleaned = validate(kind, merged)
    level = _classification(classification, record.classification)
    _check_shares_allow(session, record, level)
    changed = sorted(
        [
            name
            for name in set(cleaned) | set(record.data or {})
            if cleaned.get(name) != (record.data or {}).get(name)
        ]
        + (["title"] if new_title != record.title else [])
        + (["classification"] if level != record.classification else [])
    )
    if not changed:
        return record
    record.title, record.data, record.classification = new_title, cleaned, level
    record.updated_by_id, record.updated_at = _user_id(user), clock.now()
    try:
        session.flush()
    except StaleDataError:
        raise Conflict(_l("Someone else saved the record at the same time. Reload it.")) from None
    _snapshot(session, record, user)
    search.index_record(session, record, kind)
    _audit(session, "record.update", record, version=record.version, fields=changed)
    return record


def _check_shares_allow(session: Session, record: Record, level: Classification) -> None:
    """Raising a record to confidential or sensitive must not leave it shared without the
    disclosure ground such a share needs: the owner records grounds (new shares) or revokes
    the old shares first, so no receiver keeps reading it on a share that would be refused."""
    if not level.requires_ground or Classification(record.classification).requires_ground:
        return
    now = clock.now()
    bare = [
        share
        for share in session.scalars(select(RecordShare).where(RecordShare.record_id == record.id))
        if share.is_active(now) and not (share.ground or share.consent_reference)
    ]
    if bare:
        raise ValidationError(
            _l(
                "The record is shared without a disclosure ground (%(count)s shares). Revoke "
                "those shares, or share again with a ground, before raising the classification.",
                count=len(bare),
            ),
            "classification",
        )


def delete_record(session: Session, record: Record, *, user: Any) -> Record:
    """Soft delete: hidden everywhere, restorable for ``SAMVERKA_RECORD_RESTORE_DAYS``."""
    _owned(session, record, user, DELETE)
    if record.is_deleted:
        raise Conflict(_l("The record is already deleted."))
    record.deleted_at, record.deleted_by_id = clock.now(), _user_id(user)
    session.flush()
    _audit(session, "record.delete", record)
    return record


def restore_window() -> timedelta:
    return timedelta(days=_runtime().settings.record_restore_days)


def restore_record(session: Session, record: Record, *, user: Any) -> Record:
    _owned(session, record, user, DELETE)
    if not record.is_deleted:
        raise Conflict(_l("The record is not deleted."))
    if clock.aware(record.deleted_at) + restore_window() < clock.now():
        raise ValidationError(_l("The record was deleted too long ago to be restored."))
    record.deleted_at = record.deleted_by_id = None
    session.flush()
    _audit(session, "record.restore", record)
    return record


def get_record(
    session: Session,
    record_id: int,
    *,
    user: Any,
    viewer_tenant: Tenant,
    include_deleted: bool = False,
) -> Record:
    """A record visible in the session's scope (own or shared), else :class:`NotFound`.
    A read of a confidential or sensitive record is audited in the owner's log, naming the
    reading tenant. ``include_deleted``: the owner's view of its deleted records."""
    _require(session, user, READ, viewer_tenant)
    try:
        record_id = int(record_id)
    except (TypeError, ValueError):
        raise NotFound(_l("No such record.")) from None
    record = session.scalars(select(Record).where(Record.id == record_id)).one_or_none()
    if record is None or (
        record.is_deleted and not (include_deleted and record.tenant_id == viewer_tenant.id)
    ):
        raise NotFound(_l("No such record."))
    if Classification(record.classification).audited_on_read:
        _audit(
            session,
            "record.read",
            record,
            viewer_tenant_id=viewer_tenant.id,
            shared=record.tenant_id != viewer_tenant.id,
        )
    return record


def list_records(
    session: Session,
    *,
    viewer_tenant: Tenant,
    user: Any,
    record_type: str | None = None,
    include_shared: bool = True,
    after: int | None = None,
    limit: int = 50,
    deleted: bool = False,
    via: str | None = None,
) -> list[Record]:
    """Visible records, newest first, keyset by id (``after``: the last id of the previous
    page). ``deleted``: the viewer's own deleted records instead (to restore).

    ``via`` (``"web"``, ``"api"``, ``"export"``…): the list is shown to someone, so the
    confidential and sensitive records in it are audited (:mod:`samverka.records.listing`,
    in the caller's transaction: the caller commits). None: the rows stay inside the
    program (a count, a check) and nobody sees their titles."""
    rows = _listed(
        session,
        viewer_tenant=viewer_tenant,
        user=user,
        record_type=record_type,
        include_shared=include_shared,
        after=after,
        limit=limit,
        deleted=deleted,
    )
    return _audited(session, rows, viewer_tenant, via)


def list_records_page(
    session: Session,
    *,
    viewer_tenant: Tenant,
    user: Any,
    via: str,
    page_size: int,
    record_type: str | None = None,
    include_shared: bool = True,
    after: int | None = None,
) -> tuple[list[Record], bool]:
    """One keyset page of :func:`list_records` and whether more follow; only the page's
    records are audited (the extra one read to know that more follow is not shown)."""
    rows = _listed(
        session,
        viewer_tenant=viewer_tenant,
        user=user,
        record_type=record_type,
        include_shared=include_shared,
        after=after,
        limit=page_size + 1,
        deleted=False,
    )
    return _audited(session, rows[:page_size], viewer_tenant, via), len(rows) > page_size


def _audited(session: Session, rows: list[Record], viewer: Tenant, via: str | None) -> list:
    if via is not None:
        audit_listing(session, rows, viewer, via=via)
    return rows


def _listed(
    session: Session,
    *,
    viewer_tenant: Tenant,
    user: Any,
    record_type: str | None,
    include_shared: bool,
    after: int | None,
    limit: int,
    deleted: bool,
) -> list[Record]:
    _require(session, user, READ, viewer_tenant)
    query = select(Record).order_by(Record.id.desc()).limit(limit)
    if deleted:
        query = query.where(Record.deleted_at.is_not(None), Record.tenant_id == viewer_tenant.id)
    else:
        query = query.where(Record.deleted_at.is_(None))
    if record_type:
        query = query.where(Record.type_name == record_type)
    if not include_shared:
        query = query.where(Record.tenant_id == viewer_tenant.id)
    if after is not None:
        query = query.where(Record.id < after)
    return list(session.scalars(query))


def search_records(
    session: Session,
    query: str,
    *,
    viewer_tenant: Tenant,
    user: Any,
    record_type: str | None = None,
    include_shared: bool = True,
    limit: int = 50,
    via: str | None = None,
) -> list[Record]:
    """Visible records matching ``query`` (title and non-personal fields), best first.

    ``record_type`` and ``include_shared`` narrow the query itself, before the limit: a
    filter applied to the page afterwards would return short pages while more matches exist.
    ``via``: audited as a shown list, as in :func:`list_records`.
    """
    _require(session, user, READ, viewer_tenant)
    statement = search.search_statement(session, query or "")
    if statement is None:
        return []
    if record_type:
        statement = statement.where(Record.type_name == record_type)
    if not include_shared:
        statement = statement.where(Record.tenant_id == viewer_tenant.id)
    rows = list(session.scalars(statement.limit(limit)))
    return _audited(session, rows, viewer_tenant, via)


def record_versions(session: Session, record: Record, *, user: Any = None) -> list[RecordVersion]:
    """Every saved version, oldest first: the owner's only (a receiver gets Forbidden)."""
    tenant = _scope_tenant(session)
    if record.tenant_id != tenant.id:
        raise Forbidden(_l("Only the organisation that owns the record sees its history."))
    _require(session, user, READ, tenant)
    return list(
        session.scalars(
            select(RecordVersion)
            .where(RecordVersion.record_id == record.id)
            .order_by(RecordVersion.version)
        )
    )


@dataclass(frozen=True)
class FieldChange:
    """One difference between two versions: ``field`` is ``title``, ``classification`` or a
    field name of the record's type; ``before``/``after`` None when absent."""

    field: str
    before: Any
    after: Any

    @property
    def kind(self) -> str:
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        return "changed"


def version_diff(a: Any, b: Any, *, hidden: frozenset[str]) -> list[FieldChange]:
    """What changed from version ``a`` to ``b`` (anything with title, classification and
    data; ``a`` None: everything is new). ``hidden`` fields (personal data the viewer may not
    see: :func:`samverka.records.disclosure.withheld_fields`, required so that no caller
    forgets it) are reported as changed without their values."""
    before = _flat(a)
    after = _flat(b)
    changes = []
    for name in _ordered(before, after):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        if name in hidden:
            old = None if old is None else "***"
            new = None if new is None else "***"
        changes.append(FieldChange(name, old, new))
    return changes


def _flat(version: Any) -> dict[str, Any]:
    if version is None:
        return {}
    level = version.classification
    return {
        "title": version.title,
        "classification": None if level is None else Classification(level).value,
        **(version.data or {}),
    }


def _ordered(before: dict, after: dict) -> list[str]:
    names = ["title", "classification"]
    names += sorted((set(before) | set(after)) - set(names))
    return names


# -- sharing ---------------------------------------------------------------------------------


def share_record(
    session: Session,
    record: Record,
    *,
    tenant: Tenant | str | int | None = None,
    consortium: Consortium | str | int | None = None,
    ground: str | None = None,
    consent_reference: str | None = None,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    user: Any,
) -> RecordShare:
    """Share with one tenant or a whole consortium (the owner must belong to it). A
    confidential or sensitive record needs a disclosure ground or a consent reference."""
    owner = _owned(session, record, user, SHARE)
    if record.is_deleted:
        raise Conflict(_l("A deleted record cannot be shared."))
    if (tenant is None) == (consortium is None):
        raise ValidationError(_l("Share with either one organisation or one consortium."), "tenant")
    kind = record_type_of(record)
    share_kind = "tenant" if tenant is not None else "consortium"
    if share_kind not in kind.sharing:
        raise ValidationError(
            _l("Records of type %(type)s cannot be shared this way.", type=kind.name),
            share_kind,
        )
    receiver = _find_tenant(session, tenant) if tenant is not None else None
    group = _find_consortium(session, consortium) if consortium is not None else None
    if receiver is not None and receiver.id == owner.id:
        raise ValidationError(_l("A record cannot be shared with its own organisation."), "tenant")
    if group is not None and owner.id not in {t.id for t in group.tenants}:
        raise ValidationError(
            _l("The organisation is not a member of the consortium %(name)s.", name=group.name),
            "consortium",
        )
    ground = _optional_text(ground, GROUND_MAX, "ground")
    consent_reference = _optional_text(consent_reference, CONSENT_MAX, "consent_reference")
    if Classification(record.classification).requires_ground and not (ground or consent_reference):
        raise ValidationError(
            _l(
                "A confidential or sensitive record can only be shared with a disclosure "
                "ground or a consent reference."
            ),
            "ground",
        )
    now = clock.now()
    # stored as UTC: SQLite keeps no offset, and the visibility rule compares with UTC now
    start = clock.aware(valid_from).astimezone(UTC) if valid_from is not None else now
    end = clock.aware(valid_until).astimezone(UTC) if valid_until is not None else None
    if end is not None and (end <= start or end <= now):
        raise ValidationError(
            _l("The share must end after it starts, and in the future."), "valid_until"
        )
    _refuse_duplicate(session, record, receiver, group, now)
    share = RecordShare(
        tenant_id=owner.id,
        record_id=record.id,
        receiver_tenant_id=receiver.id if receiver else None,
        consortium_id=group.id if group else None,
        ground=ground,
        consent_reference=consent_reference,
        valid_from=start,
        valid_until=end,
        created_by_id=_user_id(user),
        created_at=now,
    )
    session.add(share)
    session.flush()
    _audit(
        session,
        "record.share",
        record,
        share_id=share.id,
        receiver_tenant_id=share.receiver_tenant_id,
        consortium_id=share.consortium_id,
        classification=Classification(record.classification).value,
        ground=bool(ground),
        consent=bool(consent_reference),
        valid_until=end.date().isoformat() if end else None,
    )
    return share


def _refuse_duplicate(session, record, receiver, group, now) -> None:
    query = select(RecordShare).where(
        RecordShare.record_id == record.id, RecordShare.revoked_at.is_(None)
    )
    if receiver is not None:
        query = query.where(RecordShare.receiver_tenant_id == receiver.id)
    else:
        query = query.where(RecordShare.consortium_id == group.id)
    for share in session.scalars(query):
        if share.valid_until is None or clock.aware(share.valid_until) > now:
            raise ValidationError(_l("The record is already shared with that receiver."), "tenant")


def _find_tenant(session: Session, ref: Tenant | str | int) -> Tenant:
    if isinstance(ref, Tenant):
        return ref
    found = None
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        found = session.get(Tenant, int(ref))
    elif isinstance(ref, str):
        found = session.scalars(select(Tenant).where(Tenant.slug == ref.strip())).one_or_none()
    if found is None:
        raise ValidationError(_l("There is no organisation %(ref)s.", ref=ref), "tenant")
    return found


def _find_consortium(session: Session, ref: Consortium | str | int) -> Consortium:
    if isinstance(ref, Consortium):
        return ref
    found = None
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        found = session.get(Consortium, int(ref))
    elif isinstance(ref, str):
        found = session.scalars(
            select(Consortium).where(Consortium.slug == ref.strip())
        ).one_or_none()
    if found is None:
        raise ValidationError(_l("There is no consortium %(ref)s.", ref=ref), "consortium")
    return found


def _optional_text(value: Any, limit: int, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(_l("Must be text."), field)
    value = value.strip()
    if len(value) > limit:
        raise ValidationError(_l("At most %(max)s characters.", max=limit), field)
    return value or None


def record_shares(session: Session, record: Record, *, user: Any = None) -> list[RecordShare]:
    """The shares of a record, newest first: the owner's only."""
    tenant = _scope_tenant(session)
    if record.tenant_id != tenant.id:
        raise Forbidden(_l("Only the organisation that owns the record sees its shares."))
    _require(session, user, READ, tenant)
    return list(
        session.scalars(
            select(RecordShare)
            .where(RecordShare.record_id == record.id)
            .order_by(RecordShare.id.desc())
        )
    )


def shares_received(session: Session, record: Record, viewer_tenant: Tenant) -> list[dict]:
    """The active shares through which ``viewer_tenant`` sees another tenant's record (its
    own or its consortia's, never other receivers'): ground, consent, until when. Read from
    the table, since the ORM shows share rows to their owner only."""
    if record.tenant_id == viewer_tenant.id:
        return []
    rows = session.execute(
        select(
            shares.c.id,
            shares.c.receiver_tenant_id,
            shares.c.consortium_id,
            shares.c.ground,
            shares.c.consent_reference,
            shares.c.valid_from,
            shares.c.valid_until,
        )
        .where(
            shares.c.record_id == record.id,
            active_share(clock.now()),
            names_scope((viewer_tenant.id,)),
        )
        .order_by(shares.c.id)
    )
    return [dict(row._mapping) for row in rows]


def get_share(session: Session, record: Record, share_id: int) -> RecordShare:
    share = session.scalars(
        select(RecordShare).where(RecordShare.id == share_id, RecordShare.record_id == record.id)
    ).one_or_none()
    if share is None:
        raise NotFound(_l("No such share."))
    return share


def revoke_share(
    session: Session, share: RecordShare, *, user: Any, reason: str | None = None
) -> RecordShare:
    """End a share now; the row stays (who shared what with whom, on what ground, until
    when is part of the record's history)."""
    record = session.get(Record, share.record_id)
    if record is None:
        raise NotFound(_l("No such record."))
    _owned(session, record, user, SHARE)
    if share.revoked_at is not None:
        raise Conflict(_l("The share is already revoked."))
    _revoke(session, share, record, _user_id(user), reason)
    return share


def _revoke(session, share, record, user_id, reason) -> None:
    reason = _optional_text(reason, REASON_MAX, "reason")
    share.revoked_at, share.revoked_by_id, share.revoke_reason = clock.now(), user_id, reason
    session.flush()
    _audit(
        session,
        "record.share_revoke",
        record,
        share_id=share.id,
        receiver_tenant_id=share.receiver_tenant_id,
        consortium_id=share.consortium_id,
        reason=reason if reason and DETAIL_TEXT.match(reason) else None,
    )


# -- attachments -----------------------------------------------------------------------------


def add_attachment(
    session: Session,
    record: Record,
    *,
    filename: str,
    content_type: str,
    stream: BinaryIO,
    user: Any,
) -> Attachment:
    """Store a file for the record within the size and type limits; nothing is stored when
    one is broken, and the file is deleted again if the transaction does not commit."""
    _owned(session, record, user, ATTACHMENTS)
    if record.is_deleted:
        raise Conflict(_l("The record is deleted; restore it first."))
    name = _clean_filename(filename)
    store = storage.current_storage()
    stored = storage.receive(store, stream, content_type, storage.current_limits())
    storage.track_new_file(session, store, stored.key)
    attachment = Attachment(
        tenant_id=record.tenant_id,
        record_id=record.id,
        filename=name,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        storage_key=stored.key,
        created_by_id=_user_id(user),
        created_at=clock.now(),
    )
    session.add(attachment)
    session.flush()
    _audit(
        session,
        "record.attachment_add",
        record,
        attachment_id=attachment.id,
        size=stored.size,
        content_type=stored.content_type,
    )
    return attachment


def _clean_filename(filename: Any) -> str:
    if not isinstance(filename, str):
        raise ValidationError(_l("The file needs a name."), "file")
    name = re.split(r"[\\/]", filename)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()[:255]
    if not name or name in {".", ".."}:
        raise ValidationError(_l("The file needs a name."), "file")
    return name


def list_attachments(session: Session, record: Record) -> list[Attachment]:
    """The record's current attachments (visible wherever the record is)."""
    return list(
        session.scalars(
            select(Attachment)
            .where(Attachment.record_id == record.id, Attachment.deleted_at.is_(None))
            .order_by(Attachment.id)
        )
    )


def get_attachment(session: Session, record: Record, attachment_id: int) -> Attachment:
    found = session.scalars(
        select(Attachment).where(
            Attachment.id == attachment_id,
            Attachment.record_id == record.id,
            Attachment.deleted_at.is_(None),
        )
    ).one_or_none()
    if found is None:
        raise NotFound(_l("No such attachment."))
    return found


def open_attachment(
    session: Session, attachment: Attachment, *, user: Any, viewer_tenant: Tenant | None = None
) -> BinaryIO:
    """The stored file, for a viewer who may read the record (owner or receiver); audited
    for confidential and sensitive records."""
    viewer = viewer_tenant or _scope_tenant(session)
    _require(session, user, READ, viewer)
    record = session.scalars(select(Record).where(Record.id == attachment.record_id)).one_or_none()
    if record is None or record.is_deleted or attachment.deleted_at is not None:
        raise NotFound(_l("No such attachment."))
    if Classification(record.classification).audited_on_read:
        _audit(
            session,
            "record.attachment_read",
            record,
            attachment_id=attachment.id,
            viewer_tenant_id=viewer.id,
        )
    try:
        return storage.current_storage().open(attachment.storage_key)
    except FileNotFoundError:
        raise NotFound(_l("The attachment's file is missing.")) from None


def remove_attachment(session: Session, attachment: Attachment, *, user: Any) -> Attachment:
    """Mark removed now; the stored file is deleted once the transaction commits."""
    record = session.get(Record, attachment.record_id)
    if record is None:
        raise NotFound(_l("No such record."))
    _owned(session, record, user, ATTACHMENTS)
    if attachment.deleted_at is not None:
        raise Conflict(_l("The attachment is already removed."))
    attachment.deleted_at, attachment.deleted_by_id = clock.now(), _user_id(user)
    session.flush()
    storage.delete_after_commit(session, storage.current_storage(), attachment.storage_key)
    _audit(session, "record.attachment_remove", record, attachment_id=attachment.id)
    return attachment

"""Records as plugins use them (``samverka.toolkit.records()``): every read disclosed
against the viewer, every write through :mod:`samverka.records.services`."""

from __future__ import annotations

from samverka.records import services
from samverka.records.disclosure import disclose
from samverka.tenants.models import Tenant


class PluginRecords:
    """What a plugin may do with records (``records()``): create, change, share, read, list
    and search them through :mod:`samverka.records.services` (decisions, scoping, audit),
    always naming the acting ``user`` and the tenant it views in (``viewer_tenant``).

    Reads answer :class:`~samverka.records.disclosure.Disclosed` views, never the ORM rows:
    a record's fields reach a plugin only through :func:`samverka.records.disclosure.
    disclose`, decided against that viewer, so personal fields stay out for roles without
    ``tenant:records:read_personal`` (issue 14, finding 3). Writes answer the record as
    the writer may then read it."""

    READ = "tenant:records:read"
    WRITE = "tenant:records:write"
    SHARE = "tenant:records:share"

    @staticmethod
    def _services():
        return services

    @staticmethod
    def _disclose(session, record, user, viewer_tenant):
        return disclose(session, record, user=user, viewer_tenant=viewer_tenant)

    def record_types(self):
        """Every registered record type (names, fields, which fields are personal)."""
        return self._services().record_types()

    def read_record(self, session, record_id: int, *, user, viewer_tenant):
        """One record visible to ``viewer_tenant`` (own or shared), as ``user`` may see it;
        NotFound otherwise. Confidential and sensitive reads are audited (caller commits)."""
        services = self._services()
        record = services.get_record(session, record_id, user=user, viewer_tenant=viewer_tenant)
        return self._disclose(session, record, user, viewer_tenant)

    def list_records(self, session, *, user, viewer_tenant, record_type=None, **kwargs):
        """Visible records newest first (``record_type``, ``include_shared``, ``after``,
        ``limit`` as :func:`samverka.records.services.list_records`)."""
        services = self._services()
        rows = services.list_records(
            session, viewer_tenant=viewer_tenant, user=user, record_type=record_type, **kwargs
        )
        return [self._disclose(session, r, user, viewer_tenant) for r in rows]

    def search_records(self, session, query: str, *, user, viewer_tenant, limit: int = 50):
        """Visible records matching ``query`` (the index never holds personal fields)."""
        services = self._services()
        rows = services.search_records(
            session, query, viewer_tenant=viewer_tenant, user=user, limit=limit
        )
        return [self._disclose(session, r, user, viewer_tenant) for r in rows]

    def create_record(self, session, *, record_type, title, data, user, classification=None):
        """A new record of the session's tenant (the plugin's own types)."""
        services = self._services()
        record = services.create_record(
            session,
            record_type=record_type,
            title=title,
            data=data,
            classification=classification,
            user=user,
        )
        return self._disclose(session, record, user, session.get(Tenant, record.tenant_id))

    def update_record(self, session, record_id: int, *, user, viewer_tenant, **changes):
        """Change a record the session's tenant owns (``title``, ``data``,
        ``classification``, ``expected_version`` as :func:`~samverka.records.services.
        update_record`)."""
        services = self._services()
        record = services.get_record(session, record_id, user=user, viewer_tenant=viewer_tenant)
        services.update_record(session, record, user=user, **changes)
        return self._disclose(session, record, user, viewer_tenant)

    def share_record(self, session, record_id: int, *, user, viewer_tenant, **target):
        """Share a record the session's tenant owns (``tenant`` or ``consortium``,
        ``ground``, ``consent_reference``, ``valid_from``, ``valid_until``); returns the
        share's id."""
        services = self._services()
        record = services.get_record(session, record_id, user=user, viewer_tenant=viewer_tenant)
        return services.share_record(session, record, user=user, **target).id


def records() -> PluginRecords:
    """Records for plugins: :class:`PluginRecords` (reads decided against the viewer)."""
    return PluginRecords()

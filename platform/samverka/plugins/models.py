"""Plugin availability and enablement: configuration as data at three levels."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from samverka.db import Base, TenantOwned, Timestamped


class PlatformPluginSetting(Timestamped, Base):
    """Platform-wide configuration of an installed plugin (the first fallback level)."""

    __tablename__ = "platform_plugin_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    plugin: Mapped[str] = mapped_column(String(63), unique=True)
    config: Mapped[dict] = mapped_column(JSON, default=dict)


class ConsortiumPlugin(Timestamped, Base):
    """A consortium makes a plugin available to its members, optionally with configuration."""

    __tablename__ = "consortium_plugins"
    __table_args__ = (UniqueConstraint("consortium_id", "plugin", name="uq_consortium_plugin"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consortium_id: Mapped[int] = mapped_column(
        ForeignKey("consortia.id", ondelete="CASCADE"), index=True
    )
    plugin: Mapped[str] = mapped_column(String(63))
    config: Mapped[dict] = mapped_column(JSON, default=dict)


class TenantPlugin(TenantOwned, Timestamped, Base):
    """A tenant's own decision to use a plugin, and its tenant-level configuration."""

    __tablename__ = "tenant_plugins"
    __table_args__ = (UniqueConstraint("tenant_id", "plugin", name="uq_tenant_plugin"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plugin: Mapped[str] = mapped_column(String(63))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    config: Mapped[dict] = mapped_column(JSON, default=dict)

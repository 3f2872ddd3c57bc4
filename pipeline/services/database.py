"""The database's schema: migrate it, and say whether it is current (for `pipeline db`, `serve`)."""

from __future__ import annotations

from pathlib import Path

from pipeline.services.context import Registry
from pipeline.storage.migrate import current_revision, head_revision, new_revision, upgrade


def upgrade_database(registry: Registry) -> str:
    """Create or migrate the schema to the newest version; the revision it is then at."""
    upgrade(registry.engine)
    return current_revision(registry.engine) or ""


def database_is_current(registry: Registry) -> bool:
    return current_revision(registry.engine) == head_revision(registry.engine)


def write_migration(registry: Registry, message: str) -> Path:
    """A new migration file for what the models changed since the newest migration."""
    return new_revision(registry.engine, message)

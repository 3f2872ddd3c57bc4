"""The service's health: is the database answering, and how far the change log has got."""

from __future__ import annotations

from pipeline import __version__
from pipeline.schemas.common import Output
from pipeline.services.context import Registry
from pipeline.storage.changes import latest_seq


class ServiceStatus(Output, kw_only=True):
    status: str
    version: str
    database: str
    latest_change: int
    indexed_change: int


def service_status(registry: Registry) -> ServiceStatus:
    with registry.reading() as session:
        seq = latest_seq(session)
    return ServiceStatus(
        status="ok",
        version=__version__,
        database=registry.engine.dialect.name,
        latest_change=seq,
        indexed_change=registry.search.applied_seq(),
    )

"""Demo data: London's councils and realistic records, validated by the API's own structs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func
from sqlmodel import select

from pipeline.schemas.councils import CouncilIn
from pipeline.schemas.records import CodeLinkIn, FindingIn, ProductIn, ProjectIn
from pipeline.services.context import Registry, Scope
from pipeline.services.councils.directory import upsert_council
from pipeline.services.exchange.line_errors import load_json_list
from pipeline.services.identity.actors import Actor, require_admin
from pipeline.services.records.catalogue import KINDS
from pipeline.services.records.engine import create_in
from pipeline.storage.models import RECORD_TABLES

SEED_DIR = Path(__file__).resolve().parents[2] / "seed"
# Created in this order so that every record can name the ones before it.
RECORD_FILES = (
    ("product", "products.json", ProductIn),
    ("project", "projects.json", ProjectIn),
    ("finding", "findings.json", FindingIn),
    ("code-link", "code_links.json", CodeLinkIn),
)


@dataclass
class SeedReport:
    councils: int = 0
    records: dict[str, int] = field(default_factory=dict)
    skipped: bool = False


def registry_is_empty(registry: Registry) -> bool:
    with registry.reading() as session:
        return all(
            session.exec(select(func.count()).select_from(table)).one() == 0
            for table in RECORD_TABLES.values()
        )


def seed(
    registry: Registry, actor: Actor, seed_dir: Path = SEED_DIR, *, only_if_empty: bool = True
) -> SeedReport:
    """Load councils and demo records in one transaction: all of them, or none."""
    require_admin(actor)
    councils = load_json_list(seed_dir / "councils.json", CouncilIn)
    records = [(kind, load_json_list(seed_dir / name, struct)) for kind, name, struct in RECORD_FILES]
    if only_if_empty and not registry_is_empty(registry):
        return SeedReport(skipped=True)
    report = SeedReport()
    with registry.writing() as session:
        for council in councils:
            upsert_council(session, actor, council)
            report.councils += 1
        scope = Scope(session, registry.urls)
        for kind, items in records:
            for item in items:
                create_in(scope, actor, KINDS[kind], item)
            report.records[kind] = len(items)
    registry.written(scope.last_seq)
    return report

"""Every record type the registry holds, by its type name."""

from __future__ import annotations

from pipeline.services.records.code_links import CODE_LINKS
from pipeline.services.records.findings import FINDINGS
from pipeline.services.records.kinds import RecordKind
from pipeline.services.records.products import PRODUCTS
from pipeline.services.records.projects import PROJECTS

KINDS: dict[str, RecordKind] = {kind.name: kind for kind in (PROJECTS, PRODUCTS, FINDINGS, CODE_LINKS)}

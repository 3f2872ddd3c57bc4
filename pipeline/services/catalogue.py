"""Every record type the registry holds, by its type name."""

from __future__ import annotations

from pipeline.services.code_links import CODE_LINKS
from pipeline.services.findings import FINDINGS
from pipeline.services.kinds import RecordKind
from pipeline.services.products import PRODUCTS
from pipeline.services.projects import PROJECTS

KINDS: dict[str, RecordKind] = {kind.name: kind for kind in (PROJECTS, PRODUCTS, FINDINGS, CODE_LINKS)}

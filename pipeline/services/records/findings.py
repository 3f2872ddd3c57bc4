"""Research findings: what user research found, and the projects it informs."""

from __future__ import annotations

from typing import Any, cast

from pipeline.record_types import RECORD_TYPES
from pipeline.schemas.records import FindingIn, FindingOut
from pipeline.services.context import Scope
from pipeline.services.councils.directory import council_ref
from pipeline.services.records.kinds import RecordKind, common_in, council_keys
from pipeline.services.records.link_rows import (
    set_councils,
    set_links,
)
from pipeline.services.records.linked_records import Related, linked_refs
from pipeline.services.records.reference_problems import Problems
from pipeline.storage.models import Finding, RecordBase
from pipeline.urls import Urls
from pipeline.vocab import ResearchMethod


def _apply(scope: Scope, row: RecordBase, data: Any, problems: Problems) -> None:
    assert isinstance(row, Finding)
    assert isinstance(data, FindingIn)
    row.method, row.findings = data.method, data.findings
    row.research_date, row.report_url = data.research_date, data.report_url
    projects = problems.records("project", data.projects, "projects")
    set_links(scope.session, "finding", row.id, "project", [(p.id, "informs") for p in projects if p])
    contributors = [(c, "contributor") for c in problems.councils(data.councils, "councils") if c is not None]
    set_councils(scope.session, "finding", row.id, contributors)


def _build_out(urls: Urls, row: RecordBase, common: dict[str, Any], related: Related) -> FindingOut:
    assert isinstance(row, Finding)
    return FindingOut(
        **common,
        method=cast(ResearchMethod, row.method),
        findings=row.findings,
        research_date=row.research_date,
        report_url=row.report_url,
        projects=linked_refs(related, urls, row.id, "project"),
        councils=[council_ref(c, urls) for c, _ in related.councils_of(row.id)],
    )


def _to_in(snapshot: dict[str, Any]) -> dict[str, Any]:
    values = common_in(FINDINGS, snapshot)
    values["projects"] = [ref["id"] for ref in snapshot["projects"]]
    values["councils"] = council_keys(snapshot["councils"])
    return values


FINDINGS = RecordKind(
    name="finding",
    table=Finding,
    struct_in=FindingIn,
    struct_out=FindingOut,
    owner_field=RECORD_TYPES["finding"].owner_field,
    apply=_apply,
    build_out=_build_out,
    to_in=_to_in,
)

"""Projects: what a council is doing, with whom, using which products."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

import msgspec

from pipeline.record_types import RECORD_TYPES
from pipeline.schemas.common import LinkedRecord
from pipeline.schemas.records import FundingOut, PartnerOut, ProjectIn, ProjectOut
from pipeline.services.context import Scope
from pipeline.services.councils.directory import council_ref
from pipeline.services.records.kinds import RecordKind, common_in, ref_key
from pipeline.services.records.link_rows import (
    record_ref,
    set_councils,
    set_labels,
    set_links,
)
from pipeline.services.records.linked_records import Related, linking_refs
from pipeline.services.records.reference_problems import Problems
from pipeline.storage.models import Council, Project, RecordBase
from pipeline.urls import Urls
from pipeline.vocab import PartnerRole, Phase


def check_dates(start: Any, end: Any, problems: Problems, end_field: str = "end_date") -> None:
    if start and end and end < start:
        problems.add(end_field, "The end date must be on or after the start date.")


def _apply(scope: Scope, row: RecordBase, data: Any, problems: Problems) -> None:
    assert isinstance(row, Project)
    assert isinstance(data, ProjectIn)
    row.problem, row.approach, row.help_wanted = data.problem, data.approach, data.help_wanted
    row.phase = data.phase
    row.start_date, row.end_date = data.start_date, data.end_date
    row.funding = [msgspec.to_builtins(f) for f in data.funding]
    row.contact_url, row.website_url = data.contact_url, data.website_url
    check_dates(data.start_date, data.end_date, problems)
    set_labels(scope.session, "project", row.id, "collaboration", data.collaboration)
    _apply_partners(scope, row, data, problems)
    _apply_products(scope, row, data, problems)


def _apply_partners(scope: Scope, row: Project, data: ProjectIn, problems: Problems) -> None:
    councils = problems.councils([p.council for p in data.partners], "partners", ".council")
    found: list[tuple[Council, str]] = []
    for index, (partner, council) in enumerate(zip(data.partners, councils, strict=True)):
        if council is None:
            continue
        if council.id == row.owner_council_id:
            problems.add(f"partners[{index}].council", "The lead council is not also a partner.")
        found.append((council, partner.role))
    set_councils(scope.session, "project", row.id, found)


def _apply_products(scope: Scope, row: Project, data: ProjectIn, problems: Problems) -> None:
    products = problems.records("product", [u.product for u in data.products], "products", ".product")
    links = [(p.id, use.relation) for use, p in zip(data.products, products, strict=True) if p is not None]
    set_links(scope.session, "project", row.id, "product", links)


def _build_out(urls: Urls, row: RecordBase, common: dict[str, Any], related: Related) -> ProjectOut:
    assert isinstance(row, Project)
    products = [
        LinkedRecord(relation=link.relation, record=record_ref("product", product, urls))
        for link in related.links_from(row.id, "product")
        if (product := related.record("product", link.target_id)) is not None
    ]
    return ProjectOut(
        **common,
        problem=row.problem,
        approach=row.approach,
        phase=cast(Phase, row.phase),
        collaboration=related.label(row.id, "collaboration"),
        help_wanted=row.help_wanted,
        start_date=row.start_date,
        end_date=row.end_date,
        funding=[msgspec.convert(f, FundingOut) for f in row.funding],
        contact_url=row.contact_url,
        website_url=row.website_url,
        partners=[
            PartnerOut(council=council_ref(c, urls), role=cast(PartnerRole, role))
            for c, role in related.councils_of(row.id)
        ],
        products=products,
        findings=linking_refs(related, urls, row.id, "finding"),
        code_links=linking_refs(related, urls, row.id, "code-link"),
        last_confirmed_at=row.last_confirmed_at,
    )


def _to_in(snapshot: dict[str, Any]) -> dict[str, Any]:
    values = common_in(PROJECTS, snapshot)
    values["partners"] = [{"council": ref_key(p["council"]), "role": p["role"]} for p in snapshot["partners"]]
    values["products"] = [
        {"product": p["record"]["id"], "relation": p["relation"]} for p in snapshot["products"]
    ]
    return values


def _on_create(row: RecordBase, now: datetime) -> None:
    assert isinstance(row, Project)
    row.last_confirmed_at = now


PROJECTS = RecordKind(
    name="project",
    table=Project,
    struct_in=ProjectIn,
    struct_out=ProjectOut,
    owner_field=RECORD_TYPES["project"].owner_field,
    apply=_apply,
    build_out=_build_out,
    to_in=_to_in,
    reverse_fields=frozenset({"findings", "code_links"}),
    on_create=_on_create,
    filters=frozenset({"phase"}),
)

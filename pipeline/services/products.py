"""Products: reusable things a council built or runs, described the publiccode.yml way."""

from __future__ import annotations

from typing import Any

from pipeline.schemas.common import LinkedRecord
from pipeline.schemas.records import ProductIn, ProductOut
from pipeline.services.councils import council_ref
from pipeline.services.kinds import RecordKind, common_in, council_keys
from pipeline.services.problems import Problems
from pipeline.services.registry import Scope
from pipeline.services.relations import (
    councils_of,
    links_to,
    record_ref,
    refs_by_id,
    set_councils,
)
from pipeline.storage.models import Product, Project, RecordBase


def _apply(scope: Scope, row: RecordBase, data: Any, problems: Problems) -> None:
    assert isinstance(row, Product)
    assert isinstance(data, ProductIn)
    row.kind, row.licence = data.kind, data.licence
    row.development_status, row.maintenance = data.development_status, data.maintenance
    row.repository_url, row.documentation_url = data.repository_url, data.documentation_url
    row.website_url = data.website_url
    row.is_based_on = list(data.is_based_on)
    users = [(c, "user") for c in problems.councils(data.used_by, "used_by") if c is not None]
    set_councils(scope.session, "product", row.id, users)


def _build_out(scope: Scope, row: RecordBase, common: dict[str, Any]) -> ProductOut:
    assert isinstance(row, Product)
    session, urls = scope.session, scope.urls
    projects = []
    for link in links_to(session, "product", row.id, "project"):
        project = session.get(Project, link.source_id)
        if project is not None:
            projects.append(LinkedRecord(relation=link.relation, record=record_ref("project", project, urls)))
    code_ids = [lk.source_id for lk in links_to(session, "product", row.id, "code-link")]
    return ProductOut(
        **common,
        kind=row.kind,  # type: ignore[arg-type]
        licence=row.licence,
        development_status=row.development_status,  # type: ignore[arg-type]
        maintenance=row.maintenance,  # type: ignore[arg-type]
        repository_url=row.repository_url,
        documentation_url=row.documentation_url,
        website_url=row.website_url,
        is_based_on=list(row.is_based_on),
        used_by=[council_ref(c, urls) for c, _ in councils_of(session, "product", row.id)],
        projects=projects,
        code_links=refs_by_id(session, "code-link", code_ids, urls),
    )


def _to_in(snapshot: dict[str, Any]) -> dict[str, Any]:
    values = common_in(PRODUCTS, snapshot)
    values["used_by"] = council_keys(snapshot["used_by"])
    return values


PRODUCTS = RecordKind(
    name="product",
    table=Product,
    struct_in=ProductIn,
    struct_out=ProductOut,
    owner_field="council",
    apply=_apply,
    build_out=_build_out,
    to_in=_to_in,
    reverse_fields=frozenset({"projects", "code_links"}),
)

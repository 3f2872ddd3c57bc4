"""Products: reusable things a council built or runs, described the publiccode.yml way."""

from __future__ import annotations

from typing import Any, cast

from pipeline.record_types import RECORD_TYPES
from pipeline.schemas.common import LinkedRecord
from pipeline.schemas.records import ProductIn, ProductOut
from pipeline.services.context import Scope
from pipeline.services.councils.directory import council_ref
from pipeline.services.records.kinds import RecordKind, common_in, council_keys
from pipeline.services.records.link_rows import (
    record_ref,
    set_councils,
)
from pipeline.services.records.linked_records import Related, linking_refs
from pipeline.services.records.reference_problems import Problems
from pipeline.storage.models import Product, RecordBase
from pipeline.urls import Urls
from pipeline.vocab import DevelopmentStatus, Maintenance, ProductKind


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


def _build_out(urls: Urls, row: RecordBase, common: dict[str, Any], related: Related) -> ProductOut:
    assert isinstance(row, Product)
    projects = [
        LinkedRecord(relation=link.relation, record=record_ref("project", project, urls))
        for link in related.links_to(row.id, "project")
        if (project := related.record("project", link.source_id)) is not None
    ]
    return ProductOut(
        **common,
        kind=cast(ProductKind, row.kind),
        licence=row.licence,
        development_status=cast(DevelopmentStatus, row.development_status),
        maintenance=cast(Maintenance, row.maintenance),
        repository_url=row.repository_url,
        documentation_url=row.documentation_url,
        website_url=row.website_url,
        is_based_on=list(row.is_based_on),
        used_by=[council_ref(c, urls) for c, _ in related.councils_of(row.id)],
        projects=projects,
        code_links=linking_refs(related, urls, row.id, "code-link"),
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
    owner_field=RECORD_TYPES["product"].owner_field,
    apply=_apply,
    build_out=_build_out,
    to_in=_to_in,
    reverse_fields=frozenset({"projects", "code_links"}),
)

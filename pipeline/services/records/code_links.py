"""Code links: source repositories of a council's projects and products."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from pipeline.record_types import RECORD_TYPES
from pipeline.schemas.common import RecordRef
from pipeline.schemas.records import CodeLinkIn, CodeLinkOut
from pipeline.services.context import Scope
from pipeline.services.records.kinds import RecordKind, common_in
from pipeline.services.records.link_rows import set_links
from pipeline.services.records.linked_records import Related, linked_refs
from pipeline.services.records.reference_problems import Problems
from pipeline.storage.models import CodeLink, RecordBase
from pipeline.urls import Urls


def repository_host(url: str) -> str:
    """The host a repository lives on, e.g. github.com, without credentials or port."""
    return (urlsplit(url).hostname or "").lower()


def _apply(scope: Scope, row: RecordBase, data: Any, problems: Problems) -> None:
    assert isinstance(row, CodeLink)
    assert isinstance(data, CodeLinkIn)
    row.repository_url = data.repository_url
    row.host = repository_host(data.repository_url)
    row.licence, row.language = data.licence, data.language
    for target_type, key in (("project", data.project), ("product", data.product)):
        target = problems.record(target_type, key, target_type) if key else None
        links = [(target.id, "code-of")] if target is not None else []
        set_links(scope.session, "code-link", row.id, target_type, links)


def _target(urls: Urls, row: CodeLink, related: Related, target_type: str) -> RecordRef | None:
    refs = linked_refs(related, urls, row.id, target_type)
    return refs[0] if refs else None


def _build_out(urls: Urls, row: RecordBase, common: dict[str, Any], related: Related) -> CodeLinkOut:
    assert isinstance(row, CodeLink)
    return CodeLinkOut(
        **common,
        repository_url=row.repository_url,
        host=row.host,
        licence=row.licence,
        language=row.language,
        project=_target(urls, row, related, "project"),
        product=_target(urls, row, related, "product"),
    )


def _to_in(snapshot: dict[str, Any]) -> dict[str, Any]:
    values = common_in(CODE_LINKS, snapshot)
    for name in ("project", "product"):
        values[name] = snapshot[name]["id"] if snapshot.get(name) else None
    return values


CODE_LINKS = RecordKind(
    name="code-link",
    table=CodeLink,
    struct_in=CodeLinkIn,
    struct_out=CodeLinkOut,
    owner_field=RECORD_TYPES["code-link"].owner_field,
    apply=_apply,
    build_out=_build_out,
    to_in=_to_in,
)

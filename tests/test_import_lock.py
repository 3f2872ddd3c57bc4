"""An import stages away from the write lock: other councils' writes go on meanwhile, a bad
file never takes the lock, and a write that cannot get the lock in time is 503, never 500."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import msgspec
import pytest
from litestar.testing import TestClient

from pipeline.app import create_app
from pipeline.config import Settings
from pipeline.schemas.records import ProjectIn
from pipeline.services.context import Registry
from pipeline.services.exchange.importing import import_records, read_import
from pipeline.services.exchange.line_errors import FileErrors
from pipeline.services.identity.actors import SYSTEM, Actor
from pipeline.services.records.catalogue import KINDS
from pipeline.services.records.engine import create_record, get_record, update_record
from tests.conftest import PUBLIC_URL, bearer, project_body

HACKNEY = Actor("token", id="test", council_id=None, is_admin=True)


def _csv(rows: int, bad_last: bool = False) -> bytes:
    lines = ["title,summary,lead_council"]
    lines += [f"Imported {n},Summary {n},E09000012" for n in range(rows)]
    if bad_last:
        lines.append("Broken,Summary,E99999999")
    return ("\n".join(lines) + "\n").encode()


def _camden_writes_during_staging(registry: Registry) -> tuple[list[str], Any]:
    made: list[str] = []

    def progress(_rows: int) -> None:
        if not made:  # while the import is being staged, another council registers a project
            body = msgspec.convert(
                project_body(title="Camden meanwhile", lead_council="E09000007"), ProjectIn
            )
            made.append(create_record(registry, SYSTEM, KINDS["project"], body).id)  # type: ignore[attr-defined]

    return made, progress


def test_other_writes_go_on_while_an_import_is_staged(
    registry: Registry, councils: dict[str, str], registry_with: Callable[..., Registry]
) -> None:
    quick = registry_with(write_lock_wait_seconds=0.5)  # waits at most half a second for the lock
    made, progress = _camden_writes_during_staging(quick)
    file = read_import(_csv(1200), "csv", "projects.csv", KINDS["project"])
    result = import_records(quick, SYSTEM, file, progress=progress)
    assert result.created == 1200
    assert len(made) == 1
    assert get_record(quick, KINDS["project"], made[0]).title == "Camden meanwhile"  # type: ignore[attr-defined]


def test_a_file_whose_last_row_is_bad_never_takes_the_lock(
    registry: Registry, councils: dict[str, str], registry_with: Callable[..., Registry]
) -> None:
    quick = registry_with(write_lock_wait_seconds=0.5)  # waits at most half a second for the lock
    made, progress = _camden_writes_during_staging(quick)
    file = read_import(_csv(1200, bad_last=True), "csv", "projects.csv", KINDS["project"])
    with pytest.raises(FileErrors) as raised:
        import_records(quick, SYSTEM, file, progress=progress)
    assert [error.line for error in raised.value.errors] == [1202]
    assert len(made) == 1
    with quick.reading() as session:
        from sqlmodel import func, select

        from pipeline.storage.models import Project

        assert session.exec(select(func.count()).select_from(Project)).one() == 1


def test_a_record_changed_while_staging_is_staged_again_and_nothing_is_lost(
    settings: Settings, registry: Registry, councils: dict[str, str]
) -> None:
    body = msgspec.convert(project_body(title="Shared"), ProjectIn)
    shared: Any = create_record(registry, SYSTEM, KINDS["project"], body)
    changed: list[int] = []

    def progress(_rows: int) -> None:
        if not changed:
            out: Any = update_record(
                registry, SYSTEM, KINDS["project"], shared.id, {"approach": "Meanwhile."}, None
            )
            changed.append(out.version)

    data = f"id,title,summary,lead_council\n{shared.id},Shared,From the file,E09000012\n".encode()
    result = import_records(
        registry, SYSTEM, read_import(data, "csv", "p.csv", KINDS["project"]), progress=progress
    )
    assert result.updated == 1
    final: Any = get_record(registry, KINDS["project"], shared.id)
    assert changed == [2]
    assert final.version == 3
    assert final.summary == "From the file"


def test_a_write_that_cannot_get_the_lock_in_time_is_503_with_retry_after(
    registry: Registry, tokens: dict[str, str], registry_with: Callable[..., Registry]
) -> None:
    quick = registry_with(write_lock_wait_seconds=0.5)  # waits at most half a second for the lock
    held, release = threading.Event(), threading.Event()

    def hold_the_lock() -> None:
        with quick.writing():
            held.set()
            release.wait(30)

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    try:
        assert held.wait(10)
        with TestClient(create_app(quick.settings, quick), base_url=PUBLIC_URL) as client:
            response = client.post("/api/v1/projects", json=project_body(), headers=bearer(tokens["hackney"]))
    finally:
        release.set()
        holder.join()
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "5"
    assert response.headers["content-type"].startswith("application/problem+json")

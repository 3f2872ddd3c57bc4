"""Helper process for the crash test: commit writes to the database, then die inside the index commit.

Run as: python -m tests.crash_indexer DATABASE_URL DATA_DIR COUNT [parallel]. It prints READY
when it is stopped between the database commit and the index commit, and waits there to be
killed. With `parallel`, it applies the changes as the indexing process does when far behind,
in several processes, and READY is followed by their process ids.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.writing import SegmentWriter

from pipeline.config import load_settings
from pipeline.schemas.records import ProjectIn
from pipeline.services.context import Registry
from pipeline.services.identity.actors import SYSTEM
from pipeline.services.records.catalogue import KINDS
from pipeline.services.records.engine import create_record


def hang_in_commit(self: Any, *args: Any, **kwargs: Any) -> None:
    print("READY", flush=True)
    time.sleep(600)


def hang_in_parallel_commit(self: Any, *args: Any, **kwargs: Any) -> None:
    print("READY", *(task.pid for task in self.tasks), flush=True)
    time.sleep(600)


def starting_late(run: Any) -> Any:
    """The indexing processes begin their work a second late: the parent is killed first."""

    def late(self: Any) -> None:
        time.sleep(1.0)
        run(self)

    return late


def main() -> None:
    database_url, data_dir, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    parallel = sys.argv[4:] == ["parallel"]
    registry = Registry(load_settings({}, database_url=database_url, data_dir=data_dir, index_wait_seconds=0))
    for n in range(count):
        body = ProjectIn(
            title=f"Crash test {n}", summary="Written before the crash.", lead_council="E09000012"
        )
        create_record(registry, SYSTEM, KINDS["project"], body)  # committed, not indexed (no wait)
    SegmentWriter.commit = hang_in_commit  # type: ignore[method-assign]
    MpWriter.commit = hang_in_parallel_commit  # type: ignore[method-assign]
    SubWriterTask.run = starting_late(SubWriterTask.run)  # type: ignore[method-assign]
    registry.search.catch_up(wait=True, parallel=parallel)  # it stops in its commit, to be killed


if __name__ == "__main__":
    main()

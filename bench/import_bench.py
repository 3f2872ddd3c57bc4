"""Bulk import benchmark: export a registry of synthetic records, then import it into an empty one.

    .venv/bin/python bench/import_bench.py --records 100000      (part of `make bench`)

Exports every record type of var/bench/synthetic-N as JSON Lines (timed), then imports the
files in order with `pipeline import` (each file all or nothing) into an empty registry with
the same councils, in two ways, each timed until every record is searchable:

- **after**: the imports, then `pipeline index` brings the search index up to date;
- **beside**: the indexing process `pipeline serve` runs (`pipeline index --follow`) is
  started first, so it indexes each file's records while the next file is imported; the clock
  stops when the index has applied the last import's changes.

Each way checks that the new registry exports the same records. Then, into the full registry
the first way made (its index up to date), it imports 25,000 more projects (the first rows of
the projects file as new records: no id, another title) and times `pipeline index` after it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from search_bench import build, machine  # noqa: E402

from pipeline.config import load_settings  # noqa: E402
from pipeline.demo.seed import SEED_DIR  # noqa: E402
from pipeline.schemas.councils import CouncilIn  # noqa: E402
from pipeline.services.context import Registry  # noqa: E402
from pipeline.services.councils.directory import upsert_council  # noqa: E402
from pipeline.services.exchange.line_errors import load_json_list  # noqa: E402
from pipeline.services.identity.actors import SYSTEM  # noqa: E402
from pipeline.storage.migrate import upgrade  # noqa: E402

ORDER = ("product", "project", "finding", "code-link")
ADDED = 25_000  # projects imported into the full registry


def pipeline(data_dir: Path, *args: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pipeline.cli", *args], env=_env(data_dir), check=True, cwd=ROOT)
    return time.perf_counter() - started


def _env(data_dir: Path) -> dict[str, str]:
    return {**os.environ, "PIPELINE_DATA_DIR": str(data_dir), "PIPELINE_INDEX_WAIT_SECONDS": "0"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--indexing", choices=("after", "beside", "both"), default="both")
    args = parser.parse_args()
    registry, _ = build(args.records, args.data_dir, rebuild=False)
    registry.close()
    source = args.data_dir / f"synthetic-{args.records}"
    work = args.data_dir / "import"
    shutil.rmtree(work, ignore_errors=True)
    files = work / "files"
    files.mkdir(parents=True)
    exported = sum(
        pipeline(source, "export", "--type", kind, "-o", str(files / f"{kind}.jsonl")) for kind in ORDER
    )
    count = sum(len(_sorted_lines(files / f"{kind}.jsonl")) for kind in ORDER)
    print(f"Machine: {machine()}\n\nExport: {count} records in {exported:.1f} s\n")
    print("| indexing | import (s) | until searchable (s) | records a second | same records | by type (s) |")
    print("| --- | ---: | ---: | ---: | --- | --- |")
    ways = ("after", "beside") if args.indexing == "both" else (args.indexing,)
    for way in ways:
        target = work / f"registry-{way}"
        _empty_registry(target)
        timings, searchable = (_indexed_after if way == "after" else _indexed_beside)(target, files)
        same = all(
            _sorted_lines(files / f"{kind}.jsonl") == _sorted_lines(_export(target, kind, work))
            for kind in ORDER
        )
        by_type = ", ".join(f"{kind} {seconds:.1f}" for kind, seconds in timings.items())
        print(
            f"| {way} | {sum(timings.values()):.1f} | {searchable:.1f} | {count / searchable:,.0f} | "
            f"{'yes' if same else 'NO'} | {by_type} |",
            flush=True,
        )
    full = work / f"registry-{ways[0]}"
    more = _more_projects(files / "project.jsonl", work / "more-projects.jsonl", ADDED)
    imported, indexed = pipeline(full, "import", str(more)), pipeline(full, "index")
    print(
        f"\nInto the full registry, {ADDED:,} more projects: import {imported:.1f} s, then indexing "
        f"{indexed:.1f} s ({ADDED / indexed:,.0f} records a second); searchable after "
        f"{imported + indexed:.1f} s"
    )


def _more_projects(source: Path, target: Path, rows: int) -> Path:
    """The first `rows` projects of an export again, as new records: no id, another title."""
    lines = source.read_text(encoding="utf-8").splitlines()[:rows]
    with target.open("w", encoding="utf-8") as out:
        for line in lines:
            project = json.loads(line)
            project.pop("id")
            project["title"] += " again"
            out.write(json.dumps(project) + "\n")
    return target


def _empty_registry(target: Path) -> None:
    empty = Registry(load_settings({}, data_dir=str(target)))
    upgrade(empty.engine)
    with empty.writing() as session:
        for council in load_json_list(SEED_DIR / "councils.json", CouncilIn):
            upsert_council(session, SYSTEM, council)
    empty.close()


def _import_all(target: Path, files: Path) -> dict[str, float]:
    return {kind: pipeline(target, "import", str(files / f"{kind}.jsonl")) for kind in ORDER}


def _indexed_after(target: Path, files: Path) -> tuple[dict[str, float], float]:
    """Import every file, then index: (each import's time, the time until searchable)."""
    timings = _import_all(target, files)
    return timings, sum(timings.values()) + pipeline(target, "index")


def _indexed_beside(target: Path, files: Path) -> tuple[dict[str, float], float]:
    """Import every file with the indexing process running beside, until it has caught up."""
    indexer = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "index", "--follow"], env=_env(target), cwd=ROOT
    )
    watcher = Registry(load_settings({}, data_dir=str(target), index_in_server=False))
    try:
        started = time.perf_counter()
        timings = _import_all(target, files)
        while watcher.search.backlog() > 0:
            time.sleep(0.05)
        return timings, time.perf_counter() - started
    finally:
        indexer.terminate()
        try:
            indexer.wait(timeout=30)
        except subprocess.TimeoutExpired:
            indexer.kill()
            indexer.wait()
        watcher.close()


def _export(data_dir: Path, kind: str, work: Path) -> Path:
    path = work / f"again-{kind}.jsonl"
    pipeline(data_dir, "export", "--type", kind, "-o", str(path))
    return path


def _sorted_lines(path: Path) -> list[str]:
    return sorted(path.read_text(encoding="utf-8").splitlines())


if __name__ == "__main__":
    main()

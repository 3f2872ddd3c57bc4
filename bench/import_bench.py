"""Bulk import benchmark: export a registry of synthetic records, then import it into an empty one.

    .venv/bin/python bench/import_bench.py --records 100000      (part of `make bench`)

Exports every record type of var/bench/synthetic-N as JSON Lines (timed), creates an empty
registry with the same councils, imports the files in order with `pipeline import` (timed,
each file all or nothing), then brings the search index up to date (timed), and checks that
the new registry exports the same records.
"""

from __future__ import annotations

import argparse
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


def pipeline(data_dir: Path, *args: str) -> float:
    env = {**os.environ, "PIPELINE_DATA_DIR": str(data_dir), "PIPELINE_INDEX_WAIT_SECONDS": "0"}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pipeline.cli", *args], env=env, check=True, cwd=ROOT)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "var" / "bench")
    args = parser.parse_args()
    registry, _ = build(args.records, args.data_dir, rebuild=False)
    registry.close()
    source = args.data_dir / f"synthetic-{args.records}"
    work = args.data_dir / "import"
    shutil.rmtree(work, ignore_errors=True)
    files, target = work / "files", work / "registry"
    files.mkdir(parents=True)
    exported = sum(
        pipeline(source, "export", "--type", kind, "-o", str(files / f"{kind}.jsonl")) for kind in ORDER
    )
    empty = Registry(load_settings({}, data_dir=str(target)))
    upgrade(empty.engine)
    with empty.writing() as session:
        for council in load_json_list(SEED_DIR / "councils.json", CouncilIn):
            upsert_council(session, SYSTEM, council)
    empty.close()
    timings = {kind: pipeline(target, "import", str(files / f"{kind}.jsonl")) for kind in ORDER}
    indexing = pipeline(target, "index")
    same = all(
        _sorted_lines(files / f"{kind}.jsonl") == _sorted_lines(_export(target, kind, work)) for kind in ORDER
    )
    count = sum(len(_sorted_lines(files / f"{kind}.jsonl")) for kind in ORDER)
    print(f"Machine: {machine()}\n")
    print("| records | export (s) | import (s) | indexing (s) | import + indexing (s) | same records |")
    print("| ---: | ---: | ---: | ---: | ---: | --- |")
    imported = sum(timings.values())
    print(
        f"| {count} | {exported:.1f} | {imported:.1f} | {indexing:.1f} | {imported + indexing:.1f} | "
        f"{'yes' if same else 'NO'} |"
    )
    print("\nImport by type (s): " + ", ".join(f"{kind} {seconds:.1f}" for kind, seconds in timings.items()))


def _export(data_dir: Path, kind: str, work: Path) -> Path:
    path = work / f"again-{kind}.jsonl"
    pipeline(data_dir, "export", "--type", kind, "-o", str(path))
    return path


def _sorted_lines(path: Path) -> list[str]:
    return sorted(path.read_text(encoding="utf-8").splitlines())


if __name__ == "__main__":
    main()

"""How long single creates wait while a large import runs (the write lock's hostage time).

    .venv/bin/python bench/import_lock_bench.py --rows 100000 [--bad-last] [--code DIR]

Seeds an empty registry, then runs `pipeline import` of an N-row CSV of one council's projects
in its own process while this process registers another council's project every 0.2 s
through the service layer, each in its own write transaction. Prints how long the import took
and the longest and median wait of a single create, and how many failed. `--code DIR` runs
another checkout of Pipeline (an older commit, for a before-and-after figure).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--bad-last", action="store_true", help="End the file with a row that is refused.")
    parser.add_argument("--code", type=Path, default=ROOT, help="The Pipeline checkout to run.")
    parser.add_argument("--data-dir", type=Path, default=ROOT / "var" / "bench" / "import-lock")
    args = parser.parse_args()
    args.data_dir, args.code = args.data_dir.resolve(), args.code.resolve()
    sys.path.insert(0, str(args.code))
    shutil.rmtree(args.data_dir, ignore_errors=True)
    args.data_dir.mkdir(parents=True)
    env = {**os.environ, "PIPELINE_DATA_DIR": str(args.data_dir), "PYTHONPATH": str(args.code)}
    env["PIPELINE_INDEX_WAIT_SECONDS"] = "0"
    run = [sys.executable, "-m", "pipeline.cli"]
    subprocess.run([*run, "db", "upgrade"], env=env, check=True, cwd=args.code, capture_output=True)
    subprocess.run([*run, "seed"], env=env, check=True, cwd=args.code, capture_output=True)
    csv_file = args.data_dir / "projects.csv"
    rows = [f"Imported project {n},Summary of imported project {n},E09000012" for n in range(args.rows)]
    if args.bad_last:
        rows.append("Broken,Refused: no such council,E99999999")
    csv_file.write_text("title,summary,lead_council\n" + "\n".join(rows) + "\n")
    os.environ.update(env)
    waits, failures, seconds = measure([*run, "import", str(csv_file), "--type", "project"], env, args.code)
    print(f"commit {commit(args.code)}, {args.rows:,} rows{' (last row bad)' if args.bad_last else ''}")
    print(f"import: {seconds:.1f} s; creates during it: {len(waits)} ok, {failures} failed")
    if waits:
        print(f"single create wait: longest {max(waits):.2f} s, median {statistics.median(waits):.3f} s")


def measure(command: list[str], env: dict[str, str], code: Path) -> tuple[list[float], int, float]:
    from pipeline.config import load_settings
    from pipeline.schemas.records import ProjectIn
    from pipeline.services.context import Registry
    from pipeline.services.identity.actors import SYSTEM
    from pipeline.services.records.catalogue import KINDS
    from pipeline.services.records.engine import create_record

    registry = Registry(load_settings())
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, cwd=code, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    waits: list[float] = []
    failures = 0
    n = 0
    while process.poll() is None:
        n += 1
        body = ProjectIn(title=f"Camden meanwhile {n}", summary="A single create.", lead_council="E09000007")
        asked = time.perf_counter()
        try:
            create_record(registry, SYSTEM, KINDS["project"], body)
            waits.append(time.perf_counter() - asked)
        except Exception as exc:  # a failed create is what is being counted
            failures += 1
            print(f"create failed after {time.perf_counter() - asked:.1f} s: {exc!r}"[:300])
        time.sleep(0.2)
    seconds = time.perf_counter() - started
    problems = process.stderr.read().decode(errors="replace") if process.stderr else ""
    print("import said:", problems.strip().splitlines()[-1:] or "nothing")
    registry.close()
    return waits, failures, seconds


def commit(code: Path) -> str:
    found = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=code, capture_output=True, text=True)
    return found.stdout.strip() or "unknown"


if __name__ == "__main__":
    main()

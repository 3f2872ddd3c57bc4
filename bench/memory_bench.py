"""Where a server process's memory goes: one process, the load benchmark's reads, in steps.

    .venv/bin/python bench/memory_bench.py --records 100000

Opens the benchmark registry (var/bench/synthetic-N) as a server process would, then runs
the load benchmark's 200 searches, 300 partner suggestions and 50 feed pages, printing the
process's resident memory (VmRSS, and how much of it is mapped index files) after each step,
with the sizes of the caches Pipeline keeps. Settings come from PIPELINE_* variables, as a
server's do: `PIPELINE_INDEX_MEMORY_MAP=true` maps the index's files instead of reading them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from search_bench import machine, query_set  # noqa: E402

from pipeline.config import load_settings  # noqa: E402
from pipeline.services.context import Registry  # noqa: E402
from pipeline.services.discovery.feeds import record_feed  # noqa: E402
from pipeline.services.discovery.matching import suggest_partners  # noqa: E402
from pipeline.services.discovery.search import SearchRequest, search_records  # noqa: E402


def memory() -> dict[str, float]:
    """Resident memory in MB: all of it, and the part that is mapped files (the index)."""
    status = dict(
        line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line
    )
    return {name: int(status[name].split()[0]) / 1024 for name in ("VmRSS", "RssFile", "RssAnon", "VmHWM")}


def caches(registry: Registry) -> str:
    postings = registry.search.postings
    arrays = registry.search.facets._assembled
    facet_bytes = 0
    if arrays is not None:
        assembled = arrays[1]
        facet_bytes = sum(a.entry_docs.nbytes + a.entry_values.nbytes for a in assembled.facets.values())
        facet_bytes += assembled.updated.nbytes
    return (
        f"posting cache {postings._bytes / 2**20:.1f} MB ({len(postings._lists)} lists), "
        f"facet arrays {facet_bytes / 2**20:.1f} MB, answers kept {len(registry.answers._items)}"
    )


def step(name: str, registry: Registry) -> None:
    m = memory()
    print(
        f"| {name} | {m['VmRSS']:.0f} | {m['RssFile']:.0f} | {m['RssAnon']:.0f} | {m['VmHWM']:.0f} | "
        f"{caches(registry)} |",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "var" / "bench")
    args = parser.parse_args()
    data_dir = args.data_dir / f"synthetic-{args.records}"
    if not (data_dir / "pipeline.db").exists():
        raise SystemExit(
            f"No registry in {data_dir}: run bench/search_bench.py --records {args.records} first."
        )
    print(f"Machine: {machine()}\n")
    print("| after | RSS MB | of it mapped files MB | of it heap MB | peak MB | caches |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    registry = Registry(load_settings(None, data_dir=str(data_dir)))
    step("opening the registry", registry)
    queries = query_set(200)
    for params in queries:
        filters = {k: [v] for k, v in params.items() if k != "q"}
        search_records(registry, SearchRequest(q=params["q"], filters=filters))
    step("200 searches", registry)
    with registry.reading() as session:
        from sqlmodel import select

        from pipeline.storage.models import Project

        slugs = list(session.exec(select(Project.slug).order_by(Project.id).limit(300)))
    for slug in slugs:
        suggest_partners(registry, slug, 5)
    step("300 partner suggestions", registry)
    for page in range(1, 51):
        record_feed(registry, SearchRequest(filters={"type": ["project"]}, page=page), "json")
    step("50 feed pages", registry)
    registry.close()


if __name__ == "__main__":
    main()

"""Search benchmark: indexing throughput and search latency at a given registry size.

    .venv/bin/python bench/search_bench.py --records 10000 --records 100000

For each size it builds (or reuses, in var/bench/) a registry of London's councils, the demo
records and deterministic synthetic records; times a full rebuild of the index; then runs a
fixed set of 1-3 word queries, with and without filters (every search counts all facets and
highlights snippets), in-process and over HTTP against `pipeline serve`. It prints the figures
and the machine they were measured on, as a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import socket
import statistics
import sys
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.config import load_settings  # noqa: E402
from pipeline.demo.seed import seed  # noqa: E402
from pipeline.demo.synthetic import TOPICS, seed_synthetic  # noqa: E402
from pipeline.services.context import Registry  # noqa: E402
from pipeline.services.discovery.search import SearchRequest, search_records  # noqa: E402
from pipeline.services.identity.actors import SYSTEM  # noqa: E402
from pipeline.storage.migrate import upgrade  # noqa: E402
from pipeline.vocab import PHASES, SERVICE_AREAS  # noqa: E402

QUERY_SEED = 7
DEMO_RECORDS = 164  # what `pipeline seed` adds before the synthetic records


def machine() -> str:
    cpu = "unknown CPU"
    if Path("/proc/cpuinfo").exists():
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    versions = ", ".join(
        f"{p} {metadata.version(p)}" for p in ("Whoosh", "litestar", "msgspec", "SQLAlchemy")
    )
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, {versions}, SQLite {__import__('sqlite3').sqlite_version}"
    )


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99), "mean": statistics.mean(ordered) * 1000}


def query_set(count: int) -> list[dict[str, Any]]:
    """Fixed queries: 1-3 council-vocabulary words; a third with filters."""
    rng = random.Random(QUERY_SEED)
    words = sorted({w for topics in TOPICS.values() for t in topics for w in t.split() if len(w) > 2})
    queries: list[dict[str, Any]] = []
    for n in range(count):
        params: dict[str, Any] = {"q": " ".join(rng.sample(words, rng.randint(1, 3)))}
        if n % 3 == 1:
            params["service_area"] = rng.choice(SERVICE_AREAS)
        if n % 3 == 2:
            params["phase"] = rng.choice(PHASES)
            params["type"] = "project"
        queries.append(params)
    # Single common words match thousands of records: the expensive case for facets.
    for word in ("repairs", "council", "residents"):
        queries.append({"q": word})
    return queries


def build(size: int, base: Path, rebuild: bool) -> tuple[Registry, dict[str, float]]:
    data_dir = base / f"synthetic-{size}"
    settings = load_settings({}, data_dir=str(data_dir), index_wait_seconds=0)
    fresh = not (data_dir / "pipeline.db").exists()
    registry = Registry(settings)
    upgrade(registry.engine)
    figures: dict[str, float] = {}
    if fresh:
        seed(registry, SYSTEM)
        started = time.perf_counter()
        seed_synthetic(
            registry,
            SYSTEM,
            size - DEMO_RECORDS,
            chunk=2000,
            progress=_progress(size - DEMO_RECORDS, "writing synthetic records"),
        )
        figures["write_s"] = time.perf_counter() - started
    if rebuild or fresh:
        started = time.perf_counter()
        figures["indexed"] = registry.search.rebuild()
        figures["rebuild_s"] = time.perf_counter() - started
    else:
        registry.search.catch_up(wait=True)
        with registry.search.store.reading() as searcher:
            figures["indexed"] = searcher.doc_count() - 1  # less the position marker
    return registry, figures


def _progress(total: int, label: str) -> Callable[[int], None]:
    state = {"done": 0, "shown": 0.0}

    def update(step: int) -> None:
        state["done"] += step
        if time.monotonic() - state["shown"] > 10:
            state["shown"] = time.monotonic()
            print(f"  {label}: {state['done']}/{total}", file=sys.stderr, flush=True)

    return update


def in_process(registry: Registry, queries: list[dict[str, Any]]) -> dict[str, float]:
    def run(params: dict[str, Any]) -> None:
        filters = {k: [v] for k, v in params.items() if k != "q"}
        search_records(registry, SearchRequest(q=params["q"], filters=filters))

    for params in queries[:10]:
        run(params)  # warm the searcher and the facet columns
    samples = []
    for params in queries:
        started = time.perf_counter()
        run(params)
        samples.append(time.perf_counter() - started)
    return percentiles(samples)


def over_http(data_dir: Path, queries: list[dict[str, Any]]) -> dict[str, float]:
    from serving import served  # it imports this module's helpers

    with served(data_dir) as base, httpx.Client(base_url=base, timeout=60) as http:
        for params in queries[:10]:
            http.get("/api/v1/search", params=params).raise_for_status()
        samples = []
        for params in queries:
            started = time.perf_counter()
            http.get("/api/v1/search", params=params).raise_for_status()
            samples.append(time.perf_counter() - started)
    return percentiles(samples)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(base: str, path: str = "/api/v1/status") -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}{path}", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit("the server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, action="append", help="registry size (repeatable)")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--skip-rebuild", action="store_true", help="reuse the existing index")
    args = parser.parse_args()
    sizes = args.records or [10_000]
    queries = query_set(args.queries)
    print(f"Machine: {machine()}")
    print(
        f"Queries: {len(queries)} (1-3 words; a third filtered by service area, a third by phase and type;"
        " every search counts all seven facets exactly and highlights snippets)\n"
    )
    print(
        "| records | write (s) | rebuild (s) | in-process p50 / p95 / p99 (ms) | HTTP p50 / p95 / p99 (ms) |"
    )
    print("| ---: | ---: | ---: | --- | --- |")
    for size in sizes:
        registry, figures = build(size, args.data_dir, rebuild=not args.skip_rebuild)
        local = in_process(registry, queries)
        registry.close()
        remote = over_http(args.data_dir / f"synthetic-{size}", queries)
        write = f"{figures['write_s']:.0f}" if "write_s" in figures else "(reused)"
        rebuild = f"{figures['rebuild_s']:.1f}" if "rebuild_s" in figures else "(skipped)"
        print(
            f"| {int(figures['indexed'])} | {write} | {rebuild} | "
            f"{local['p50']:.1f} / {local['p95']:.1f} / {local['p99']:.1f} | "
            f"{remote['p50']:.1f} / {remote['p95']:.1f} / {remote['p99']:.1f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()

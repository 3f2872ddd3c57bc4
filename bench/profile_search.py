"""Where a search's time goes: cProfile over the service layer, split into its stages.

    .venv/bin/python bench/profile_search.py --records 100000

Uses the registry that `bench/search_bench.py` builds (var/bench/synthetic-N). Runs the same
fixed queries as that benchmark in-process, each once to warm the caches and then under
cProfile with the answer cache bypassed, and reports the time inside each stage: finding the
matching documents, facet counts, relevance scoring, snippets, reading stored fields, and the
rest of the service (the database read and building the response). `--common` profiles only
the single common words, the expensive case. Then it times the same searches over HTTP
against `pipeline serve` (one worker, one client), so the difference between the two is the
framework, the JSON encoding and the transport.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from search_bench import machine, over_http, percentiles, query_set  # noqa: E402

from pipeline.config import load_settings  # noqa: E402
from pipeline.services.context import Registry  # noqa: E402
from pipeline.services.discovery import search as search_service  # noqa: E402
from pipeline.services.discovery.search import SearchRequest  # noqa: E402

# (stage, the functions whose cumulative time is the stage's)
STAGES: list[tuple[str, tuple[str, ...]]] = [
    ("matching documents (masks)", ("executor.py:_matching",)),
    ("facet counts", ("executor.py:_facet_counts",)),
    ("relevance scoring (NumPy)", ("ranking.py:scores", "ranking.py:top")),
    ("relevance scoring (Whoosh)", ("searching.py:search",)),
    # The second name is the same stage in the code before NumPy ranking, for a before-profile.
    ("snippets", ("snippets.py:snippet", "executor.py:_snippet")),
    ("stored fields", ("reading.py:stored_fields",)),
    ("spelling suggestion", ("executor.py:_suggestion",)),
]
TOTAL = "search.py:_search"


def cumulative(stats: pstats.Stats, wanted: str) -> float:
    file_part, function = wanted.split(":")
    # The largest: a function of that name may call another of the same name (a reader
    # delegating to its segments' readers), whose time is already inside it.
    return max(
        (
            row[3]
            for (filename, _, name), row in stats.stats.items()  # type: ignore[attr-defined]
            if filename.endswith(file_part) and name == function
        ),
        default=0.0,
    )


def run(registry: Registry, queries: list[dict[str, Any]]) -> list[float]:
    samples = []
    for params in queries:
        filters = {k: [v] for k, v in params.items() if k != "q"}
        request = SearchRequest(q=params["q"], filters=filters)
        started = time.perf_counter()
        search_service._search(registry, request)  # not the answer cache: every search runs
        samples.append(time.perf_counter() - started)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--common", action="store_true", help="only the single common words")
    parser.add_argument("--no-http", action="store_true")
    args = parser.parse_args()
    folder = args.data_dir / f"synthetic-{args.records}"
    if not (folder / "pipeline.db").exists():
        raise SystemExit(f"no registry in {folder}: run bench/search_bench.py --records {args.records}")
    queries = query_set(args.queries)
    if args.common:
        queries = [q for q in queries if len(q) == 1 and " " not in q["q"]][-3:]
    registry = Registry(load_settings({}, data_dir=str(folder), index_wait_seconds=0))
    run(registry, queries)  # warm: searcher, facet arrays, posting lists
    plain = percentiles(run(registry, queries))
    profiler = cProfile.Profile()
    profiler.enable()
    run(registry, queries)
    profiler.disable()
    registry.close()
    stats = pstats.Stats(profiler)
    total = cumulative(stats, TOTAL)
    print(f"Machine: {machine()}")
    print(f"Queries: {len(queries)}; in-process p50 / p95 {plain['p50']:.1f} / {plain['p95']:.1f} ms\n")
    print("| stage | share of the service's time under cProfile |")
    print("| --- | ---: |")
    accounted = 0.0
    for stage, functions in STAGES:
        spent = sum(cumulative(stats, f) for f in functions)
        accounted += spent
        print(f"| {stage} | {100 * spent / total:.1f} % |")
    print(f"| the rest: database read, response objects | {100 * (total - accounted) / total:.1f} % |")
    if not args.no_http:
        remote = over_http(folder, queries)
        print(
            f"\nOver HTTP, one worker, one client: p50 / p95 {remote['p50']:.1f} / {remote['p95']:.1f} ms"
            f" (framework, JSON and transport: about {remote['p50'] - plain['p50']:.1f} ms at the median)"
        )


if __name__ == "__main__":
    main()

"""Partner matching, measured through the public API: recall@5, recall@10, MRR and latency.

    .venv/bin/python bench/matching_eval.py                       # the demo registry only
    .venv/bin/python bench/matching_eval.py --records 10000 --records 100000

For each registry (the demo data alone, then the demo data inside N synthetic records, built
or reused in var/bench/ like the search benchmark) it starts `pipeline serve` and runs the
labelled cases in bench/data/matching_labels.json:

- leave-one-out: every demo project with partners is deleted through the API, its own text is
  matched (POST /api/v1/match as its lead council), and its partner councils are the councils
  that should be suggested; then it is registered again through the API;
- problems told in other words, with the councils whose records deal with them.

Latency is of POST /api/v1/match and GET /api/v1/projects/{id}/partners over HTTP on loopback.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from dev_set import DEV_SET, load_dev_set  # noqa: E402
from dev_set_eval import dev_set_report  # noqa: E402
from search_bench import DEMO_RECORDS, build, machine, percentiles  # noqa: E402
from serving import serving  # noqa: E402

from pipeline.config import load_settings  # noqa: E402
from pipeline.demo.seed import seed  # noqa: E402
from pipeline.services.context import Registry  # noqa: E402
from pipeline.services.identity.actors import SYSTEM  # noqa: E402
from pipeline.storage.migrate import upgrade  # noqa: E402

LABELS = ROOT / "bench" / "data" / "matching_labels.json"
PIPELINE = [sys.executable, "-m", "pipeline.cli"]
PROJECT_INPUT = [
    "title",
    "summary",
    "problem",
    "approach",
    "phase",
    "service_areas",
    "tags",
    "collaboration",
    "help_wanted",
    "start_date",
    "end_date",
    "funding",
    "contact_url",
    "website_url",
    "external_id",
]


def demo_registry(base: Path) -> Path:
    data_dir = base / "matching-demo"
    shutil.rmtree(data_dir, ignore_errors=True)
    registry = Registry(load_settings({}, data_dir=str(data_dir), index_wait_seconds=0))
    upgrade(registry.engine)
    seed(registry, SYSTEM)
    registry.search.rebuild()
    registry.close()
    return data_dir


def leave_out_cases(http: httpx.Client) -> list[dict[str, Any]]:
    """Every demo project with partners: its slug, and its partners as the expected councils."""
    with (ROOT / "seed" / "projects.json").open() as handle:
        projects = json.load(handle)
    return [
        {
            "id": f"leave-out:{p['title']}",
            "title": p["title"],
            "expected": [x["council"] for x in p["partners"]],
        }
        for p in projects
        if p.get("partners")
    ]


def _slug_of(http: httpx.Client, title: str) -> dict[str, Any]:
    found = http.get("/api/v1/search", params={"q": f'"{title}"', "type": "project", "per_page": 50}).json()
    match = next(item for item in found["items"] if item["title"] == title)
    project: dict[str, Any] = http.get(f"/api/v1/projects/{match['id']}").json()
    return project


def _as_input(project: dict[str, Any]) -> dict[str, Any]:
    body = {name: project[name] for name in PROJECT_INPUT if project.get(name) not in (None, [], "")}
    body["lead_council"] = project["lead_council"]["slug"]
    body["partners"] = [{"council": p["council"]["slug"], "role": p["role"]} for p in project["partners"]]
    body["products"] = [
        {"product": p["record"]["id"], "relation": p["relation"]} for p in project["products"]
    ]
    return body


def run_leave_out(http: httpx.Client, token: str, case: dict[str, Any]) -> tuple[list[str], float]:
    project = _slug_of(http, case["title"])
    auth = {"Authorization": f"Bearer {token}"}
    http.delete(f"/api/v1/projects/{project['id']}", headers=auth).raise_for_status()
    try:
        body = {
            "title": project["title"],
            "text": "\n".join([project["summary"], project["problem"], project["approach"]]),
            "council": project["lead_council"]["slug"],
            "phase": project["phase"],
            "service_areas": project["service_areas"],
            "tags": project["tags"],
            "limit": 10,
        }
        return _match(http, body)
    finally:
        http.post("/api/v1/projects", json=_as_input(project), headers=auth).raise_for_status()


def _match(http: httpx.Client, body: dict[str, Any]) -> tuple[list[str], float]:
    started = time.perf_counter()
    answer = http.post("/api/v1/match", json=body)
    elapsed = time.perf_counter() - started
    answer.raise_for_status()
    return [s["council"]["slug"] for s in answer.json()["suggestions"]], elapsed


def scores(ranked: list[str], expected: list[str]) -> dict[str, float]:
    wanted = set(expected)
    first = next((rank for rank, slug in enumerate(ranked, start=1) if slug in wanted), None)
    return {
        "recall@5": len(wanted & set(ranked[:5])) / len(wanted),
        "recall@10": len(wanted & set(ranked[:10])) / len(wanted),
        "mrr": 1 / first if first else 0.0,
    }


def evaluate(http: httpx.Client, token: str) -> dict[str, Any]:
    labels = json.loads(LABELS.read_text())
    results: dict[str, list[dict[str, float]]] = {"leave-one-out": [], "other words": []}
    latencies: list[float] = []
    misses: list[str] = []
    for case in leave_out_cases(http):
        ranked, elapsed = run_leave_out(http, token, case)
        results["leave-one-out"].append(scores(ranked, case["expected"]))
        latencies.append(elapsed)
    for case in labels["cases"]:
        ranked, elapsed = _match(http, {"text": case["text"], "council": case["council"], "limit": 10})
        found = scores(ranked, case["expected"])
        results["other words"].append(found)
        latencies.append(elapsed)
        if found["recall@10"] < 1:
            misses.append(f"{case['id']}: expected {case['expected']}, got {ranked[:10]}")
    summary = {name: _mean(rows) for name, rows in results.items()}
    summary["all"] = _mean([row for rows in results.values() for row in rows])
    return {
        "quality": summary,
        "cases": {k: len(v) for k, v in results.items()},
        "match_latency": latencies,
        "misses": misses,
    }


def _mean(rows: list[dict[str, float]]) -> dict[str, float]:
    return {key: sum(row[key] for row in rows) / len(rows) for key in ("recall@5", "recall@10", "mrr")}


def partner_latency(http: httpx.Client, samples: int) -> dict[str, float]:
    # From the database's list, not the search index's: just after the leave-one-out writes the
    # index may still hold a project deleted a moment ago.
    projects = http.get("/api/v1/projects", params={"limit": 100}).json()["items"]
    rng = random.Random(7)
    for project in projects[:5]:
        http.get(f"/api/v1/projects/{project['id']}/partners").raise_for_status()  # warm up
    times = []
    for _ in range(samples):
        project = rng.choice(projects)
        started = time.perf_counter()
        http.get(f"/api/v1/projects/{project['id']}/partners").raise_for_status()
        times.append(time.perf_counter() - started)
    return percentiles(times)


def match_latency(http: httpx.Client, samples: int) -> dict[str, float]:
    """POST /api/v1/match with the labelled problems in random order, no write in between."""
    cases = json.loads(LABELS.read_text())["cases"]
    rng = random.Random(11)
    times = []
    for _ in range(samples):
        case = rng.choice(cases)
        body = {"text": case["text"], "council": case["council"], "limit": 10}
        started = time.perf_counter()
        http.post("/api/v1/match", json=body).raise_for_status()
        times.append(time.perf_counter() - started)
    return percentiles(times)


def new_text_latency(http: httpx.Client, samples: int) -> dict[str, float]:
    """POST /api/v1/match with texts not asked before (registered projects' own), no write in
    between. The answer cache cannot serve them; many of their words' postings are cached by
    the earlier questions all the same, so this is not yet a cold question's cost."""
    projects = http.get("/api/v1/projects", params={"limit": 1000}).json()["items"]
    times = []
    for project in projects[-samples:]:  # beyond the first 100, which the partner timings ask for
        body = {"title": project["title"], "text": project["summary"] or project["title"], "limit": 10}
        started = time.perf_counter()
        http.post("/api/v1/match", json=body).raise_for_status()
        times.append(time.perf_counter() - started)
    return {**percentiles(times), "n": len(times)}


def _ms(figures: dict[str, float]) -> str:
    return f"p50 {figures['p50']:.1f} ms, p95 {figures['p95']:.1f} ms"


def report(
    label: str,
    records: int,
    result: dict[str, Any],
    partners: dict[str, float],
    steady: dict[str, float],
    new_texts: dict[str, float],
) -> None:
    match = percentiles(result["match_latency"])
    print(f"\n## {label}: {records:,} records")
    print("| cases | n | recall@5 | recall@10 | MRR |\n| --- | ---: | ---: | ---: | ---: |")
    for name, got in result["quality"].items():
        n = sum(result["cases"].values()) if name == "all" else result["cases"][name]
        print(f"| {name} | {n} | {got['recall@5']:.2f} | {got['recall@10']:.2f} | {got['mrr']:.2f} |")
    calls = len(result["match_latency"])
    print(f"\nPOST /api/v1/match, each just after a write (n={calls}): {_ms(match)}")
    print(f"POST /api/v1/match, no write between (n=200): {_ms(steady)}")
    asked = int(new_texts["n"])
    print(f"POST /api/v1/match, texts not asked before, no write between (n={asked}): {_ms(new_texts)}")
    p50, p95 = partners["p50"], partners["p95"]
    print(f"GET /api/v1/projects/{{id}}/partners (n=200): p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    for miss in result["misses"]:
        print(f"  missed: {miss}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, action="append", default=[], help="registry size (repeatable)")
    parser.add_argument("--data-dir", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument(
        "--dev-set",
        nargs="?",
        type=Path,
        const=DEV_SET,
        help="measure on the real development set instead (default: %(const)s)",
    )
    args = parser.parse_args()
    print(f"Machine: {machine()}")
    if args.dev_set:
        dev_set_report(load_dev_set(args.dev_set), args.data_dir)
        return
    runs = [("demo data", demo_registry(args.data_dir), DEMO_RECORDS)]
    for size in args.records:
        registry, _ = build(size, args.data_dir, rebuild=False)
        registry.close()
        runs.append(("demo data among synthetic records", args.data_dir / f"synthetic-{size}", size))
    for label, data_dir, records in runs:
        with serving(data_dir) as (http, token):
            result = evaluate(http, token)
            partners = partner_latency(http, 200)
            steady = match_latency(http, 200)
            new_texts = new_text_latency(http, 100)
        report(label, records, result, partners, steady, new_texts)


if __name__ == "__main__":
    main()

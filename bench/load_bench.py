"""Load benchmark: Pipeline under a realistic mix, and side by side with datasette, at 100,000 records.

    .venv/bin/python bench/load_bench.py --records 100000      (what `make bench` runs)

1. Builds (or reuses, in var/bench/) a registry of synthetic records, as bench/search_bench.py does.
2. Copies the same records, with the same searchable text and facets, into a SQLite file with an
   FTS5 index, for datasette.
3. Installs Locust and datasette into their own environment (var/bench/tools), not the product's.
4. Starts `pipeline serve --workers 2` and `datasette` on loopback and drives them from Locust
   (a separate process) for a fixed time at a fixed concurrency:
   - the mix: searches with and without filters, record pages, partner suggestions, feeds with
     and without conditional GET, and writes (create, then delete);
   - while the mix runs, the time from a write until a search finds it;
   - the same searches against Pipeline and against datasette, one system at a time;
   - wrk (from Debian) for the conditional feed request, whose target is in thousands a second.
5. Prints a Markdown table per part, the machine, and each server's peak memory, and writes
   the figures to var/bench/load-results.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from import_lock_bench import commit  # noqa: E402
from search_bench import build, free_port, machine, percentiles, query_set, wait_for  # noqa: E402

from pipeline.search.documents import document_for, region_slug  # noqa: E402
from pipeline.services.identity.actors import SYSTEM  # noqa: E402
from pipeline.services.identity.tokens import create_token  # noqa: E402

TOOLS = ("locust>=2.32", "datasette>=0.65")
# Searches drawn for the comparison, before duplicates are removed: enough that no run repeats
# one (a repeated search is answered from Pipeline's answer cache, which would flatter it).
COMPARED = 40_000
# Facets datasette counts with plain GROUP BY over plain columns, without JSON arrays (phase,
# a record's first service area and its lead council): a lighter question than Pipeline's six
# exact facets over every value of a record.
LIGHT_FACETS = "_facet=phase&_facet=service_area&_facet=lead_council"
FACETS = "&".join(
    ["_facet=type", "_facet=phase"]
    + [f"_facet_array={name}" for name in ("councils", "service_areas", "tags", "regions")]
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=8, help="concurrent users (Locust)")
    parser.add_argument("--seconds", type=int, default=60, help="length of each Locust run")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument(
        "--compare-only",
        type=int,
        action="append",
        metavar="USERS",
        help="only the same searches against each system, at this many users (repeatable)",
    )
    parser.add_argument(
        "--pipeline-only", action="store_true", help="measure Pipeline alone, without datasette"
    )
    parser.add_argument(
        "--code", type=Path, default=ROOT, help="the Pipeline checkout to serve (a figure before a change)"
    )
    args = parser.parse_args()
    args.code = args.code.resolve()
    base: Path = args.data_dir
    out = base / "load"
    out.mkdir(parents=True, exist_ok=True)
    tools = install_tools(base / "tools")
    wrk = install_wrk()

    registry, _ = build(args.records, base, rebuild=False)
    data_dir = base / f"synthetic-{args.records}"
    token = create_token(registry, SYSTEM, council=None, admin=True, lifetime=timedelta(hours=3)).token
    registry.close()
    peer_db = build_peer(data_dir / "pipeline.db", base / f"peer-{args.records}.db")
    plan = make_plan(data_dir, token, peer_db.stem)
    plan_file = out / "plan.json"

    print(f"Machine: {machine()}")
    print(f"Code: commit {commit(args.code)}")
    if args.compare_only:
        compare_only(args, data_dir, peer_db, plan, plan_file, tools)
        return
    print(f"Registry: {args.records} records; {args.users} users, {args.seconds} s a run, no think time\n")
    results: dict[str, Any] = {"machine": machine(), "records": args.records, "users": args.users}
    with pipeline_server(data_dir, args.workers, args.code) as (pipeline_url, server_pids):
        plan["feed_etag"] = httpx.get(f"{pipeline_url}/api/v1/feed.json?type=project").headers["ETag"]
        plan_file.write_text(json.dumps(plan))
        warm(pipeline_url, plan)
        with lag_probe(pipeline_url, plan) as lags:
            mix = locust(tools, "mix", pipeline_url, plan_file, out / "mix", args)
        results["mix"] = mix
        results["write_to_searchable_ms"] = percentiles(lags) if lags else {}
        results["lag_samples"] = len(lags)
        ours = locust(tools, "pipeline-search", pipeline_url, plan_file, out / "pipeline-search", args)
        results["not_modified"] = run_wrk(wrk, f"{pipeline_url}/api/v1/feed.json?type=project", plan)
        results["peak_rss_mb"] = peak_rss(server_pids())
    results["search_ours"] = ours
    variants = () if args.pipeline_only else ("datasette", "datasette_light")
    for variant in variants:
        with datasette_server(tools, peer_db) as datasette_url:
            warm_datasette(datasette_url, plan, variant)
            results[f"search_{variant}"] = locust(
                tools, "datasette-search", datasette_url, plan_file, out / variant, args, variant
            )
    report(results)
    (base / "load-results.json").write_text(json.dumps(results, indent=2))


def compare_only(
    args: Any, data_dir: Path, peer_db: Path, plan: dict[str, Any], plan_file: Path, tools: Path
) -> None:
    """The same distinct searches against each system alone, at each number of users."""
    plan_file.write_text(json.dumps(plan))
    out = plan_file.parent
    rows: dict[int, dict[str, Any]] = {}
    for users in args.compare_only:
        args.users = users
        with pipeline_server(data_dir, args.workers) as (pipeline_url, _):
            warm(pipeline_url, plan)
            ours = locust(tools, "pipeline-search", pipeline_url, plan_file, out / f"ours-{users}", args)
        rows[users] = {"Pipeline": ours["search"]}
        if ours["search"]["requests"] > len(plan["comparison"]):
            print(f"warning: {users} users repeated searches: some answers came from the cache")
        for variant in ("datasette", "datasette_light"):
            with datasette_server(tools, peer_db) as datasette_url:
                warm_datasette(datasette_url, plan, variant)
                found = locust(
                    tools,
                    "datasette-search",
                    datasette_url,
                    plan_file,
                    out / f"{variant}-{users}",
                    args,
                    variant,
                )
            rows[users][variant] = found["search"]
    names = {
        "Pipeline": f"Pipeline, {args.workers} workers: seven exact facets, snippets",
        "datasette": "datasette, FTS5: six of the same facets (four as JSON arrays)",
        "datasette_light": "datasette, FTS5: three plain-column facets, no snippets",
    }
    print(f"Registry: {args.records} records; {args.seconds} s a run, no think time\n")
    print("| users | system | requests | errors | req/s | p50 ms | p95 ms | Pipeline's req/s as a multiple |")
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for users, systems in rows.items():
        ours_rps = systems["Pipeline"]["rps"]
        for key, row in systems.items():
            ratio = "" if key == "Pipeline" else f"{ours_rps / row['rps']:.2f}" if row["rps"] else "inf"
            print(
                f"| {users} | {names[key]} | {row['requests']} | {row['failures']} | {row['rps']:.1f} | "
                f"{row['p50']:.0f} | {row['p95']:.0f} | {ratio} |"
            )
    (args.data_dir / "compare-results.json").write_text(json.dumps(rows, indent=2))


# --- Tools -------------------------------------------------------------------------------


def install_tools(venv: Path) -> Path:
    """Locust and datasette in an environment of their own (they are not Pipeline's dependencies)."""
    if not (venv / "bin" / "locust").exists() or not (venv / "bin" / "datasette").exists():
        print("Installing Locust and datasette into var/bench/tools ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", *TOOLS], check=True)
    return venv / "bin"


def install_wrk() -> str:
    found = shutil.which("wrk")
    if found is None:
        print("Installing wrk from Debian ...", file=sys.stderr)
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, stdout=subprocess.DEVNULL)
        found = shutil.which("wrk")
    if found is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    return found


# --- The peer's copy of the records ---------------------------------------------------------


def latest_states(database: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every record's current state, from the change log (as the search index gets it)."""
    with sqlite3.connect(database) as db:
        query = """
            SELECT c.entity_type, c.data FROM changes c
            JOIN (SELECT entity_type, entity_id, MAX(seq) AS seq FROM changes
                  WHERE entity_type != 'council' GROUP BY entity_type, entity_id) last
              ON c.seq = last.seq
            WHERE c.operation != 'delete'
        """
        for entity_type, data in db.execute(query):
            yield entity_type, json.loads(data)


def build_peer(database: Path, peer: Path) -> Path:
    """The records as one table with an FTS5 index on the text Pipeline searches (title, content)."""
    if peer.exists():  # the benchmark's own writes are deleted again: the records stay the same
        return peer
    print(f"Copying the records into {peer.name} for datasette ...", file=sys.stderr)
    with sqlite3.connect(database) as db:
        named = dict(db.execute("SELECT slug, region FROM council"))
    regions = {slug: region_slug(region) for slug, region in named.items() if region}
    peer.unlink(missing_ok=True)
    with sqlite3.connect(peer) as db:
        db.execute(
            "CREATE TABLE records (id TEXT PRIMARY KEY, type TEXT, title TEXT, content TEXT, owner TEXT,"
            " councils TEXT, phase TEXT, service_areas TEXT, tags TEXT, regions TEXT, updated TEXT,"
            " lead_council TEXT, service_area TEXT)"
        )
        db.executemany(
            "INSERT INTO records VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", _peer_rows(database, regions)
        )
        for column in ("type", "phase", "updated", "lead_council", "service_area"):
            db.execute(f"CREATE INDEX records_{column} ON records ({column})")
        db.execute(
            "CREATE VIRTUAL TABLE records_fts USING fts5"
            "(title, content, content='records', content_rowid='rowid')"
        )
        db.execute(
            "INSERT INTO records_fts (rowid, title, content) SELECT rowid, title, content FROM records"
        )
    return peer


def _peer_rows(database: Path, regions: dict[str, str]) -> Iterator[tuple[Any, ...]]:
    def listed(value: str) -> str:
        return json.dumps([v for v in value.split(",") if v])

    for entity_type, state in latest_states(database):
        doc = document_for(entity_type, state, regions)
        yield (
            doc["id"],
            doc["type"],
            doc["title"],
            doc["content"],
            doc["owner"],
            listed(doc["council"]),
            doc["phase"],
            listed(doc["service_area"]),
            listed(doc["tag"]),
            listed(doc["region"]),
            doc["updated"].isoformat(),
            doc["owner"],  # plain columns, for plain facets: the lead council, the first service area
            next(iter(v for v in doc["service_area"].split(",") if v), None),
        )


# --- The plan: the same requests for both systems -----------------------------------------------


def make_plan(data_dir: Path, token: str, peer: str) -> dict[str, Any]:
    """Search addresses for both systems from the same queries, and real records to read."""
    rng = random.Random(11)
    with sqlite3.connect(data_dir / "pipeline.db") as db:
        projects = [row[0] for row in db.execute("SELECT slug FROM project ORDER BY id LIMIT 2000")]
        products = [row[0] for row in db.execute("SELECT slug FROM product ORDER BY id LIMIT 500")]
        council = db.execute("SELECT gss_code FROM council WHERE gss_code IS NOT NULL LIMIT 1").fetchone()[0]
    queries = query_set(200)
    plain = [q for q in queries if set(q) == {"q"}]
    filtered = [q for q in queries if set(q) != {"q"}]
    pages = [f"/projects/{slug}" for slug in rng.sample(projects, 300)]
    pages += [f"/products/{slug}" for slug in rng.sample(products, 100)]
    return {
        "queries": [f"/api/v1/search?{urlencode(q)}" for q in plain],
        "filtered_queries": [f"/api/v1/search?{urlencode(q)}" for q in filtered],
        "record_pages": pages,
        "projects": rng.sample(projects, 300),
        # Distinct searches, so that neither system answers a repeated one from memory.
        "comparison": [comparison(q, peer) for q in distinct(query_set(COMPARED)) if q not in queries],
        "token": token,
        "council": council,
    }


def distinct(queries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for query in queries:
        seen.setdefault(urlencode(sorted(query.items())), query)
    return list(seen.values())


def comparison(query: dict[str, Any], peer: str) -> dict[str, str]:
    """One search as each system asks it: words, the same filters, six facets, 20 results."""
    ours = f"/api/v1/search?{urlencode(query)}"
    theirs: dict[str, str] = {"_search": query["q"], "_size": "20", "_shape": "objects"}
    if "service_area" in query:
        theirs["service_areas__arraycontains"] = query["service_area"]
    for name in ("phase", "type"):
        if name in query:
            theirs[name] = query[name]
    theirs_url = f"/{peer}/records.json?{urlencode(theirs)}"
    plain = {**theirs}
    if "service_area" in query:
        del plain["service_areas__arraycontains"]
        plain["service_area"] = query["service_area"]
    return {
        "pipeline": ours,
        "datasette": f"{theirs_url}&{FACETS}",
        "datasette_light": f"/{peer}/records.json?{urlencode(plain)}&{LIGHT_FACETS}",
    }


# --- Servers ------------------------------------------------------------------------------


@contextmanager
def pipeline_server(data_dir: Path, workers: int, code: Path = ROOT) -> Iterator[tuple[str, Any]]:
    """`pipeline serve` from the checkout `code`, on the registry in `data_dir`."""
    port = free_port()
    env = {
        **os.environ,
        "PIPELINE_DATA_DIR": str(data_dir),
        "PIPELINE_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(code),
    }
    command = [sys.executable, "-m", "pipeline.cli", "serve", "--port", str(port), "--workers", str(workers)]
    server = subprocess.Popen(command, cwd=code, env=env, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(url, "/api/v1/status")
        yield url, lambda: descendants(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=60)


@contextmanager
def datasette_server(tools: Path, database: Path) -> Iterator[str]:
    port = free_port()
    command = [
        str(tools / "datasette"),
        "serve",
        "-i",
        str(database),
        "--port",
        str(port),
        "--setting",
        "sql_time_limit_ms",
        "20000",
        "--setting",
        "facet_time_limit_ms",
        "20000",
        "--setting",
        "default_facet_size",
        "30",
        # Pipeline suggests no facets; datasette should not spend time working out suggestions either.
        "--setting",
        "suggest_facets",
        "off",
    ]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(url, "/-/versions.json")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=60)


def descendants(pid: int) -> list[int]:
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            queue += [int(child) for child in task.read_text().split()]
    return found


def peak_rss(pids: list[int]) -> dict[str, float]:
    """Each process's peak resident memory (VmHWM), in MB, by its role and process id; and,
    for workers, what is resident now split into mapped files (the index) and heap, and their
    proportional share (PSS: pages shared with other processes, such as the index's, counted
    once across them)."""
    peaks = {}
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        sizes = {
            line.split(":")[0]: int(line.split()[1]) / 1024 for line in status.splitlines() if " kB" in line
        }
        kind = role(command)
        name = f"{kind} {pid}"
        peaks[name] = sizes.get("VmHWM", 0.0)
        if kind == "worker":
            peaks[f"{name} now: mapped files"] = sizes.get("RssFile", 0.0)
            peaks[f"{name} now: heap"] = sizes.get("RssAnon", 0.0)
            peaks[f"{name} now: proportional"] = proportional_mb(pid)
    return peaks


def proportional_mb(pid: int) -> float:
    """A process's proportional set size (PSS) now, in MB; 0 if it has gone."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0.0
    return next((int(line.split()[1]) / 1024 for line in rollup.splitlines() if line.startswith("Pss:")), 0.0)


def role(command: str) -> str:
    """What a process of `pipeline serve` is, from its command line."""
    for marker, name in (
        (" index ", "indexer"),
        (" mail send ", "mailer"),
        (" worker --fd ", "worker"),
        (" serve ", "supervisor"),
        ("resource_tracker", "resource tracker"),
        ("spawn_main", "worker"),
    ):
        if marker in command:
            return name
    return "other"


def warm(url: str, plan: dict[str, Any]) -> None:
    """One pass over a sample of each kind of request, so neither system is measured cold."""
    with httpx.Client(base_url=url, timeout=120) as http:
        for path in plan["queries"][:20] + plan["filtered_queries"][:20] + plan["record_pages"][:20]:
            http.get(path).raise_for_status()
        for slug in plan["projects"][:20]:
            http.get(f"/api/v1/projects/{slug}/partners").raise_for_status()


def warm_datasette(url: str, plan: dict[str, Any], variant: str) -> None:
    with httpx.Client(base_url=url, timeout=120) as http:
        for query in plan["comparison"][:10]:
            http.get(query[variant]).raise_for_status()


# --- Measuring ------------------------------------------------------------------------------


def locust(
    tools: Path, users: str, url: str, plan: Path, prefix: Path, args: Any, variant: str = ""
) -> dict[str, Any]:
    env = {**os.environ, "BENCH_PLAN": str(plan), "BENCH_USERS": users, "BENCH_VARIANT": variant}
    command = [
        str(tools / "locust"),
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--users",
        str(args.users),
        "--spawn-rate",
        str(args.users),
        "--run-time",
        f"{args.seconds}s",
        "--host",
        url,
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    with Path(f"{prefix}.log").open("w") as log:
        subprocess.run(command, env=env, check=False, stdout=log, stderr=log, cwd=ROOT)
    return read_stats(Path(f"{prefix}_stats.csv"))


def read_stats(path: Path) -> dict[str, Any]:
    stats = {}
    with path.open(newline="") as file:
        for row in csv.DictReader(file):
            stats[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "rps": float(row["Requests/s"]),
                "p50": float(row["50%"]),
                "p95": float(row["95%"]),
                "p99": float(row["99%"]),
            }
    return stats


@contextmanager
def lag_probe(url: str, plan: dict[str, Any]) -> Iterator[list[float]]:
    """While the load runs: write a project with a new word, then search until it is found."""
    lags: list[float] = []
    stop = threading.Event()
    headers = {"Authorization": f"Bearer {plan['token']}"}

    def probe() -> None:
        with httpx.Client(base_url=url, timeout=30, headers=headers) as http:
            while not stop.wait(2):
                word = f"lagprobe{uuid.uuid4().hex[:12]}"
                body = {
                    "title": f"Lag probe {word}",
                    "summary": "Measuring.",
                    "lead_council": plan["council"],
                }
                started = time.perf_counter()
                made = http.post("/api/v1/projects", json=body)
                made.raise_for_status()
                while http.get("/api/v1/search", params={"q": word}).json()["total"] == 0:
                    time.sleep(0.01)
                lags.append(time.perf_counter() - started)
                http.delete(f"/api/v1/projects/{made.json()['id']}")

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    try:
        yield lags
    finally:
        stop.set()
        thread.join(timeout=60)


def run_wrk(wrk: str, url: str, plan: dict[str, Any]) -> dict[str, Any]:
    """The conditional feed request, as fast as one wrk thread with 16 connections can send it."""
    etag = httpx.get(url).headers["ETag"]
    command = [wrk, "-t1", "-c16", "-d20s", "--latency", "-H", f"If-None-Match: {etag}", url]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    figures: dict[str, Any] = {"raw": output}
    for line in output.splitlines():
        words = line.split()
        if line.startswith("Requests/sec:"):
            figures["rps"] = float(words[1])
        elif words[:1] in (["50%"], ["99%"]):
            figures[words[0]] = words[1]
        elif "Non-2xx or 3xx" in line:
            figures["errors"] = int(words[-1])
    figures.setdefault("errors", 0)
    return figures


# --- Report -------------------------------------------------------------------------------


def report(results: dict[str, Any]) -> None:
    print("Mix (all endpoints at once):\n")
    print("| endpoint | requests | errors | req/s | p50 ms | p95 ms | p99 ms |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, row in results["mix"].items():
        print(
            f"| {name} | {row['requests']} | {row['failures']} | {row['rps']:.1f} | "
            f"{row['p50']:.0f} | {row['p95']:.0f} | {row['p99']:.0f} |"
        )
    lag = results["write_to_searchable_ms"]
    if lag:
        print(
            f"\nWrite to searchable, while the mix ran ({results['lag_samples']} writes): "
            f"p50 {lag['p50']:.0f} ms, p95 {lag['p95']:.0f} ms, p99 {lag['p99']:.0f} ms"
        )
    wrk = results["not_modified"]
    print(
        f"\nFeed with a matching If-None-Match (wrk, 1 thread, 16 connections, 20 s): "
        f"{wrk.get('rps', 0):.0f} req/s, p50 {wrk.get('50%')}, p99 {wrk.get('99%')}, errors {wrk['errors']}"
    )
    peaks = results["peak_rss_mb"]
    listed = ", ".join(f"{name} {mb:.0f}" for name, mb in peaks.items())
    print(f"\nServer peak memory (VmHWM per process, MB): {listed}")
    if "search_datasette" not in results:
        row = results["search_ours"]["search"]
        print(
            f"\nThe same searches, Pipeline alone: {row['requests']} requests, {row['failures']} errors,"
            f" {row['rps']:.1f} req/s, p50 {row['p50']:.0f} ms, p95 {row['p95']:.0f} ms,"
            f" p99 {row['p99']:.0f} ms"
        )
        return
    ours, theirs = results["search_ours"]["search"], results["search_datasette"]["search"]
    light = results["search_datasette_light"]["search"]
    print("\nThe same searches, one system at a time:\n")
    print("| system | requests | errors | req/s | p50 ms | p95 ms | p99 ms |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    systems = (
        ("Pipeline, 2 workers: seven facets, snippets", ours),
        ("datasette, FTS5: six of the same facets", theirs),
        ("datasette, FTS5: three plain-column facets only", light),
    )
    for name, row in systems:
        print(
            f"| {name} | {row['requests']} | {row['failures']} | {row['rps']:.1f} | "
            f"{row['p50']:.0f} | {row['p95']:.0f} | {row['p99']:.0f} |"
        )
    throughput = ours["rps"] / theirs["rps"] if theirs["rps"] else float("inf")
    latency = ours["p95"] / theirs["p95"] if theirs["p95"] else float("inf")
    print(f"\nRatio, Pipeline to datasette: throughput {throughput:.2f}, p95 {latency:.2f} (lower is faster)")
    light_throughput = ours["rps"] / light["rps"] if light["rps"] else float("inf")
    light_latency = ours["p95"] / light["p95"] if light["p95"] else float("inf")
    print(
        f"Ratio, Pipeline to datasette with three plain facets: throughput {light_throughput:.2f}, "
        f"p95 {light_latency:.2f}"
    )
    results["ratios"] = {"throughput": throughput, "p95": latency}
    results["ratios_light"] = {"throughput": light_throughput, "p95": light_latency}


if __name__ == "__main__":
    main()

"""The index equals the database: after crashes, under concurrent writers, and in its counts."""

from __future__ import annotations

import random
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar.testing import TestClient
from sqlmodel import select

from pipeline.demo.seed import seed
from pipeline.search.fields import KEYWORD_FACETS, META_ID
from pipeline.search.indexer import INDEXING_PROCS, catch_up
from pipeline.search.store import IndexStore
from pipeline.services.context import Registry
from pipeline.services.identity.actors import SYSTEM
from pipeline.storage.models import RECORD_TABLES, Council, RecordCouncil, RecordLabel
from pipeline.text import slugify
from tests.conftest import project_body
from tests.live import process_running, serve_process

ROOT = Path(__file__).resolve().parents[1]


def index_versions(store: IndexStore) -> dict[str, int]:
    with store.reading() as searcher:
        return {
            str(doc["id"]): int(doc["version"]) for doc in searcher.documents() if doc.get("id") != META_ID
        }


def database_versions(registry: Registry) -> dict[str, int]:
    with registry.reading() as session:
        return {
            row.id: row.version for table in RECORD_TABLES.values() for row in session.exec(select(table))
        }


# -- facet counts against SQL ------------------------------------------------------------------


def facet_table(registry: Registry) -> list[dict[str, set[str]]]:
    """Every record's facet values, read from the database with SQL (not from the index)."""
    with registry.reading() as session:
        councils = {c.id: c for c in session.exec(select(Council))}
        labels: dict[str, dict[str, set[str]]] = {}
        for label in session.exec(select(RecordLabel)):
            labels.setdefault(label.record_id, {}).setdefault(label.kind, set()).add(label.value)
        taking_part: dict[str, set[str]] = {}
        for part in session.exec(select(RecordCouncil)):
            taking_part.setdefault(part.record_id, set()).add(part.council_id)
        rows = []
        for record_type, table in RECORD_TABLES.items():
            for row in session.exec(select(table)):
                involved = [councils[row.owner_council_id]] + [
                    councils[c] for c in taking_part.get(row.id, ())
                ]
                own = labels.get(row.id, {})
                rows.append(
                    {
                        "type": {record_type},
                        "council": {c.slug for c in involved},
                        "phase": {getattr(row, "phase", "")} - {""},
                        "service_area": own.get("service_area", set()),
                        "lgsl": own.get("lgsl", set()),
                        "tag": own.get("tag", set()),
                        "region": {slugify(c.region) for c in involved if c.region},
                    }
                )
    return rows


def expected(
    rows: list[dict[str, set[str]]], filters: dict[str, list[str]]
) -> tuple[int, dict[str, Counter[str]]]:
    def passes(row: dict[str, set[str]], skip: str | None = None) -> bool:
        return all(row[name] & set(values) for name, values in filters.items() if name != skip)

    total = sum(1 for row in rows if passes(row))
    counts = {
        name: Counter(v for row in rows if passes(row, name) for v in row[name]) for name in KEYWORD_FACETS
    }
    return total, counts


def random_filters(rng: random.Random, rows: list[dict[str, set[str]]]) -> dict[str, list[str]]:
    filters: dict[str, list[str]] = {}
    for name in rng.sample(KEYWORD_FACETS, rng.randint(0, 3)):
        values = sorted({v for row in rows for v in row[name]})
        if values:
            filters[name] = rng.sample(values, min(len(values), rng.randint(1, 3)))
    return filters


def test_facet_counts_equal_sql_counts_on_random_queries(client: TestClient[Any], registry: Registry) -> None:
    seed(registry, SYSTEM)
    rows = facet_table(registry)
    rng = random.Random(20261122)
    for _ in range(250):
        filters = random_filters(rng, rows)
        result = client.get("/api/v1/search", params={**filters, "per_page": 1}).json()
        total, counts = expected(rows, filters)
        assert result["total"] == total, filters
        for name in KEYWORD_FACETS:
            shown = {f["value"]: f["count"] for f in result["facets"][name]}
            assert all(counts[name][value] == count for value, count in shown.items()), (filters, name)
            hidden = set(counts[name]) - set(shown)
            assert not hidden or max(counts[name][v] for v in hidden) <= min(shown.values()), (filters, name)


# -- a crash between the database commit and the index commit -----------------------------------


def test_killed_indexer_loses_nothing(registry: Registry, councils: dict[str, str]) -> None:
    settings = registry.settings
    command = [
        sys.executable,
        "-m",
        "tests.crash_indexer",
        settings.resolved_database_url,
        str(settings.data_dir),
        "3",
    ]
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True) as helper:
        assert helper.stdout is not None
        assert helper.stdout.readline().strip() == "READY"
        helper.send_signal(signal.SIGKILL)
        assert helper.wait(timeout=30) == -signal.SIGKILL
    assert len(database_versions(registry)) == 3  # committed before the crash
    store = IndexStore(settings.data_dir / "index")
    assert index_versions(store) == {}
    assert catch_up(store, registry.engine) >= 3  # the writer lock died with the process
    assert index_versions(store) == database_versions(registry)
    store.close()


def test_killed_parallel_indexer_loses_nothing_and_leaves_no_process_behind(
    registry: Registry, councils: dict[str, str]
) -> None:
    settings = registry.settings
    command = [sys.executable, "-m", "tests.crash_indexer", settings.resolved_database_url]
    command += [str(settings.data_dir), "250", "parallel"]  # enough for a job in each process
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True) as helper:
        assert helper.stdout is not None
        ready, *indexing = helper.stdout.readline().split()
        assert ready == "READY"
        assert len(indexing) == INDEXING_PROCS
        assert all(process_running(int(pid)) for pid in indexing)
        helper.send_signal(signal.SIGKILL)
        assert helper.wait(timeout=30) == -signal.SIGKILL
    deadline = time.monotonic() + 30
    while any(process_running(int(pid)) for pid in indexing) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(process_running(int(pid)) for pid in indexing)  # they end with their parent
    assert len(database_versions(registry)) == 250
    store = IndexStore(settings.data_dir / "index")
    assert index_versions(store) == {}
    assert catch_up(store, registry.engine) >= 250
    assert index_versions(store) == database_versions(registry)
    store.close()


# -- two server processes writing at once -------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(registry: Registry, port: int) -> subprocess.Popen[bytes]:
    settings = registry.settings
    env = {"PIPELINE_INDEX_POLL_SECONDS": "0.2"}
    return serve_process(settings.resolved_database_url, settings.data_dir, port, env, f"server-{port}.log")


def write_many(port: int, token: str, worker: int, count: int) -> list[tuple[int, str]]:
    """Create, update and delete projects; returns (status, body) of every write."""
    results: list[tuple[int, str]] = []
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=60) as http:
        for n in range(count):
            made = http.post("/api/v1/projects", json=project_body(title=f"Concurrent {worker}-{n}"))
            results.append((made.status_code, made.text))
            if made.status_code != 201:
                continue
            key = made.json()["id"]
            if n % 3 == 0:
                changed = http.patch(f"/api/v1/projects/{key}", json={"phase": "beta"})
                results.append((changed.status_code, changed.text))
            if n % 5 == 0:
                gone = http.delete(f"/api/v1/projects/{key}")
                results.append((gone.status_code, gone.text))
    return results


@pytest.mark.slow
def test_two_server_processes_writing_at_once_keep_index_equal_to_database(
    registry: Registry, tokens: dict[str, str]
) -> None:
    ports = [free_port(), free_port()]
    servers = [start_server(registry, port) for port in ports]
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            jobs = [pool.submit(write_many, ports[w % 2], tokens["hackney"], w, 60) for w in range(4)]
            results = [r for job in jobs for r in job.result()]
        assert len(results) >= 300
        failed = [(status, body[:300]) for status, body in results if status not in (200, 201, 204)]
        assert failed == [], server_logs(registry)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            states = [httpx.get(f"http://127.0.0.1:{p}/api/v1/status").json() for p in ports]
            if all(s["indexed_change"] == s["latest_change"] for s in states):
                break
            time.sleep(0.2)
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
    store = IndexStore(registry.settings.data_dir / "index")
    assert index_versions(store) == database_versions(registry)
    store.close()


def server_logs(registry: Registry) -> str:
    """What the servers of a test wrote, to explain a failure."""
    return "\n".join(path.read_text()[-4000:] for path in registry.settings.data_dir.glob("server-*.log"))

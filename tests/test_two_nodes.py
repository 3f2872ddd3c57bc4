"""Two nodes, one database: each `pipeline serve` keeps its own search index in its own data
folder and tails the shared change log (on PostgreSQL in the PostgreSQL run)."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest

from pipeline.services.context import Registry
from tests.conftest import bearer, project_body
from tests.live import free_port, serve_process

ROOT = Path(__file__).resolve().parents[1]


def start_node(registry: Registry, data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    """`pipeline serve` with its own data folder (so its own index) on the shared database."""
    env = {"PIPELINE_SECRET_KEY": "two-nodes-share-one-secret-key-of-32-chars"}
    return serve_process(registry.settings.resolved_database_url, data_dir, port, env)


def stop(process: subprocess.Popen[bytes], hard: bool = False) -> None:
    os.killpg(process.pid, signal.SIGKILL if hard else signal.SIGTERM)
    process.wait(timeout=30)


def searchable(port: int, record_id: str, bound: float) -> bool:
    """Whether the node's search finds the record within `bound` seconds."""
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        found = httpx.get(f"http://127.0.0.1:{port}/api/v1/search", params={"q": "node", "per_page": 100})
        if record_id in {item["id"] for item in found.json()["items"]}:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.slow
def test_two_nodes_on_one_database_stay_searchable_and_survive_a_kill(
    registry: Registry, tokens: dict[str, str], tmp_path: Path
) -> None:
    ports = [free_port(), free_port()]
    nodes = [start_node(registry, tmp_path / f"node-{n}", port) for n, port in enumerate(ports)]
    headers = bearer(tokens["hackney"])
    bound = registry.settings.index_wait_seconds + 1
    try:
        # A write through either node is searchable on both within the index wait bound.
        for writer in ports:
            made = httpx.post(
                f"http://127.0.0.1:{writer}/api/v1/projects",
                json=project_body(title=f"Written on node {writer}"),
                headers=headers,
            )
            assert made.status_code == 201, made.text
            assert all(searchable(port, made.json()["id"], bound) for port in ports)
        # kill -9 of one node during writes loses no acknowledged write.
        acknowledged: list[str] = []
        stop_writing = threading.Event()

        def write() -> None:
            with httpx.Client(base_url=f"http://127.0.0.1:{ports[0]}", headers=headers, timeout=10) as http:
                for n in range(10_000):
                    if stop_writing.is_set():
                        return
                    try:
                        made = http.post("/api/v1/projects", json=project_body(title=f"Killed node {n}"))
                    except httpx.HTTPError:
                        return
                    if made.status_code == 201:
                        acknowledged.append(made.json()["id"])

        writer_thread = threading.Thread(target=write)
        writer_thread.start()
        while len(acknowledged) < 15:  # and far fewer than a search page holds
            time.sleep(0.05)
        stop(nodes[0], hard=True)
        stop_writing.set()
        writer_thread.join(timeout=30)
        with registry.reading() as session:
            from sqlmodel import col, select

            from pipeline.storage.models import Project

            stored = set(session.exec(select(Project.id).where(col(Project.id).in_(acknowledged))))
        assert stored == set(acknowledged)
        # The other node saw every write; the killed node catches up when it restarts.
        assert all(searchable(ports[1], record_id, bound) for record_id in acknowledged[-3:])
        nodes[0] = start_node(registry, tmp_path / "node-0", ports[0])
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            states = [httpx.get(f"http://127.0.0.1:{p}/api/v1/status").json() for p in ports]
            if all(s["indexed_change"] == s["latest_change"] for s in states):
                break
            time.sleep(0.2)
        assert all(s["indexed_change"] == s["latest_change"] for s in states), states
        assert all(searchable(ports[0], record_id, bound) for record_id in acknowledged)
    finally:
        for node in nodes:
            if node.poll() is None:
                stop(node)

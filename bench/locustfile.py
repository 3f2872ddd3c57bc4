"""Load for `bench/load_bench.py`: the realistic mix against Pipeline, and the same searches
against Pipeline and against datasette. Run by the benchmark, not by hand; it reads its plan
(search addresses, record addresses, a token, a feed's ETag) from the JSON file in BENCH_PLAN.

Users wait for nothing between requests (a closed loop): the figures are what the servers
sustain at this concurrency.
"""

from __future__ import annotations

import itertools
import json
import os
import random
from pathlib import Path
from typing import Any

from locust import FastHttpUser, constant, task

PLAN: dict[str, Any] = (
    json.loads(Path(os.environ["BENCH_PLAN"]).read_text()) if "BENCH_PLAN" in os.environ else {}
)


def _cycle(name: str) -> Any:
    items = list(PLAN.get(name, [None]))
    random.Random(len(items)).shuffle(items)
    return itertools.cycle(items)


def _shared(name: str) -> Any:
    """One sequence for all users: each request of the run takes the next item."""
    return _SHARED.setdefault(name, _cycle(name))


_SHARED: dict[str, Any] = {}


class PipelineMix(FastHttpUser):
    """What a day looks like: mostly searching and reading, some feeds, a few writes."""

    wait_time = constant(0)
    abstract = "mix" not in os.environ.get("BENCH_USERS", "mix")

    def on_start(self) -> None:
        self.queries = _cycle("queries")
        self.filtered = _cycle("filtered_queries")
        self.pages = _cycle("record_pages")
        self.projects = _cycle("projects")
        self.etag = str(PLAN.get("feed_etag", ""))

    @task(30)
    def search(self) -> None:
        self.client.get(next(self.queries), name="search")

    @task(15)
    def search_filtered(self) -> None:
        self.client.get(next(self.filtered), name="search with filters")

    @task(15)
    def record_page(self) -> None:
        self.client.get(next(self.pages), name="record page (HTML)")

    @task(10)
    def partners(self) -> None:
        self.client.get(f"/api/v1/projects/{next(self.projects)}/partners", name="project partners")

    @task(8)
    def feed(self) -> None:
        self.client.get("/api/v1/feed.json?type=project", name="feed (full page)")

    @task(10)
    def feed_not_modified(self) -> None:
        """A feed reader: it sends the ETag it last saw, and keeps the new one when there is one."""
        with self.client.get(
            "/api/v1/feed.json?type=project",
            headers={"If-None-Match": self.etag},
            name="feed (If-None-Match)",
            catch_response=True,
        ) as response:
            if response.status_code == 200:  # the mix's writes changed the feed meanwhile
                self.etag = response.headers.get("ETag", self.etag)
                response.success()
            elif response.status_code == 304:
                response.success()

    @task(2)
    def write(self) -> None:
        headers = {"Authorization": f"Bearer {PLAN['token']}"}
        body = {
            "title": "Benchmark write",
            "summary": "Created and deleted by the load benchmark.",
            "lead_council": PLAN["council"],
            "tags": ["benchmark"],
        }
        made = self.client.post("/api/v1/projects", json=body, headers=headers, name="write (create)")
        if made.status_code == 201:
            record = made.json()
            etag = made.headers.get("ETag", "*")
            self.client.delete(
                f"/api/v1/projects/{record['id']}",
                headers={**headers, "If-Match": etag},
                name="write (delete)",
            )


class PipelineSearch(FastHttpUser):
    """Only the comparison's searches, against Pipeline."""

    wait_time = constant(0)
    abstract = os.environ.get("BENCH_USERS") != "pipeline-search"

    def on_start(self) -> None:
        self.queries = _shared("comparison")

    @task
    def search(self) -> None:
        self.client.get(next(self.queries)["pipeline"], name="search")


class DatasetteSearch(FastHttpUser):
    """The same searches, as datasette's JSON API asks them (FTS5; six facets, or two)."""

    wait_time = constant(0)
    abstract = os.environ.get("BENCH_USERS") != "datasette-search"

    def on_start(self) -> None:
        self.queries = _shared("comparison")
        self.variant = os.environ.get("BENCH_VARIANT") or "datasette"

    @task
    def search(self) -> None:
        self.client.get(next(self.queries)[self.variant], name="search")  # /<database>/records.json

"""Leave-one-out on the development set, through the public API, beside the TF-IDF baseline.

An empty registry gets the national council list, then every development record as a project
(title, summary, lead council, named partners) through POST /api/v1/projects. For each
labelled record: delete it, POST /api/v1/match with its title, summary and lead council,
score the suggested councils, and register it again.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from dev_set import (
    METRICS,
    DevRecord,
    mean_scores,
    present_elsewhere,
    project_body,
    score_ranking,
    tfidf_ranking,
)
from matching_cv import cross_validate
from search_bench import percentiles
from serving import ROOT, serving

from pipeline.config import load_settings
from pipeline.services.context import Registry
from pipeline.services.exchange.council_list import import_councils, read_council_csv
from pipeline.services.identity.actors import SYSTEM
from pipeline.storage.migrate import upgrade

COUNCILS_CSV = ROOT / "seed" / "uk_local_authorities.csv"
SUGGESTIONS = 10


def empty_registry(base: Path) -> Path:
    """A registry holding every UK council and no record."""
    data_dir = base / "matching-dev"
    shutil.rmtree(data_dir, ignore_errors=True)
    registry = Registry(load_settings({}, data_dir=str(data_dir), index_wait_seconds=0))
    upgrade(registry.engine)
    import_councils(registry, SYSTEM, read_council_csv(COUNCILS_CSV))
    registry.search.rebuild()
    registry.close()
    return data_dir


class DevRegistry:
    """The development records in a served registry, by the set's ids."""

    def __init__(self, http: httpx.Client, token: str) -> None:
        self.http = http
        self.auth = {"Authorization": f"Bearer {token}"}
        self.ids: dict[str, str] = {}
        self.codes: dict[str, str] = {}  # council slug -> register code

    def register(self, record: DevRecord) -> None:
        answer = self.http.post("/api/v1/projects", json=project_body(record), headers=self.auth)
        answer.raise_for_status()
        self.ids[record.id] = answer.json()["id"]

    def learn_councils(self) -> None:
        """Every council's slug and register code, page by page."""
        page: str | None = "/api/v1/councils"
        while page:
            answer = self.http.get(page)
            answer.raise_for_status()
            for council in answer.json()["items"]:
                if council.get("register_code"):
                    self.codes[council["slug"]] = council["register_code"]
            following = answer.json()["links"]["next"]
            page = urlsplit(following)._replace(scheme="", netloc="").geturl() if following else None

    def ranking_without(self, record: DevRecord) -> tuple[list[str], float]:
        """The councils suggested for `record`'s text while it is out of the registry."""
        self.http.delete(f"/api/v1/projects/{self.ids.pop(record.id)}", headers=self.auth).raise_for_status()
        try:
            body = {
                "title": record.title,
                "text": record.summary,
                "council": record.lead,
                "limit": SUGGESTIONS,
            }
            started = time.perf_counter()
            answer = self.http.post("/api/v1/match", json=body)
            elapsed = time.perf_counter() - started
            answer.raise_for_status()
        finally:
            self.register(record)
        ranked = [
            self.codes.get(s["council"]["slug"], s["council"]["slug"]) for s in answer.json()["suggestions"]
        ]
        return ranked, elapsed


def labelled(records: list[DevRecord], lenient: bool) -> list[DevRecord]:
    return [r for r in records if r.gold(lenient)]


def evaluate(records: list[DevRecord], rankings: dict[str, list[str]]) -> dict[str, dict[str, float]]:
    """Mean scores of a ranking per record, strict and lenient."""
    return {
        label: mean_scores(
            score_ranking(rankings[r.id], r.gold(lenient), present_elsewhere(records, r))
            for r in labelled(records, lenient)
        )
        for label, lenient in (("strict", False), ("lenient", True))
    }


def baseline_rankings(records: list[DevRecord], with_partners: bool) -> dict[str, list[str]]:
    return {r.id: tfidf_ranking(records, r, with_partners=with_partners) for r in records}


def pipeline_rankings(records: list[DevRecord], base: Path) -> tuple[dict[str, list[str]], list[float]]:
    data_dir = empty_registry(base)
    rankings: dict[str, list[str]] = {}
    latencies: list[float] = []
    with serving(data_dir) as (http, token):
        registry = DevRegistry(http, token)
        registry.learn_councils()
        for record in records:
            registry.register(record)
        for record in labelled(records, lenient=True):
            rankings[record.id], elapsed = registry.ranking_without(record)
            latencies.append(elapsed)
    return rankings, latencies


def table(rows: dict[str, dict[str, dict[str, float]]], queries: dict[str, int]) -> str:
    head = "| matcher | labels | queries | " + " | ".join(METRICS) + " |"
    lines = [head, "| --- | --- | ---: |" + " ---: |" * len(METRICS)]
    for matcher, by_label in rows.items():
        for label, got in by_label.items():
            figures = " | ".join(f"{got[m]:.3f}" for m in METRICS)
            lines.append(f"| {matcher} | {label} | {queries[label]} | {figures} |")
    return "\n".join(lines)


def dev_set_report(records: list[DevRecord], base: Path) -> None:
    rankings, latencies = pipeline_rankings(records, base)
    rows = {
        "Pipeline": evaluate(records, rankings),
        "TF-IDF, lead councils": evaluate(records, baseline_rankings(records, with_partners=False)),
        "TF-IDF, leads and partners": evaluate(records, baseline_rankings(records, with_partners=True)),
    }
    queries = {
        label: len(labelled(records, lenient)) for label, lenient in (("strict", False), ("lenient", True))
    }
    print(f"\n## Development set: {len(records)} records, leave-one-out through the API\n")
    print(table(rows, queries))
    match = percentiles(latencies)
    print(f"\nPOST /api/v1/match (n={len(latencies)}): p50 {match['p50']:.1f} ms, p95 {match['p95']:.1f} ms")
    cross_validation_report(cross_validate(records, base / "matching-dev"), queries)


def cross_validation_report(result: dict[str, Any], queries: dict[str, int]) -> None:
    print(f"\n## Five-fold cross-validation of the weights ({result['points']} grid points)\n")
    rows = {
        "the shipped weights": result["defaults"],
        "each fold ranked with the point best on the other four": result["held_out"],
        "the point best on all records (fitted)": result["fitted"],
    }
    print(table(rows, queries))
    print(f"\nBest on all records: {result['best_on_all']}")
    for number, point in enumerate(result["chosen_per_fold"], start=1):
        print(f"Fold {number}: {point}")
    print("\n## What each part of the evidence adds (the shipped weights, parts taken away)\n")
    print(table({"the shipped weights": result["defaults"], **result["ablations"]}, queries))

"""Five-fold cross-validation of the matcher's weights on the development set.

In process, on the registry the API run left behind: each labelled record is deleted through
the service layer, the evidence for its text is gathered once (index and database), and put
back. Ranking the evidence again under other weights is pure, so a grid of weights costs
milliseconds a query. For each fold, the grid point with the best score on the other four
folds is used to rank the fold's own records; the pooled figures of the five held-out folds
are the honest estimate, beside the figures of the point chosen on all records.
"""

from __future__ import annotations

import dataclasses
import itertools
import random
from pathlib import Path
from typing import Any

import msgspec
from dev_set import DevRecord, mean_scores, present_elsewhere, project_body, score_ranking
from sqlmodel import select

from pipeline.config import load_settings
from pipeline.matching.scorer import Evidence, rank
from pipeline.matching.weights import PLACE_BOOST, Weights
from pipeline.schemas.matching import MatchIn
from pipeline.schemas.records import ProjectIn
from pipeline.services.context import Registry
from pipeline.services.discovery.matching import problem_evidence
from pipeline.services.identity.actors import SYSTEM
from pipeline.services.records import engine as record_service
from pipeline.services.records.catalogue import KINDS
from pipeline.storage.models import Council, Project

FOLDS = 5
SEED = 2026
GRID: dict[str, tuple[Any, ...]] = {
    # Scales the place profile (PLACE_BOOST): at most as shipped, so geography stays a tie-breaker.
    "place": (0.0, 0.25, 0.5, 1.0),
    "worked_together": (0.0, 1.0, 2.0, 3.0),
    "participant": (0.25, 0.5, 0.75),
    "ratio": (0.0, 0.3),
    "min_similarity": (0.06, 0.1, 0.15),
}
OBJECTIVE = (("lenient", "recall@5"), ("lenient", "mrr"), ("strict", "recall@5"), ("strict", "mrr"))
# The shipped weights with parts of the evidence taken away, to show what each part adds.
TEXT_ALONE = {"place": {}, "worked_together": 0.0, "participant": 0.0, "ratio": 0.0}
ABLATIONS: dict[str, dict[str, Any]] = {
    "text alone: lead councils, each by its best record": TEXT_ALONE,
    "text, with participants and further records": {"place": {}, "worked_together": 0.0},
    "text and geography, no shared history": {"worked_together": 0.0},
    "text and shared history, no geography": {"place": {}},
}


def weights_at(point: dict[str, Any]) -> Weights:
    scale = point["place"]
    place = {kind: boost * scale for kind, boost in PLACE_BOOST.items()} if scale else {}
    return dataclasses.replace(Weights(), **{**point, "place": place})


def grid_points() -> list[dict[str, Any]]:
    return [dict(zip(GRID, values, strict=True)) for values in itertools.product(*GRID.values())]


def gather(records: list[DevRecord], data_dir: Path) -> dict[str, tuple[Evidence, dict[str, str]]]:
    """Each labelled record's evidence, gathered while it is out of the registry."""
    registry = Registry(load_settings({}, data_dir=str(data_dir), index_wait_seconds=0))
    kind = KINDS["project"]
    try:
        with registry.reading() as session:
            codes = {c.slug: c.register_code or c.slug for c in session.exec(select(Council))}
            ids = {p.title: p.id for p in session.exec(select(Project))}
        gathered = {}
        for record in records:
            if not record.gold(lenient=True):
                continue
            record_service.delete_record(registry, SYSTEM, kind, ids[record.title], None)
            registry.search.catch_up(wait=True)
            asked = MatchIn(text=record.summary, title=record.title, council=record.lead, limit=10)
            gathered[record.id] = (problem_evidence(registry, asked), codes)
            again = msgspec.convert(project_body(record), ProjectIn)
            ids[record.title] = record_service.create_record(registry, SYSTEM, kind, again).id  # type: ignore[attr-defined]
            registry.search.catch_up(wait=True)
        return gathered
    finally:
        registry.close()


def ranked_codes(evidence: Evidence, codes: dict[str, str], weights: Weights) -> list[str]:
    return [codes.get(s.council.slug, s.council.slug) for s in rank(evidence, weights)[:10]]


def per_query(
    records: list[DevRecord], gathered: dict[str, tuple[Evidence, dict[str, str]]], weights: Weights
) -> dict[str, dict[str, dict[str, float]]]:
    """Each labelled record's scores under `weights`, strict (if it names partners) and lenient."""
    scores: dict[str, dict[str, dict[str, float]]] = {}
    for record in records:
        if record.id not in gathered:
            continue
        evidence, codes = gathered[record.id]
        ranked = ranked_codes(evidence, codes, weights)
        findable = present_elsewhere(records, record)
        scores[record.id] = {
            label: score_ranking(ranked, record.gold(lenient), findable)
            for label, lenient in (("strict", False), ("lenient", True))
            if record.gold(lenient)
        }
    return scores


def summary(scores: dict[str, dict[str, dict[str, float]]], ids: list[str]) -> dict[str, dict[str, float]]:
    return {
        label: mean_scores(scores[i][label] for i in ids if label in scores[i])
        for label in ("strict", "lenient")
    }


def objective(figures: dict[str, dict[str, float]]) -> float:
    return sum(figures[label][metric] for label, metric in OBJECTIVE) / len(OBJECTIVE)


def cross_validate(records: list[DevRecord], data_dir: Path) -> dict[str, Any]:
    gathered = gather(records, data_dir)
    points = grid_points()
    scores = [per_query(records, gathered, weights_at(p)) for p in points]
    ids = sorted(gathered)
    random.Random(SEED).shuffle(ids)
    folds = [ids[k::FOLDS] for k in range(FOLDS)]
    held_out: dict[str, dict[str, dict[str, float]]] = {}
    chosen = []
    for fold in folds:
        training = [i for i in ids if i not in fold]
        best = max(range(len(points)), key=lambda n: objective(summary(scores[n], training)))
        chosen.append(points[best])
        held_out.update({i: scores[best][i] for i in fold})
    best_all = max(range(len(points)), key=lambda n: objective(summary(scores[n], ids)))
    return {
        "held_out": summary(held_out, ids),
        "chosen_per_fold": chosen,
        "best_on_all": points[best_all],
        "fitted": summary(scores[best_all], ids),
        "defaults": summary(per_query(records, gathered, Weights()), ids),
        "ablations": {
            name: summary(per_query(records, gathered, dataclasses.replace(Weights(), **change)), ids)
            for name, change in ABLATIONS.items()
        },
        "points": len(points),
    }

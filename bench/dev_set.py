"""The matching development set: real council projects and the councils that worked on them.

The set lives outside the repository (its README says where it comes from and what its labels
mean); this module reads it, resolves its council names through the national council lists,
scores ranked suggestions against its labels, and runs a plain TF-IDF baseline on the same
records, so the matcher's figures always stand beside the baseline's.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
DEV_SET = SHARED_DATA / "matching-dev" / "matching_dev_set.json"
METRICS = ("recall@5", "recall@10", "findable@5", "findable@10", "hit@5", "mrr")


@dataclass(frozen=True)
class DevRecord:
    """One real project: its text, its lead council and its labels, as register codes."""

    id: str
    title: str
    summary: str
    lead: str
    partners: tuple[str, ...]
    same_problem: tuple[str, ...]

    def gold(self, lenient: bool) -> set[str]:
        named = set(self.partners) | (set(self.same_problem) if lenient else set())
        return named - {self.lead}


def council_codes(data_dir: Path = SHARED_DATA) -> dict[str, str]:
    """Every name a council is known by (lower case), to its register code."""
    codes: dict[str, str] = {}
    with (data_dir / "uk_local_authorities.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            code = row["local-authority-code"]
            names = [row["official-name"], row["nice-name"], *row["alt-names"].split(",")]
            for name in names:
                codes.setdefault(name.strip().lower(), code)
    with (data_dir / "lookup_name_to_registry.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            codes.setdefault(row["la-name"].strip().lower(), row["local-authority-code"])
    return codes


def load_dev_set(path: Path = DEV_SET, data_dir: Path = SHARED_DATA) -> list[DevRecord]:
    """The development set with every council name resolved; a name that does not resolve stops it."""
    codes = council_codes(data_dir)

    def code(name: str) -> str:
        try:
            return codes[name.strip().lower()]
        except KeyError:
            raise SystemExit(f"{path.name}: no council is known as {name!r}") from None

    return [
        DevRecord(
            id=row["id"],
            title=row["title"],
            summary=row["summary"],
            lead=code(row["council"]),
            partners=tuple(dict.fromkeys(code(n) for n in row["partners"])),
            same_problem=tuple(dict.fromkeys(code(n) for n in row.get("same_problem_councils") or [])),
        )
        for row in json.loads(path.read_text(encoding="utf-8"))
    ]


def project_body(record: DevRecord) -> dict[str, Any]:
    return {
        "title": record.title,
        "summary": record.summary,
        "lead_council": record.lead,
        "partners": [{"council": code} for code in record.partners if code != record.lead],
    }


def present_elsewhere(records: Sequence[DevRecord], left_out: DevRecord) -> set[str]:
    """The councils the registry holds records of once `left_out` is taken out of it."""
    return {c for r in records if r is not left_out for c in (r.lead, *r.partners)}


def score_ranking(ranked: Sequence[str], gold: set[str], findable: set[str]) -> dict[str, float]:
    """Recall at 5 and 10 (of all gold councils, and of those the registry could suggest), hit@5, MRR."""
    first = next((rank for rank, code in enumerate(ranked, start=1) if code in gold), None)
    reachable = gold & findable

    def recall(k: int, wanted: set[str]) -> float:
        return len(wanted & set(ranked[:k])) / len(wanted) if wanted else 0.0

    return {
        "recall@5": recall(5, gold),
        "recall@10": recall(10, gold),
        "findable@5": recall(5, reachable),
        "findable@10": recall(10, reachable),
        "hit@5": 1.0 if first and first <= 5 else 0.0,
        "mrr": 1 / first if first else 0.0,
    }


def mean_scores(rows: Iterable[dict[str, float]]) -> dict[str, float]:
    rows = list(rows)
    return {m: sum(r[m] for r in rows) / len(rows) if rows else 0.0 for m in METRICS}


# The baseline: plain TF-IDF (smoothed idf, cosine), title and summary, a council's best record.

WORD = re.compile(r"[a-z0-9]+")


def _words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def tfidf_ranking(records: Sequence[DevRecord], asking: DevRecord, *, with_partners: bool) -> list[str]:
    """Councils ranked by their best record's cosine similarity to `asking` (left out)."""
    others = [r for r in records if r is not asking]
    documents = [Counter(_words(f"{r.title} {r.summary}")) for r in others]
    frequency = Counter(word for d in documents for word in d)
    count = len(documents)

    def vector(counts: Counter[str]) -> dict[str, float]:
        weights = {w: n * (math.log((1 + count) / (1 + frequency[w])) + 1) for w, n in counts.items()}
        norm = math.sqrt(sum(v * v for v in weights.values())) or 1.0
        return {w: v / norm for w, v in weights.items()}

    query = vector(Counter(_words(f"{asking.title} {asking.summary}")))
    best: dict[str, float] = {}
    for record, document in zip(others, documents, strict=True):
        weights = vector(document)
        similarity = sum(v * weights.get(w, 0.0) for w, v in query.items())
        for council in (record.lead, *record.partners) if with_partners else (record.lead,):
            if council != asking.lead and similarity > best.get(council, 0.0):
                best[council] = similarity
    return sorted(best, key=lambda c: (-best[c], c))

"""Deterministic synthetic records for benchmarks: council vocabulary, real council codes."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import cast

from sqlmodel import col, select

from pipeline.errors import Invalid
from pipeline.schemas.common import Input
from pipeline.schemas.records import CodeLinkIn, FindingIn, PartnerIn, ProductIn, ProjectIn
from pipeline.services.context import Registry, Scope
from pipeline.services.identity.actors import Actor, require_admin
from pipeline.services.records.catalogue import KINDS
from pipeline.services.records.engine import create_in
from pipeline.storage.models import Council
from pipeline.vocab import PHASES, SERVICE_AREAS, Phase

# What councils work on, by service area: the nouns of their problems.
TOPICS: dict[str, list[str]] = {
    "housing": [
        "repairs",
        "damp",
        "mould",
        "condensation",
        "tenancy",
        "allocations",
        "rent arrears",
        "voids",
    ],
    "planning": ["planning applications", "building control", "local plan", "enforcement", "heritage"],
    "waste": ["bins", "missed collections", "recycling", "fly-tipping", "bulky waste", "food waste"],
    "council-tax-and-revenues": ["council tax", "business rates", "direct debit", "discounts", "arrears"],
    "benefits": ["housing benefit", "council tax support", "cost of living", "pension credit", "grants"],
    "adult-social-care": ["care assessment", "carers", "direct payments", "home care", "hospital discharge"],
    "childrens-services": ["early help", "fostering", "family hubs", "care leavers", "safeguarding"],
    "education": ["ehcp", "send", "school admissions", "school transport", "free school meals"],
    "highways-and-transport": ["potholes", "street lights", "school streets", "road safety", "cycle lanes"],
    "parking": ["parking permits", "visitor vouchers", "penalty charges", "ev charging"],
    "licensing": ["hmo licensing", "premises licence", "taxi licensing", "street trading"],
    "environmental-health": ["food hygiene", "noise nuisance", "air quality", "pest control"],
    "libraries-and-culture": ["library membership", "digital inclusion", "ebooks", "museums"],
    "customer-contact": ["webchat", "contact centre", "resident account", "complaints"],
    "democracy": ["committee papers", "elections", "voter registration", "petitions"],
    "public-health": ["stop smoking", "healthy weight", "sexual health", "physical activity"],
    "community-safety": ["antisocial behaviour", "cctv", "domestic abuse", "hate crime"],
    "regeneration": ["high streets", "estate regeneration", "footfall", "town centres"],
    "workforce": ["onboarding", "digital skills", "apprenticeships", "recruitment"],
    "digital-infrastructure": ["full fibre", "iot sensors", "cloud migration", "identity"],
    "data-and-analytics": ["open data", "data warehouse", "address matching", "dashboards"],
}
VERBS = ["Improving", "Redesigning", "Digitising", "Understanding", "Simplifying", "Automating", "Reviewing"]
PEOPLE = ["residents", "tenants", "families", "carers", "landlords", "businesses", "officers", "young people"]
PAINS = [
    "wait too long for",
    "phone repeatedly about",
    "cannot find information on",
    "give up on",
    "are confused by",
    "repeat their story about",
    "miss out on",
]
APPROACHES = [
    "We are interviewing {people} and mapping the journey end to end.",
    "A prototype online service is being tested with {people} in two wards.",
    "We are replacing paper forms with an accessible online service connected to the back office.",
    "Data from several systems is being joined so that officers see one view of each case.",
    "We are working with neighbouring councils to reuse an existing open-source product.",
]


@dataclass(frozen=True)
class Vocabulary:
    """What the generator draws from: council keys and the other records' slugs made so far."""

    councils: list[str]


def _sentence(rng: random.Random, area: str) -> str:
    topic = rng.choice(TOPICS[area])
    return f"{rng.choice(PEOPLE).capitalize()} {rng.choice(PAINS)} {topic}."


def _paragraph(rng: random.Random, area: str, sentences: int) -> str:
    return " ".join(_sentence(rng, area) for _ in range(sentences))


def _areas_and_tags(rng: random.Random) -> tuple[str, list[str], list[str]]:
    area = rng.choice(SERVICE_AREAS)
    areas = list(dict.fromkeys([area, *rng.sample(SERVICE_AREAS, rng.randint(0, 1))]))
    tags = rng.sample(TOPICS[area], min(len(TOPICS[area]), rng.randint(1, 4)))
    return area, areas, tags


def make_project(rng: random.Random, n: int, vocab: Vocabulary) -> ProjectIn:
    area, areas, tags = _areas_and_tags(rng)
    lead = rng.choice(vocab.councils)
    partners = [
        c for c in rng.sample(vocab.councils, rng.randint(0, min(3, len(vocab.councils)))) if c != lead
    ]
    return ProjectIn(
        title=f"{rng.choice(VERBS)} {rng.choice(TOPICS[area])} ({n})",
        summary=_paragraph(rng, area, rng.randint(1, 3)),
        lead_council=lead,
        problem=_paragraph(rng, area, rng.randint(2, 8)),
        approach=rng.choice(APPROACHES).format(people=rng.choice(PEOPLE)),
        phase=cast(Phase, rng.choice(PHASES)),
        service_areas=areas,  # type: ignore[arg-type]
        tags=tags,
        partners=[PartnerIn(council=c, role=rng.choice(["partner", "funder", "adopter"])) for c in partners],
    )


def make_product(rng: random.Random, n: int, vocab: Vocabulary) -> ProductIn:
    area, areas, tags = _areas_and_tags(rng)
    return ProductIn(
        title=f"{rng.choice(TOPICS[area]).title()} service {n}",
        summary=_paragraph(rng, area, rng.randint(1, 4)),
        council=rng.choice(vocab.councils),
        kind=rng.choice(["service", "api", "component", "platform", "tool"]),
        licence=rng.choice(["MIT", "GPL-3.0-or-later", "Apache-2.0", "OGL-UK-3.0"]),
        used_by=rng.sample(vocab.councils, rng.randint(0, min(4, len(vocab.councils)))),
        service_areas=areas,  # type: ignore[arg-type]
        tags=tags,
    )


def make_finding(rng: random.Random, n: int, vocab: Vocabulary) -> FindingIn:
    area, areas, tags = _areas_and_tags(rng)
    return FindingIn(
        title=f"What {rng.choice(PEOPLE)} told us about {rng.choice(TOPICS[area])} ({n})",
        summary=_paragraph(rng, area, 1),
        council=rng.choice(vocab.councils),
        method=rng.choice(["interviews", "survey", "usability-testing", "analytics", "diary-study"]),
        findings=_paragraph(rng, area, rng.randint(3, 10)),
        service_areas=areas,  # type: ignore[arg-type]
        tags=tags,
    )


def make_code_link(rng: random.Random, n: int, vocab: Vocabulary) -> CodeLinkIn:
    area, areas, tags = _areas_and_tags(rng)
    topic = rng.choice(TOPICS[area]).replace(" ", "-")
    return CodeLinkIn(
        title=f"{topic}-{n}",
        repository_url=f"https://github.com/example-council-{n % 97}/{topic}-{n}",
        council=rng.choice(vocab.councils),
        summary=_paragraph(rng, area, 1),
        language=rng.choice(["Python", "TypeScript", "PHP", "Ruby", "C#", "Java"]),
        service_areas=areas,  # type: ignore[arg-type]
        tags=tags,
    )


# Share of each record type in a synthetic registry, and how to make one.
MAKERS: list[tuple[str, float, Callable[[random.Random, int, Vocabulary], Input]]] = [
    ("project", 0.5, make_project),
    ("product", 0.15, make_product),
    ("finding", 0.2, make_finding),
    ("code-link", 0.15, make_code_link),
]


def synthetic_records(count: int, councils: list[str], seed: int = 1) -> Iterator[tuple[str, Input]]:
    """`count` records, the same every time for the same seed and councils."""
    rng = random.Random(seed)
    vocab = Vocabulary(councils=sorted(councils))
    for n in range(count):
        kind, _, make = rng.choices(MAKERS, weights=[w for _, w, _ in MAKERS])[0]
        yield kind, make(rng, n, vocab)


def seed_synthetic(
    registry: Registry,
    actor: Actor,
    count: int,
    *,
    seed: int = 1,
    chunk: int = 1000,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Add `count` synthetic records, `chunk` per transaction, through the ordinary write path."""
    require_admin(actor)
    with registry.reading() as session:
        councils = [
            c.gss_code or c.slug for c in session.exec(select(Council).where(col(Council.end_date).is_(None)))
        ]
    if not councils:
        raise Invalid.one("councils", "Load councils first (pipeline seed, or pipeline councils import).")
    records = synthetic_records(count, councils, seed)
    done = 0
    while done < count:
        before = done
        with registry.writing() as session:
            scope = Scope(session, registry.urls)
            for kind, item in _take(records, chunk):
                create_in(scope, actor, KINDS[kind], item)
                done += 1
        registry.written(scope.last_seq)
        if progress:
            progress(done - before)
    return done


def _take(items: Iterator[tuple[str, Input]], size: int) -> Iterator[tuple[str, Input]]:
    for _ in range(size):
        try:
            yield next(items)
        except StopIteration:
            return

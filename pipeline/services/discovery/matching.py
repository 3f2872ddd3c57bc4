"""Suggest partner councils for a project, or for a problem typed before registering one."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

from sqlalchemy import func
from sqlmodel import Session, col, select

from pipeline import lgsl
from pipeline.errors import Invalid, NotFound
from pipeline.matching.concepts import PlaceNames, concepts, place_name_runs, place_stems, stems
from pipeline.matching.evidence import Place, specificity
from pipeline.matching.reasons import Explainer, consortia, consortium_text, other_reasons, record_ref_of
from pipeline.matching.retrieval import Found, find_similar, weigh
from pipeline.matching.scorer import Ask, Evidence, Scored, rank
from pipeline.matching.weights import Weights
from pipeline.schemas.common import CouncilRef
from pipeline.schemas.matching import Collaboration, MatchIn, MatchOut, PartnersOut, SimilarRecord, Suggestion
from pipeline.services.collaboration.interest import interested_councils
from pipeline.services.context import Registry
from pipeline.services.councils.directory import council_ref, resolve_council
from pipeline.services.records.changelog import utcnow
from pipeline.services.records.link_rows import find_record, labels_for, record_ref
from pipeline.storage.models import Council, Project, RecordCouncil, RecordLabel
from pipeline.urls import Urls

WEIGHTS = Weights()
CANDIDATE_RECORDS = 100
COUNCIL_PROJECTS = 20


def suggest_partners(registry: Registry, project_key: str, limit: int = 10) -> PartnersOut:
    """Councils to work with on a project: not its own council, not councils already on it.

    Kept until the index next changes (any write may change the suggestions).
    """
    key = ("partners", project_key, limit)
    return registry.answer(key, lambda: _suggest_partners(registry, project_key, limit))


def _suggest_partners(registry: Registry, project_key: str, limit: int) -> PartnersOut:
    with registry.reading() as session:  # one snapshot for the whole answer
        project = find_record(session, "project", project_key)
        if not isinstance(project, Project):
            raise NotFound(f"No project is known by '{project_key}'.")
        places, rows = _places(registry, session)
        owner = next(c for c in rows.values() if c.id == project.owner_council_id)
        taking_part = set(
            session.exec(
                select(RecordCouncil.council_id).where(
                    RecordCouncil.record_type == "project", RecordCouncil.record_id == project.id
                )
            )
        )
        on_it = {owner.slug} | {c.slug for c in rows.values() if c.id in taking_part}
        labels = labels_for(session, "project", [project.id]).get(project.id, {})
        ask = Ask(
            council=places[owner.slug],
            phase=project.phase,
            service_areas=tuple(labels.get("service_area", [])),
            tags=tuple(labels.get("tag", [])),
            excluded=frozenset(on_it),
        )
        text = "\n".join([project.title, project.summary, project.problem, project.approach])
        ref = record_ref("project", project, registry.urls)
        asked = Asked(text, ask, {project.id}, limit, tuple(labels.get("lgsl", [])))
        result = _match(registry, session, asked)
    return PartnersOut(
        project=ref,
        suggestions=result.suggestions,
        similar_records=result.similar_records,
        collaborations=result.collaborations,
    )


def suggest_for_council(registry: Registry, council_key: str, limit: int = 10) -> MatchOut:
    """Councils working on the problems of a council's projects (its newest, taken together).

    Kept until the index next changes.
    """
    key = ("council-partners", council_key, limit)
    return registry.answer(key, lambda: _suggest_for_council(registry, council_key, limit))


def _suggest_for_council(registry: Registry, council_key: str, limit: int) -> MatchOut:
    with registry.reading() as session:
        places, _ = _places(registry, session)
        council = resolve_council(session, council_key, "council")
        projects = list(
            session.exec(
                select(Project)
                .where(Project.owner_council_id == council.id)
                .order_by(col(Project.updated_at).desc())
                .limit(COUNCIL_PROJECTS)
            )
        )
        labels = labels_for(session, "project", [p.id for p in projects])
        areas = [a for p in projects for a in labels.get(p.id, {}).get("service_area", [])]
        services = [c for p in projects for c in labels.get(p.id, {}).get("lgsl", [])]
        ask = Ask(
            council=places.get(council.slug),
            service_areas=tuple(dict.fromkeys(areas)),
            excluded=frozenset({council.slug}),
        )
        text = "\n".join(f"{p.title}\n{p.summary}\n{p.problem}" for p in projects)
        if not text.strip():
            return MatchOut(suggestions=[], similar_records=[])
        asked = Asked(text, ask, {p.id for p in projects}, limit, tuple(dict.fromkeys(services)))
        return _match(registry, session, asked)


def match_problem(registry: Registry, data: MatchIn) -> MatchOut:
    """Councils working on a problem described in words (and optionally who is asking)."""
    with registry.reading() as session:
        return _match(registry, session, _problem(session, registry, data))


def problem_evidence(registry: Registry, data: MatchIn) -> Evidence:
    """What an answer to `match_problem` rests on, to rank again with other weights."""
    with registry.reading() as session:
        return evidence_for(registry, session, _problem(session, registry, data))


def _problem(session: Session, registry: Registry, data: MatchIn) -> Asked:
    refused = lgsl.refusal(data.lgsl)
    if refused:
        raise Invalid.one("lgsl", refused)
    places, _ = _places(registry, session)
    asking = resolve_council(session, data.council, "council") if data.council else None
    ask = Ask(
        council=places.get(asking.slug) if asking else None,
        phase=data.phase,
        service_areas=tuple(data.service_areas),
        tags=tuple(" ".join(t.lower().split()) for t in data.tags),
        excluded=frozenset({asking.slug}) if asking else frozenset(),
    )
    services = tuple(dict.fromkeys(str(code) for code in data.lgsl))
    return Asked(f"{data.title}\n{data.text}", ask, set(), data.limit, services)


@dataclass(frozen=True)
class Asked:
    """What to match: the text, who asks, records to leave out, and how many councils to give."""

    text: str
    ask: Ask
    exclude: set[str]
    limit: int
    services: tuple[str, ...] = ()  # the asker's LGSL codes


def evidence_for(registry: Registry, session: Session, asked: Asked, weights: Weights = WEIGHTS) -> Evidence:
    """The records like the text (from the index) and what else the scorer needs (from `session`)."""
    ask = asked.ask
    named_places = place_stems(asked.text, _known_councils(registry, session).names)
    with registry.search.view() as (searcher, matcher, facets):
        weighted = weigh(matcher, concepts(asked.text), weights, places=named_places)
        found = find_similar(
            searcher, matcher, weighted, weights, exclude=asked.exclude, limit=CANDIDATE_RECORDS
        )
        records = int(matcher.live.sum())
        slug = ask.council.slug if ask.council else None
        together = facets.facets["council"].together_with(slug, matcher.live) if slug else []
        carried = dict(facets.facets["lgsl"].count(matcher.live)) if asked.services else {}
    shares = tuple((code, specificity(carried.get(code, 0), records)) for code in asked.services)
    ask = replace(ask, lgsl=shares)
    places, rows = _places(registry, session)
    if slug:  # councils that shared a record with the asker, or declared interest either way
        ask = replace(ask, worked_with=frozenset(together) | _interest_slugs(session, rows, slug))
    return Evidence(ask, found, places, _offers(session, found), utcnow(), records)


def _match(registry: Registry, session: Session, asked: Asked, weights: Weights = WEIGHTS) -> MatchOut:
    evidence = evidence_for(registry, session, asked, weights)
    _, rows = _places(registry, session)
    scored = rank(evidence, weights)[: asked.limit]
    similar = [f for f in evidence.found if f.similarity >= weights.min_similarity][: asked.limit]
    explain = Explainer(stems(asked.text), evidence.records, registry.urls, weights)
    return MatchOut(
        suggestions=[_suggestion(s, rows, explain) for s in scored],
        similar_records=[_similar(f, rows, explain) for f in similar],
        collaborations=[
            _collaboration(record, group, rows, explain.urls) for record, group in consortia(scored)
        ],
    )


Places = tuple[dict[str, Place], dict[str, Council]]


KNOWN_COUNCILS = "pipeline.known_councils"  # the session's `info` key


class KnownCouncils(NamedTuple):
    """Every council and every place name, as of `version` (the councils' count and newest update)."""

    version: tuple[Any, ...]
    places: Places
    names: PlaceNames


def _places(registry: Registry, session: Session) -> Places:
    """Every council, kept on the registry until any council changes (count and newest update)."""
    return _known_councils(registry, session).places


def _known_councils(registry: Registry, session: Session) -> KnownCouncils:
    """The councils as `session` sees them: their version is read once per session (one
    snapshot; an answer asks for them several times), the councils only when it changed."""
    known = session.info.get(KNOWN_COUNCILS)
    if not isinstance(known, KnownCouncils):
        known = _current_councils(registry, session)
        session.info[KNOWN_COUNCILS] = known
    return known


def _current_councils(registry: Registry, session: Session) -> KnownCouncils:
    version = tuple(
        session.exec(select(func.count(), func.max(Council.updated_at)).select_from(Council)).one()
    )
    cached = registry.council_places
    if not isinstance(cached, KnownCouncils) or cached.version != version:
        places = _load_places(session)
        cached = KnownCouncils(version, places, place_name_runs(_names_of(places[1].values())))
        registry.council_places = cached
    return cached


def _names_of(councils: Iterable[Council]) -> Iterator[str]:
    for council in councils:
        yield from (council.name, council.short_name, *council.alt_names, council.region, council.nation)


def _load_places(session: Session) -> Places:
    """Every council, those since abolished too: their records still count as evidence, and
    their successors are named beside them."""
    rows = {c.slug: c for c in session.exec(select(Council))}
    for council in rows.values():
        session.expunge(council)  # kept beyond this session: read-only from here
    slugs = {key: c.slug for c in rows.values() for key in (c.register_code, c.gss_code, c.slug) if key}
    places = {
        slug: Place(
            slug=slug,
            name=c.short_name,
            gss_code=c.gss_code,
            kind=c.kind,
            kind_name=c.kind_name,
            region=c.region,
            county=c.county,
            combined_authority=c.combined_authority,
            neighbours=frozenset(c.neighbours),
            ended=c.end_date,
            replaced_by=tuple(slugs[code] for code in c.replaced_by if code in slugs) if c.end_date else (),
        )
        for slug, c in rows.items()
    }
    return places, rows


def _interest_slugs(session: Session, rows: dict[str, Council], slug: str) -> frozenset[str]:
    asker = rows.get(slug)
    ids = interested_councils(session, asker.id) if asker else set()
    return frozenset(c.slug for c in rows.values() if c.id in ids)


def _offers(session: Session, found: list[Found]) -> dict[str, list[str]]:
    """How each matching project's council says others can work with it."""
    ids = [str(f.fields["id"]) for f in found if f.fields.get("type") == "project"]
    query = select(RecordLabel.record_id, RecordLabel.value).where(
        RecordLabel.record_type == "project",
        RecordLabel.kind == "collaboration",
        col(RecordLabel.record_id).in_(ids),
    )
    offers: dict[str, list[str]] = {}
    for record_id, value in session.exec(query.order_by(col(RecordLabel.position))):
        offers.setdefault(record_id, []).append(value)
    return offers


def _similar(found: Found, rows: dict[str, Council], explain: Explainer) -> SimilarRecord:
    owner = rows.get(str(found.fields.get("owner")))
    urls = explain.urls
    return SimilarRecord(
        record=record_ref_of(found.fields, urls),
        council=council_ref(owner, urls) if owner else CouncilRef(slug="", name="", gss_code=None, url=""),
        similarity=round(found.similarity, 3),
        terms=explain.shared_terms(found),
    )


def _collaboration(record: Found, group: list[Scored], rows: dict[str, Council], urls: Urls) -> Collaboration:
    councils = [council_ref(rows[s.council.slug], urls) for s in group]
    return Collaboration(
        record=record_ref_of(record.fields, urls),
        councils=councils,
        text=consortium_text(record, [c.name for c in councils]),
    )


def _suggestion(scored: Scored, rows: dict[str, Council], explain: Explainer) -> Suggestion:
    successors = [council_ref(rows[slug], explain.urls) for slug in scored.council.replaced_by]
    return Suggestion(
        council=council_ref(rows[scored.council.slug], explain.urls),
        score=scored.score,
        reasons=[*explain.record_reasons(scored.matches), *other_reasons(scored, successors)],
        replaced_by=successors,
    )

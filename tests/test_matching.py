"""Partner matching: the pure parts table by table, then suggestions on the demo data."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from litestar.testing import TestClient

from pipeline.demo.seed import seed
from pipeline.matching.concepts import concepts, words_for
from pipeline.matching.evidence import (
    Place,
    diminishing_sum,
    geographic_relation,
    shared,
    specificity,
    steps_ahead,
)
from pipeline.matching.retrieval import Found, idf
from pipeline.matching.scorer import Ask, by_council, score
from pipeline.matching.weights import Weights
from pipeline.schemas.matching import MatchIn
from pipeline.schemas.records import PartnerIn, ProjectIn
from pipeline.services.context import Registry
from pipeline.services.discovery.matching import match_problem, problem_evidence
from pipeline.services.identity.actors import SYSTEM
from pipeline.services.records.catalogue import KINDS
from pipeline.services.records.engine import create_record
from tests.pages import Pages

HACKNEY = Place(
    "hackney",
    "Hackney",
    "E09000012",
    "LBO",
    "London borough",
    "London",
    None,
    "GLA",
    frozenset({"E09000019"}),
)
ISLINGTON = Place("islington", "Islington", "E09000019", "LBO", "London borough", "London", None, "GLA")
KENT = Place("kent", "Kent", "E10000016", "CTY", "County council", "South East")
DOVER = Place("dover", "Dover", "E07000108", "NMD", "District", "South East", "E10000016")
ASHFORD = Place("ashford", "Ashford", "E07000105", "NMD", "District", "South East", "E10000016")
LEEDS = Place("leeds", "Leeds", "E08000035", "MD", "Metropolitan district", "Yorkshire", None, "E47000003")
YORK = Place("york", "York", "E06000014", "UA", "Unitary", "Yorkshire", None, "E47000003")
WIGAN = Place("wigan", "Wigan", "E08000010", "MD", "Metropolitan district", "North West", None, "E47000001")


@pytest.mark.parametrize(
    ("asking", "other", "relation"),
    [
        (HACKNEY, ISLINGTON, "neighbour"),
        (ISLINGTON, HACKNEY, "neighbour"),  # named on one side only is enough
        (DOVER, ASHFORD, "county"),
        (DOVER, KENT, "county"),  # the county council of a district
        (KENT, DOVER, "county"),
        (LEEDS, YORK, "combined_authority"),
        (LEEDS, WIGAN, "kind"),
        (HACKNEY, KENT, None),
    ],
)
def test_geographic_relation(asking: Place, other: Place, relation: str | None) -> None:
    found = geographic_relation(asking, other)
    assert (found.kind if found else None) == relation
    if found:
        assert asking.name in found.text or found.kind in ("region", "kind")


@pytest.mark.parametrize(
    ("values", "expected"),
    [([], 0.0), ([0.8], 0.8), ([0.4, 0.8], 1.0), ([0.5, 0.5, 0.5, 0.5, 0.5], 0.9375), ([0.1] * 10, 0.1875)],
)
def test_diminishing_sum_rewards_several_matches_but_not_a_long_weak_tail(
    values: list[float], expected: float
) -> None:
    assert diminishing_sum(values, 0.5, 4) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("mine", "theirs", "ahead"),
    [
        ("discovery", "beta", 2),
        ("beta", "alpha", 0),
        ("alpha", "alpha", 0),
        ("idea", "retired", 0),
        (None, "live", 0),
        ("alpha", None, 0),
    ],
)
def test_steps_ahead(mine: str | None, theirs: str | None, ahead: int) -> None:
    assert steps_ahead(mine, theirs) == ahead


def test_shared_keeps_the_askers_order() -> None:
    assert shared(["waste", "housing", "waste"], {"housing", "waste", "parking"}) == ["waste", "housing"]


@pytest.mark.parametrize(
    ("text", "labels"),
    [
        ("Missed bin collections", ["missed", "bin collections"]),
        ("waste collection and bins", ["waste collection"]),  # the same concept, counted twice
        ("Education, health and care plans", ["education, health and care plans"]),
        # Council-generic words are kept here: the registry's own counts weigh them down.
        ("Our council's residents need a new", ["council", "residents", "need", "new"]),
        ("We were told they would", []),  # everyday words carry nothing
        ("Anti-social behaviour (ASB) cases", ["anti-social behaviour", "cases"]),
    ],
)
def test_concepts_fold_synonyms_and_drop_noise(text: str, labels: list[str]) -> None:
    assert [c.label for c in concepts(text)] == labels


def test_synonyms_match_in_either_direction() -> None:
    [bins] = [c for c in concepts("missed bins") if c.label == "bins"]
    assert words_for("We reduced missed waste collections", bins) == ["waste collections"]
    [ehcp] = concepts("EHCP")
    assert words_for("Education, Health and Care Plan reviews", ehcp) == ["Education, Health and Care Plan"]
    assert words_for("We send letters", ehcp) == []


@pytest.mark.parametrize(("count", "containing"), [(1000, 1), (1000, 100), (1000, 999), (10, 10)])
def test_idf_is_positive_and_falls_with_frequency(count: int, containing: int) -> None:
    assert idf(count, containing) > 0
    assert idf(count, containing) >= idf(count, min(count, containing + 1))


def _found(record_id: str, owner: str, councils: str, similarity: float, **fields: Any) -> Found:
    return Found(
        {
            "id": record_id,
            "owner": owner,
            "council": councils,
            "type": "project",
            "title": record_id,
            **fields,
        },
        similarity,
        (),
    )


FOUND = [
    _found("a", "kent", "kent,dover", 0.9),
    _found("b", "hackney", "hackney,islington", 0.8),  # the asker's own record
    _found("c", "islington", "islington", 0.5),
    _found("d", "islington", "islington", 0.5),
    _found("e", "ashford", "ashford", 0.05),  # too weak to be evidence
]
NO_PLACE = Weights(place={}, worked_together=0.0, ratio=0.0)
BEST_RECORD = replace(Weights(), ratio=0.0)


@pytest.mark.parametrize(
    ("weights", "worked_with", "expected"),
    [
        (NO_PLACE, (), ["kent", "islington", "dover"]),  # the best record alone
        (replace(NO_PLACE, ratio=0.8), (), ["islington", "kent", "dover"]),  # several records add up
        (BEST_RECORD, (), ["kent", "islington", "dover"]),  # a neighbour: x1.7 of 0.5 is below 0.9
        (BEST_RECORD, ("islington",), ["islington", "kent", "dover"]),  # and has worked with Hackney
        (replace(BEST_RECORD, min_similarity=0.01), (), ["kent", "islington", "dover", "ashford"]),
    ],
)
def test_scorer_excludes_never_repeats_and_weighs_each_kind_of_evidence(
    weights: Weights, worked_with: tuple[str, ...], expected: list[str]
) -> None:
    places = {p.slug: p for p in (HACKNEY, ISLINGTON, KENT, DOVER, ASHFORD)}
    ask = Ask(council=HACKNEY, excluded=frozenset({"hackney"}), worked_with=frozenset(worked_with))
    ranked = score(ask, by_council(FOUND, ask, weights), places, {}, weights)
    names = [s.council.slug for s in ranked]
    assert names == expected
    islington = next(s for s in ranked if s.council.slug == "islington")
    assert islington.relation is not None
    assert islington.relation.kind == "neighbour"
    assert islington.worked_together is bool(worked_with)
    assert [m.found.fields["id"] for m in islington.matches] == ["c", "d", "b"]  # taking part counts less
    dover = next(s for s in ranked if s.council.slug == "dover")
    assert dover.matches[0].owner is False  # Dover takes part in Kent's project


def test_a_dormant_record_counts_less() -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    fresh = _found("a", "kent", "kent", 0.5, updated=datetime(2026, 11, 1))
    stale = _found("b", "leeds", "leeds", 0.5, updated=datetime(2026, 1, 1))
    grouped = by_council([fresh, stale], Ask(), Weights(), now)
    assert grouped["kent"][0].weight == 0.5
    assert grouped["leeds"][0].weight == 0.5 * Weights().dormant


def test_scorer_rewards_a_step_ahead_and_willingness() -> None:
    places = {p.slug: p for p in (ISLINGTON, KENT)}
    found = [
        _found("a", "kent", "kent", 0.5, phase="live"),
        _found("b", "islington", "islington", 0.5, phase="idea"),
    ]
    ask = Ask(phase="alpha")
    ranked = score(ask, by_council(found, ask, Weights()), places, {"a": ["share-code"]}, Weights())
    assert [s.council.slug for s in ranked] == ["kent", "islington"]
    assert ranked[0].ahead is not None
    assert ranked[0].open_to is not None
    assert ranked[1].ahead is None


@pytest.mark.parametrize(
    ("carrying", "records", "expected"),
    [(0, 1000, 1.0), (1000, 1000, 0.0), (0, 0, 0.0), (5000, 1000, 0.0)],
)
def test_specificity_bounds(carrying: int, records: int, expected: float) -> None:
    assert specificity(carrying, records) == pytest.approx(expected)


def test_specificity_falls_as_more_records_carry_a_code() -> None:
    shares = [specificity(n, 1000) for n in (1, 10, 100, 500)]
    assert shares == sorted(shares, reverse=True)
    assert 0 < shares[-1] < shares[0] < 1


@pytest.mark.parametrize(
    ("asked", "expected_codes", "expected_added"),
    [
        ((), [], 0.0),  # nothing asked: nothing added
        ((("524", 1.0),), ["524"], 0.04),  # a code only this record has counts in full
        ((("524", 0.25),), ["524"], 0.01),  # a common code counts for little
        ((("9", 1.0),), [], 0.0),  # a code the council's records do not carry
        ((("524", 1.0), ("530", 1.0), ("528", 1.0)), ["524", "530", "528"], 0.08),  # capped
    ],
)
def test_shared_lgsl_codes_add_by_specificity_up_to_a_cap(
    asked: tuple[tuple[str, float], ...], expected_codes: list[str], expected_added: float
) -> None:
    places = {p.slug: p for p in (KENT, DOVER)}
    found = [
        _found("a", "kent", "kent", 0.5, lgsl="524,530,528"),
        _found("b", "dover", "dover", 0.5),
    ]
    ask = Ask(lgsl=asked)
    ranked = score(ask, by_council(found, ask, Weights()), places, {}, Weights())
    kent = next(s for s in ranked if s.council.slug == "kent")
    dover = next(s for s in ranked if s.council.slug == "dover")
    assert kent.lgsl == expected_codes
    assert kent.score - dover.score == pytest.approx(expected_added)
    assert [s.council.slug for s in ranked] == (["kent", "dover"] if expected_codes else ["dover", "kent"])


@pytest.fixture
def demo(registry: Registry) -> Registry:
    seed(registry, SYSTEM)
    registry.search.catch_up(wait=True)
    return registry


def _record_text(client: TestClient[Any], url: str) -> str:
    response = client.get(url.replace("http://testserver.local", ""))
    assert response.status_code == 200, url
    record = response.json()
    fields = (
        "title",
        "summary",
        "problem",
        "approach",
        "help_wanted",
        "findings",
        "kind",
        "licence",
        "is_based_on",
        "method",
        "language",
        "host",
    )
    return " ".join(str(record.get(f) or "") for f in fields)


def test_project_partners_on_the_demo_data_are_explained_truthfully(
    demo: Registry, client: TestClient[Any]
) -> None:
    projects = client.get("/api/v1/projects?limit=200").json()["items"]
    checked = 0
    for summary in projects[:25]:
        project = client.get(f"/api/v1/projects/{summary['id']}").json()
        answer = client.get(f"/api/v1/projects/{project['id']}/partners?limit=10")
        assert answer.status_code == 200
        body = answer.json()
        on_it = {project["lead_council"]["slug"], *(p["council"]["slug"] for p in project["partners"])}
        suggested = [s["council"]["slug"] for s in body["suggestions"]]
        assert not on_it & set(suggested), project["title"]
        assert len(suggested) == len(set(suggested))
        scores = [s["score"] for s in body["suggestions"]]
        assert scores == sorted(scores, reverse=True)
        for suggestion in body["suggestions"]:
            records = [r for r in suggestion["reasons"] if r["kind"] == "similar_record"]
            assert records, suggestion  # never suggested for geography alone
            for reason in records:
                assert reason["record"]["id"] != project["id"]
                text = _record_text(client, reason["record"]["url"]).lower()
                assert reason["terms"]
                for term in reason["terms"]:
                    assert term.lower() in text, (term, reason["record"]["title"])
                checked += 1
    assert checked > 20


def test_suggestions_are_stable_and_match_takes_a_problem_in_other_words(
    demo: Registry, client: TestClient[Any]
) -> None:
    body = {
        "text": "Tenants cannot report condensation and black mould online",
        "council": "hackney",
        "limit": 5,
    }
    first = client.post("/api/v1/match", json=body)
    assert first.status_code == 200
    assert client.post("/api/v1/match", json=body).json() == first.json()
    result = first.json()
    assert "hackney" not in [s["council"]["slug"] for s in result["suggestions"]]
    titles = [r["record"]["title"].lower() for r in result["similar_records"]]
    assert any("damp" in t or "mould" in t or "condensation" in t for t in titles)
    bins = client.post("/api/v1/match", json={"text": "Crews miss waste collections"}).json()
    assert any("bin" in r["record"]["title"].lower() for r in bins["similar_records"]), bins[
        "similar_records"
    ]


def test_match_and_partners_reject_bad_input(demo: Registry, client: TestClient[Any]) -> None:
    missing = client.post("/api/v1/match", json={"title": "No text"})
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "text"
    assert client.post("/api/v1/match", json={"text": "x", "council": "atlantis"}).status_code == 422
    assert client.post("/api/v1/match", json={"text": "x", "limit": 51}).status_code == 422
    assert client.get("/api/v1/projects/no-such-project/partners").status_code == 404
    assert client.get("/api/v1/projects/no-such-project/partners?limit=0").status_code == 400


def test_pages_show_partner_panels_and_the_who_else_page(
    demo: Registry, client: TestClient[Any], pages: Pages
) -> None:
    slug = client.get("/api/v1/projects?council=hackney&limit=1").json()["items"][0]["slug"]
    project = pages.get(f"/projects/{slug}")
    panel = project.select_one("#similar-heading").find_parent("section")
    assert panel.select(".pipeline-suggestion")
    council = pages.get("/councils/hackney")
    assert council.select_one("#similar-heading").find_parent("section").select(".pipeline-suggestion")
    empty = pages.get("/similar")
    assert empty.find("textarea", attrs={"name": "text"}) is not None
    answered = pages.get("/similar?text=missed+bins+and+fly-tipping&council=hackney")
    suggestions = [a.get_text() for a in answered.select(".pipeline-suggestion h3 a")]
    assert suggestions
    assert "Hackney" not in suggestions
    assert answered.select(".pipeline-results a")
    problem = pages.get("/similar?text=", status=400)
    assert re.search("Describe the problem", problem.select_one(".govuk-error-summary").get_text())


@pytest.mark.parametrize(
    "text",
    [
        "Residents' missed-bin reports (2024): e.g. U.K. councils, EHCPs & SEND transport… Ünïcode façade",
        "a an the of to in tbd x y 42 3.14 data-driven",
        "",
    ],
)
def test_fast_tokens_match_the_search_index_analysis(text: str) -> None:
    from whoosh.analysis import StemmingAnalyzer

    from pipeline.matching.concepts import tokens

    expected = [(t.text, t.startchar, t.endchar) for t in StemmingAnalyzer()(text, chars=True, mode="index")]
    assert [(t.stem, t.start, t.end) for t in tokens(text)] == expected


def _project(registry: Registry, title: str, summary: str, lead: str, partners: tuple[str, ...] = ()) -> str:
    data = ProjectIn(
        title=title,
        summary=summary,
        lead_council=lead,
        partners=[PartnerIn(council=p) for p in partners],
    )
    created = create_record(registry, SYSTEM, KINDS["project"], data)
    registry.search.catch_up(wait=True)
    return str(created.id)  # type: ignore[attr-defined]


FILLER = [
    ("Library opening hours", "Publish library opening hours and events for residents"),
    ("Council tax direct debit", "Residents set up council tax direct debits without a call"),
    ("Parking permits", "Residents buy resident parking permits and visitor vouchers"),
    ("Planning search", "Search planning applications and comment on them"),
    ("Pothole reporting", "Report potholes and see when the road will be fixed"),
    ("Register to vote", "Reminders to register to vote before the election"),
]


def test_a_council_that_worked_with_the_asker_counts_more_and_consortia_show_as_one(
    registry: Registry, councils: dict[str, str], client: TestClient[Any]
) -> None:
    for title, summary in FILLER:
        _project(registry, title, summary, "tower-hamlets")
    # Hackney and Islington have worked together before, on something else.
    _project(registry, "Street lighting", "Replace street lights with LEDs", "hackney", ("islington",))
    # Camden, with Tower Hamlets, and Islington each run an EHCP project.
    _project(
        registry,
        "EHCP annual reviews",
        "Families follow education health and care plan annual reviews online",
        "camden",
        ("tower-hamlets",),
    )
    _project(
        registry, "EHCP transitions", "Education health and care plan reviews at transition", "islington"
    )
    asked = {"text": "Parents cannot see where their child's EHCP annual review is", "council": "hackney"}
    body = client.post("/api/v1/match", json=asked).json()
    suggested = [s["council"]["slug"] for s in body["suggestions"]]
    assert suggested[0] == "islington"  # a weaker text match, but a partner before
    islington = body["suggestions"][0]
    assert "worked_together" in [r["kind"] for r in islington["reasons"]]
    assert {"camden", "tower-hamlets"} <= set(suggested)
    [group] = body["collaborations"]
    assert group["record"]["title"] == "EHCP annual reviews"
    assert [c["slug"] for c in group["councils"]] == ["camden", "tower-hamlets"]
    assert group["text"].startswith("Join the consortium behind the project “EHCP annual reviews”: Camden")
    alone = client.post("/api/v1/match", json={**asked, "council": None}).json()
    assert "worked_together" not in [r["kind"] for s in alone["suggestions"] for r in s["reasons"]]


TOPICS = [
    "library",
    "parking",
    "planning",
    "potholes",
    "voting",
    "allotments",
    "licensing",
    "burials",
    "recycling",
    "trees",
]


def test_words_many_records_share_are_not_evidence(registry: Registry, councils: dict[str, str]) -> None:
    for number, topic in enumerate(TOPICS * 2):  # 8 of 21 records say "residents", "online", "calling"
        says = f"Residents use {topic} online without calling" if number < 8 else f"Officers manage {topic}"
        _project(registry, f"{topic.title()} {number}", says, "tower-hamlets")
    _project(registry, "Residents online", "Residents can do more online without calling", "camden")
    asked = MatchIn(text="Residents want to do things online rather than calling", council="hackney")
    evidence = problem_evidence(registry, asked)
    assert [f.fields["title"] for f in evidence.found][:1] == ["Residents online"]  # similar in words...
    assert match_problem(registry, asked).suggestions == []  # ...but nothing in it is distinctive
    specific = MatchIn(text="Residents want to book allotments online", council="hackney")
    [suggestion] = match_problem(registry, specific).suggestions
    assert suggestion.council.slug == "tower-hamlets"
    assert suggestion.reasons[0].terms == ["Allotments"]


def test_a_council_since_abolished_is_suggested_for_its_records_with_its_successor(
    registry: Registry, councils: dict[str, str], client: TestClient[Any], pages: Pages
) -> None:
    """Its records stay in the registry and are still evidence; the suggestion names the
    council that took its work over. Partner suggestions for its own projects work too."""
    from datetime import date

    from tests.conftest import add_council

    add_council(registry, "E06000060", "Buckinghamshire Council", "Buckinghamshire", register_code="BUC")
    add_council(
        registry,
        "E07000004",
        "Aylesbury Vale District Council",
        "Aylesbury Vale",
        register_code="AYL",
        end_date=date(2020, 3, 31),
        replaced_by=["BUC"],
    )
    for title, summary in FILLER:
        _project(registry, title, summary, "tower-hamlets")
    says = "Residents subscribe to garden waste collections"
    garden = _project(registry, "Garden waste subscriptions", says, "aylesbury-vale")
    asked = {"text": "Residents want to subscribe to garden waste collections online", "council": "hackney"}
    [suggestion] = client.post("/api/v1/match", json=asked).json()["suggestions"]
    assert suggestion["council"]["slug"] == "aylesbury-vale"
    assert [c["slug"] for c in suggestion["replaced_by"]] == ["buckinghamshire"]
    replaced = [r for r in suggestion["reasons"] if r["kind"] == "replaced"]
    assert [(r["text"], r["values"]) for r in replaced] == [
        ("Abolished on 31 March 2020: its work passed to Buckinghamshire.", ["buckinghamshire"])
    ]
    assert (
        client.post("/api/v1/match", json={**asked, "text": "Library opening hours"}).json()["suggestions"][
            0
        ]["replaced_by"]
        == []
    )  # a current council has no successors

    _project(registry, "Garden waste renewals", "Garden waste subscriptions renewed online", "camden")
    partners = client.get(f"/api/v1/projects/{garden}/partners")
    assert partners.status_code == 200, partners.text
    assert [s["council"]["slug"] for s in partners.json()["suggestions"]] == ["camden"]
    slug = client.get(f"/api/v1/projects/{garden}").json()["slug"]
    assert "Camden" in pages.get(f"/projects/{slug}").get_text()
    who_else = pages.get("/similar?text=garden+waste+subscriptions").get_text()
    assert "its work passed to Buckinghamshire" in who_else


def test_a_place_name_says_where_not_what_so_it_is_never_evidence_or_a_reason_alone(
    registry: Registry, councils: dict[str, str]
) -> None:
    """ "Camden" in both texts does not make Camden's parking project a partner on allotments."""
    _project(registry, "Parking permits in Camden", "Camden residents renew parking permits", "camden")
    _project(registry, "Allotment waiting lists", "Waiting lists for allotment plots", "tower-hamlets")
    asked = MatchIn(text="Allotment waiting lists in Camden and Hackney", council="hackney")
    answer = match_problem(registry, asked)
    assert [s.council.slug for s in answer.suggestions] == ["tower-hamlets"]
    assert answer.suggestions[0].reasons[0].terms == ["Allotment waiting lists"]
    terms = {r.record.title: r.terms for r in answer.similar_records}
    assert terms.get("Parking permits in Camden", []) == []  # found by its words, naming nothing
    lower_case = MatchIn(text="Allotment waiting lists: a camden of plots", council="hackney")
    assert "camden" in [
        c.label for f in problem_evidence(registry, lower_case).found for c in f.distinctive(1.0)
    ]

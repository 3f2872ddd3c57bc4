"""The query builder is a pure function: table-driven tests, no index."""

from __future__ import annotations

import pytest
from whoosh import query as wq

from pipeline.errors import Invalid
from pipeline.search.query import build_plan, parse_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("damp mould", "((title:damp^2.0 OR content:damp) AND (title:mould^2.0 OR content:mould))"),
        ('"black mould"', '(title:"black mould" OR content:"black mould")'),
        ("bins OR waste", "(title:bin^2.0 OR content:bin OR title:wast^2.0 OR content:wast)"),
        ("repairs -gas", "((title:repair^2.0 OR content:repair) ANDNOT (title:ga^2.0 OR content:ga))"),
        ("repair*", "(title:repair* OR content:repair*)"),
        ("council:Hackney repairs", "(council:hackney AND (title:repair^2.0 OR content:repair))"),
        ("phase:alpha", "phase:alpha"),
        ('tag:"damp and mould"', "tag:damp and mould"),
    ],
)
def test_query_language(text: str, expected: str) -> None:
    assert str(parse_text(text)) == expected


@pytest.mark.parametrize("text", ["", "   ", "*", "((", "NOT", '"', "AND OR"])
def test_nothing_to_look_for_lists_everything(text: str) -> None:
    assert isinstance(parse_text(text), wq.Every)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("a*", "at least 2 letters before a *"),
        ("*ing", "at least 2 letters before a *"),
        ("id:123", "'id:' is not a field you can search"),
        (" ".join(f"word{n}" for n in range(60)), "at most 40 words"),
    ],
)
def test_pathological_queries_are_refused_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(Invalid) as raised:
        parse_text(text)
    assert raised.value.errors[0].field == "q"
    assert reason in raised.value.errors[0].message


def test_plan_defaults_to_newest_first_without_words() -> None:
    plan = build_plan(
        q="", filters={}, updated_after=None, updated_before=None, sort=None, page=1, per_page=20
    )
    assert (plan.has_text, plan.sort) == (False, "updated")
    worded = build_plan(
        q="bins", filters={}, updated_after=None, updated_before=None, sort=None, page=1, per_page=20
    )
    assert worded.sort == "relevance"


def test_plan_cleans_filter_values() -> None:
    plan = build_plan(
        q="",
        filters={"tag": [" Bins ", "bins", ""], "phase": []},
        updated_after=None,
        updated_before=None,
        sort=None,
        page=1,
        per_page=20,
    )
    assert plan.filters == {"tag": ("bins",)}

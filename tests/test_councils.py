"""Councils: importing the national list, agreeing with the seed, lookups and the API."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import func
from sqlmodel import col, select

from pipeline.demo.seed import seed
from pipeline.services.context import Registry
from pipeline.services.exchange.council_list import import_councils, read_council_csv
from pipeline.services.exchange.line_errors import FileErrors
from pipeline.services.identity.actors import SYSTEM
from pipeline.storage.models import Change, Council

# mySociety's list, shipped in the repository with its licence (seed/LICENSE-uk_local_authorities.txt).
NATIONAL_LIST = Path(__file__).resolve().parents[1] / "seed" / "uk_local_authorities.csv"
HEADER = (
    "local-authority-code,official-name,nice-name,gss-code,start-date,end-date,replaced-by,nation,region,"
    "local-authority-type,local-authority-type-name,county-la,combined-authority,alt-names,former-gss-codes\n"
)


def count(registry: Registry, model: Any) -> int:
    with registry.reading() as session:
        return session.exec(select(func.count()).select_from(model)).one()


@pytest.fixture
def national_list() -> Path:
    assert NATIONAL_LIST.exists(), f"the national list is expected at {NATIONAL_LIST}"
    return NATIONAL_LIST


def test_importing_the_national_list_twice(registry: Registry, national_list: Path) -> None:
    with national_list.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    items = read_council_csv(national_list)
    first = import_councils(registry, SYSTEM, items)
    assert (first.created, first.updated, first.unchanged) == (len(rows), 0, 0)
    assert count(registry, Council) == len(rows) == 470
    changes_after_first = count(registry, Change)
    second = import_councils(registry, SYSTEM, read_council_csv(national_list))
    assert (second.created, second.updated, second.unchanged) == (0, 0, 470)
    assert count(registry, Change) == changes_after_first
    with registry.reading() as session:
        current = session.exec(
            select(func.count()).select_from(Council).where(col(Council.end_date).is_(None))
        ).one()
        assert current == sum(1 for r in rows if r["current-authority"] == "True") == 397


@pytest.mark.parametrize(
    ("key", "name", "facts"),
    [
        (
            "E09000012",
            "London Borough of Hackney",
            {"kind": "LBO", "region": "London", "combined_authority": "GLA"},
        ),
        ("E06000058", "Bournemouth, Christchurch and Poole Council", {"kind": "UA", "nation": "England"}),
        ("S12000036", "City of Edinburgh Council", {"nation": "Scotland"}),
        ("W06000015", "City of Cardiff Council", {"nation": "Wales"}),
        ("E07000223", "Adur District Council", {"county": "WSX"}),
        ("N09000002", "Armagh City, Banbridge and Craigavon Borough Council", {"nation": "Northern Ireland"}),
    ],
)
def test_a_sample_of_imported_councils(
    registry: Registry, national_list: Path, key: str, name: str, facts: dict[str, str]
) -> None:
    import_councils(registry, SYSTEM, read_council_csv(national_list))
    with registry.reading() as session:
        council = session.exec(select(Council).where(Council.gss_code == key)).one()
        assert council.name == name
        assert {k: getattr(council, k) for k in facts} == facts


def test_former_councils_keep_end_dates_and_successors(
    client: TestClient[Any], registry: Registry, national_list: Path
) -> None:
    import_councils(registry, SYSTEM, read_council_csv(national_list))
    aylesbury = client.get("/api/v1/councils/E07000004").json()
    assert aylesbury["current"] is False
    assert aylesbury["end_date"] == "2020-03-31"
    assert [c["name"] for c in aylesbury["replaced_by"]] == ["Buckinghamshire"]
    # Gateshead's former code still finds it.
    assert client.get("/api/v1/councils/E08000020").json()["slug"] == "gateshead"


def test_seed_and_import_agree_on_one_record_per_code(
    client: TestClient[Any], registry: Registry, national_list: Path
) -> None:
    seed(registry, SYSTEM)
    report = import_councils(registry, SYSTEM, read_council_csv(national_list))
    assert report.created == 470 - 34
    assert count(registry, Council) == 470
    hackney = client.get("/api/v1/councils/hackney").json()
    assert hackney["gss_code"] == "E09000012"
    assert hackney["email_domains"] == ["hackney.gov.uk"]  # the import does not wipe what the seed knows
    assert len(hackney["neighbours"]) == 6


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "councils.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_bad_rows_are_reported_by_line_and_nothing_is_written(registry: Registry, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER
        + "AAA,Good Council,Good,E07000999,,,,England,South East,NMD,District,,,,\n"
        + "BBB,Bad Code Council,Bad,X123,,,,England,South East,NMD,District,,,,\n"
        + "CCC,Bad Date Council,Date,E07000998,yesterday,,,England,South East,NMD,District,,,,\n"
        + "DDD,Again,Again,E07000999,,,,England,South East,NMD,District,,,,\n",
    )
    with pytest.raises(FileErrors) as raised:
        read_council_csv(path)
    lines = [(e.line, e.field) for e in raised.value.errors]
    assert lines == [(3, "gss_code"), (4, "start_date"), (5, "")]
    assert count(registry, Council) == 0


def test_missing_columns_are_named(tmp_path: Path) -> None:
    path = write(tmp_path, "name,code\nHackney,E09000012\n")
    with pytest.raises(FileErrors) as raised:
        read_council_csv(path)
    assert "official-name" in str(raised.value)


def test_council_api_lists_filters_and_pages(client: TestClient[Any], councils: dict[str, str]) -> None:
    page = client.get("/api/v1/councils?region=london&limit=3").json()
    assert page["total"] == 4
    assert [c["short_name"] for c in page["items"]] == ["Camden", "Hackney", "Islington"]
    rest = client.get(page["links"]["next"]).json()
    assert [c["short_name"] for c in rest["items"]] == ["Tower Hamlets"]
    assert client.get("/api/v1/councils?q=hack").json()["total"] == 1
    hackney = client.get("/api/v1/councils/E09000012").json()
    assert [n["slug"] for n in hackney["neighbours"]] == ["islington", "tower-hamlets"]
    assert client.get("/api/v1/councils/e09000012").json()["id"] == hackney["id"]

"""Test fixtures: the real app on a real database (SQLite, or PostgreSQL when one is given)."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar.testing import TestClient
from psycopg.errors import DeadlockDetected
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlmodel import SQLModel

from pipeline.app import create_app
from pipeline.config import Settings, load_settings
from pipeline.schemas.councils import CouncilIn
from pipeline.services.context import Registry
from pipeline.services.councils.directory import upsert_council
from pipeline.services.identity.actors import SYSTEM
from pipeline.services.identity.tokens import create_token, revoke_token
from pipeline.services.records.changelog import utcnow
from pipeline.storage.engine import make_engine
from pipeline.storage.migrate import upgrade
from pipeline.storage.models import ApiToken
from tests.pages import Pages
from tests.receiver import receiver  # noqa: F401 (a fixture, for every test module)
from tests.smtp import mail_server  # noqa: F401 (a fixture, for every test module)

# Headless Chromium (the `browser` fixture), loaded once this module is.
pytest_plugins = ["tests.browsers"]

PUBLIC_URL = "http://testserver.local"
logging.getLogger("httpx").setLevel(logging.WARNING)
POSTGRES_URL = os.environ.get("PIPELINE_TEST_DATABASE_URL", "")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if POSTGRES_URL:
        return POSTGRES_URL
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'pipeline.db'}"


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    if POSTGRES_URL:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(engine)
    yield engine
    engine.dispose()


def empty_all_tables(engine: Engine) -> None:
    tables = list(reversed(SQLModel.metadata.sorted_tables))
    if engine.dialect.name == "postgresql":
        _truncate(engine, ", ".join(t.name for t in tables))  # from our own metadata, not from input
        return
    with engine.begin() as connection:
        for table in tables:
            connection.execute(table.delete())
        connection.execute(text("DELETE FROM sqlite_sequence"))


def _truncate(engine: Engine, names: str, attempts: int = 5) -> None:
    """TRUNCATE every table. It locks them one by one, so a reader still finishing from the
    test before (a server's companion process ending) can make a deadlock, which PostgreSQL
    resolves by cancelling one side: then try again, as PostgreSQL advises."""
    for attempt in range(1, attempts + 1):
        try:
            with engine.begin() as connection:
                connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            return
        except OperationalError as exc:
            if not isinstance(exc.orig, DeadlockDetected) or attempt == attempts:
                raise


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return load_settings({}, data_dir=str(tmp_path), database_url=database_url, public_url=PUBLIC_URL)


@pytest.fixture
def registry(settings: Settings, engine: Engine) -> Iterator[Registry]:
    empty_all_tables(engine)
    registry = Registry(settings, engine)
    yield registry
    registry.search.close()  # its searcher's open segment files; the engine is shared


@pytest.fixture
def registry_with(settings: Settings, engine: Engine) -> Iterator[Callable[..., Registry]]:
    """Makes another registry on the same database and data folder with some settings changed
    (as another server process would be configured); each is closed after the test."""
    made: list[Registry] = []

    def make(**changes: Any) -> Registry:
        made.append(Registry(msgspec.structs.replace(settings, **changes), engine))
        return made[-1]

    yield make
    for registry in made:
        registry.search.close()


@pytest.fixture
def cli_env(registry: Registry) -> dict[str, str]:
    """The environment of a `pipeline` command on the test database and data folder."""
    settings = registry.settings
    return {
        "PIPELINE_DATABASE_URL": settings.resolved_database_url,
        "PIPELINE_DATA_DIR": str(settings.data_dir),
    }


@pytest.fixture
def client(settings: Settings, registry: Registry) -> Iterator[TestClient[Any]]:
    with TestClient(create_app(settings, registry), base_url=PUBLIC_URL) as test_client:
        yield test_client


LONDON = {
    "E09000012": ("London Borough of Hackney", "Hackney", "hackney.gov.uk", ["E09000019", "E09000030"]),
    "E09000007": ("London Borough of Camden", "Camden", "camden.gov.uk", ["E09000019"]),
    "E09000019": ("London Borough of Islington", "Islington", "islington.gov.uk", ["E09000012", "E09000007"]),
    "E09000030": ("London Borough of Tower Hamlets", "Tower Hamlets", "towerhamlets.gov.uk", ["E09000012"]),
}


def add_council(registry: Registry, gss: str, name: str, short: str, **extra: Any) -> None:
    with registry.writing() as session:
        upsert_council(session, SYSTEM, CouncilIn(name=name, short_name=short, gss_code=gss, **extra))


@pytest.fixture
def councils(registry: Registry) -> dict[str, str]:
    """Four London boroughs; returns GSS code by slug."""
    for gss, (name, short, domain, neighbours) in LONDON.items():
        add_council(
            registry,
            gss,
            name,
            short,
            region="London",
            nation="England",
            kind="LBO",
            email_domains=[domain],
            neighbours=neighbours,
            combined_authority="GLA",
        )
    return {short.lower().replace(" ", "-"): gss for gss, (_, short, _, _) in LONDON.items()}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def tokens(registry: Registry, councils: dict[str, str]) -> dict[str, str]:
    """Tokens by role: hackney, camden, admin, revoked (hackney), expired (hackney)."""
    made = {
        "hackney": create_token(registry, SYSTEM, council="E09000012", lifetime=timedelta(days=1)),
        "camden": create_token(registry, SYSTEM, council="E09000007", lifetime=timedelta(days=1)),
        "admin": create_token(registry, SYSTEM, council=None, admin=True, lifetime=timedelta(days=1)),
        "revoked": create_token(registry, SYSTEM, council="E09000012", lifetime=timedelta(days=1)),
        "expired": create_token(registry, SYSTEM, council="E09000012", lifetime=timedelta(days=1)),
    }
    revoke_token(registry, SYSTEM, made["revoked"].details.id)
    with registry.writing() as session:
        expired = session.get(ApiToken, made["expired"].details.id)
        assert expired is not None
        expired.expires_at = utcnow() - timedelta(seconds=1)
        session.add(expired)
    return {name: created.token for name, created in made.items()}


def project_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Online housing repairs",
        "summary": "Residents report and book repairs online.",
        "lead_council": "E09000012",
        "problem": "Repairs are reported by phone and appointments are missed.",
        "phase": "alpha",
        "service_areas": ["housing"],
        "tags": ["repairs"],
    }
    body.update(overrides)
    return body


def create(client: TestClient[Any], path: str, body: dict[str, Any], token: str) -> dict[str, Any]:
    response = client.post(f"/api/v1/{path}", json=body, headers=bearer(token))
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


@pytest.fixture
def pages(client: TestClient[Any], settings: Settings) -> Pages:
    """The pages, as a browser without JavaScript sees them; every response is checked."""
    return Pages(client, settings.data_dir)

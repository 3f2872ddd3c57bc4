"""Headless Chromium, and a real server on a clean database, for the browser tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright
from sqlalchemy import Engine

from tests.conftest import POSTGRES_URL, empty_all_tables
from tests.live import LiveServer, chromium_path, live_server


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), headless=True)
        yield chromium
        chromium.close()


@contextmanager
def serving_demo_data(
    data_dir: Path, engine: Engine, env: dict[str, str] | None = None, port: int | None = None
) -> Iterator[LiveServer]:
    """The demo data served from an empty database (PostgreSQL's is shared: emptied before and after)."""
    if POSTGRES_URL:
        empty_all_tables(engine)
    with live_server(data_dir, POSTGRES_URL, env, port) as running:
        yield running
    if POSTGRES_URL:
        empty_all_tables(engine)

"""Every address the service builds: API paths, page paths and absolute URLs, in one place.

No other module spells `/api/v1` (a test checks): moving the API is one line here.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.record_types import RECORD_TYPES

API = "/api/v1"
SCHEMA = f"{API}/schema"
OPENAPI = f"{API}/openapi.json"

RECORD_PATHS: dict[str, str] = {name: t.path for name, t in RECORD_TYPES.items()} | {"council": "councils"}


def api_path(*parts: str) -> str:
    """An API path: api_path("search") is /api/v1/search."""
    return "/".join([API, *parts])


def is_api_path(path: str) -> bool:
    return path == API or path.startswith(API + "/")


def collection_path(record_type: str) -> str:
    """/api/v1/projects, /api/v1/code-links..."""
    return api_path(RECORD_PATHS[record_type])


def record_api_path(record_type: str, key: str, *rest: str) -> str:
    """/api/v1/projects/{key}, and below it (`history`, `confirm`)."""
    return api_path(RECORD_PATHS[record_type], key, *rest)


@dataclass(frozen=True)
class Urls:
    """Absolute addresses of API resources and pages, from the configured public URL."""

    base: str

    def api(self, record_type: str, slug: str) -> str:
        return f"{self.base}{record_api_path(record_type, slug)}"

    def page(self, record_type: str, slug: str) -> str:
        return f"{self.base}/{RECORD_PATHS[record_type]}/{slug}"

    def absolute(self, path: str) -> str:
        return f"{self.base}{path}"

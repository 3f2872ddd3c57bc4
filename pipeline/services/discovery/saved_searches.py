"""A search kept as a query string (`q=repairs&service_area=housing`), as follows and webhooks
keep theirs: read strictly, and written back in one canonical form."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from pipeline import lgsl
from pipeline.errors import Invalid
from pipeline.services.discovery.search import SearchRequest
from pipeline.vocab import PHASES, RECORD_TYPES, SERVICE_AREAS

MAX_LENGTH = 2000
MAX_WORDS = 500
MAX_VALUES = 20
FILTERS = ("type", "council", "phase", "service_area", "lgsl", "tag", "region", "dormant")
NAMES = ("q", *FILTERS)
CLOSED: dict[str, tuple[str, ...]] = {
    "type": RECORD_TYPES,
    "phase": PHASES,
    "service_area": SERVICE_AREAS,
    "dormant": ("yes", "no"),
}


@dataclass(frozen=True)
class SavedSearch:
    """A search by query string: `text` is canonical (names in order, values sorted)."""

    text: str
    request: SearchRequest

    @property
    def label(self) -> str:
        """In words, for an email or a page: “repairs”; service area: housing."""
        parts = [f"“{self.request.q}”"] if self.request.q else []
        parts += [f"{name.replace('_', ' ')}: {', '.join(v)}" for name, v in self.request.filters.items()]
        return "; ".join(parts) if parts else "everything"


def read_saved_search(text: str, field: str) -> SavedSearch:
    """The search a query string asks for; Invalid naming `field` and the parameter if not."""
    if len(text) > MAX_LENGTH:
        raise Invalid.one(field, f"A search may be at most {MAX_LENGTH} characters long.")
    pairs = parse_qsl(text.strip().lstrip("?"), keep_blank_values=False)
    unknown = sorted({name for name, _ in pairs if name not in NAMES})
    if unknown:
        raise Invalid.one(field, f"Unknown search parameter '{unknown[0]}': use {', '.join(NAMES)}.")
    words = " ".join(value.strip() for name, value in pairs if name == "q" and value.strip())
    if len(words) > MAX_WORDS:
        raise Invalid.one(field, f"The search words may be at most {MAX_WORDS} characters long.")
    filters = {name: sorted({v.strip() for n, v in pairs if n == name and v.strip()}) for name in FILTERS}
    filters = {name: values for name, values in filters.items() if values}
    for name, values in filters.items():
        _check_values(field, name, values)
    canonical = urlencode([("q", words)] * bool(words) + [(n, v) for n, vs in filters.items() for v in vs])
    return SavedSearch(canonical, SearchRequest(q=words, filters=filters))


def _check_values(field: str, name: str, values: list[str]) -> None:
    if len(values) > MAX_VALUES:
        raise Invalid.one(field, f"'{name}' may be given at most {MAX_VALUES} times.")
    refused = lgsl.filter_refusal(values) if name == "lgsl" else None
    if refused:
        raise Invalid.one(field, refused)
    allowed = CLOSED.get(name)
    wrong = [v for v in values if allowed is not None and v not in allowed]
    if wrong:
        raise Invalid.one(
            field, f"'{wrong[0]}' is not a {name.replace('_', ' ')}: use one of {', '.join(allowed or ())}."
        )

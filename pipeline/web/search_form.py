"""The search page's form: reading its query string, and the links that change one part of it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from litestar.datastructures import MultiDict

from pipeline import lgsl
from pipeline.errors import FieldError
from pipeline.search.fields import FACET_NAMES
from pipeline.services.discovery.search import SearchRequest
from pipeline.vocab import PHASES, RECORD_TYPES, SERVICE_AREAS
from pipeline.web.forms import real_date

PER_PAGE = 20
MAX_PAGE = 500
SORTS = {"relevance": "Most relevant", "updated": "Recently updated", "title": "Title A to Z"}
FACET_LEGENDS = {
    "type": "Type of record",
    "phase": "Project phase",
    "service_area": "Service area",
    "lgsl": "Service (LGSL)",
    "council": "Council",
    "region": "Region",
    "tag": "Tag",
    "dormant": "Possibly dormant",
}
CLOSED_VOCABULARIES: dict[str, tuple[str, ...]] = {
    "type": RECORD_TYPES,
    "phase": PHASES,
    "service_area": SERVICE_AREAS,
    "lgsl": tuple(str(code) for code in lgsl.services()),
    "dormant": ("yes", "no"),
}
DATE_PARTS = ("day", "month", "year")


@dataclass
class SearchForm:
    """What the person asked for, as typed (kept for redisplay) and as a service request."""

    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    dates: dict[str, dict[str, str]] = field(default_factory=dict)
    sort: str = ""
    page: int = 1
    errors: list[FieldError] = field(default_factory=list)
    request: SearchRequest = field(default_factory=SearchRequest)

    def params(self, **changes: Any) -> dict[str, Any]:
        values: dict[str, Any] = {"q": self.q or None, **self.filters, "sort": self.sort or None}
        for prefix, parts in self.dates.items():
            values.update({f"{prefix}-{part}": parts.get(part) or None for part in DATE_PARTS})
        values.update(changes)
        return {k: v for k, v in values.items() if v not in (None, "", [])}

    def url(self, path: str = "/search", /, **changes: Any) -> str:
        query = urlencode(self.params(**changes), doseq=True)
        return f"{path}?{query}" if query else path

    def followed(self) -> str:
        """The query string of this search's feeds: the API's parameters, not the form's."""
        pairs: list[tuple[str, str]] = [("q", self.q)] if self.q else []
        pairs += [(name, value) for name, values in self.request.filters.items() for value in values]
        for name, moment in (
            ("updated_after", self.request.updated_after),
            ("updated_before", self.request.updated_before),
        ):
            if moment:
                pairs.append((name, moment.isoformat()))
        return urlencode(pairs)

    def email_updates_url(self) -> str:
        """Where to ask for email updates on this search (its words and filters, not its dates)."""
        pairs: list[tuple[str, str]] = [("q", self.q)] if self.q else []
        pairs += [(name, value) for name, values in self.request.filters.items() for value in values]
        return "/email-updates/new?" + urlencode({"search": urlencode(pairs)})

    def without(self, name: str, value: str) -> str:
        """This search with one filter value removed (a "remove filter" link)."""
        return self.url(**{name: [v for v in self.filters.get(name, []) if v != value]})

    def without_date(self, prefix: str) -> str:
        return self.url(**{f"{prefix}-{part}": None for part in DATE_PARTS})


def read_search_form(query: MultiDict[str]) -> SearchForm:
    form = SearchForm(q=query.get("q", "").strip()[:500], sort=query.get("sort", ""))
    for name in FACET_NAMES:
        values = [v.strip() for v in query.getall(name, []) if v.strip()]
        allowed = CLOSED_VOCABULARIES.get(name)
        unknown = [v for v in values if allowed is not None and v not in allowed]
        if unknown:
            form.errors.append(FieldError(name, f"{FACET_LEGENDS[name]} has no value '{unknown[0]}'."))
        if values:
            form.filters[name] = list(dict.fromkeys(v for v in values if v not in unknown))
    if form.sort and form.sort not in SORTS:
        form.errors.append(FieldError("sort", "Choose how to sort the results from the list."))
        form.sort = ""
    form.page = _page_number(query.get("page", "1"), form)
    after = _date(query, "from", "Updated from", form)
    before = _date(query, "to", "Updated to", form)
    form.request = SearchRequest(
        q=form.q,
        filters={k: v for k, v in form.filters.items() if v},
        updated_after=datetime.combine(after, time(), UTC) if after else None,
        updated_before=datetime.combine(before + timedelta(days=1), time(), UTC) if before else None,
        sort=form.sort or None,
        page=form.page,
        per_page=PER_PAGE,
    )
    return form


def _page_number(text: str, form: SearchForm) -> int:
    if re.fullmatch(r"[0-9]{1,4}", text) and 1 <= int(text) <= MAX_PAGE:
        return int(text)
    form.errors.append(FieldError("page", f"Page must be a number from 1 to {MAX_PAGE}."))
    return 1


def _date(query: MultiDict[str], prefix: str, name: str, form: SearchForm) -> date | None:
    parts = {part: query.get(f"{prefix}-{part}", "").strip() for part in DATE_PARTS}
    if not any(parts.values()):
        return None
    form.dates[prefix] = parts
    try:
        return real_date(parts)
    except ValueError:
        form.errors.append(FieldError(f"{prefix}-day", f"{name} must be a real date, like 31 3 2026."))
        return None

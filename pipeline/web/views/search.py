"""The search page: the /api/v1/search features as a form, results and filters."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template

from pipeline.dependencies import RegistryDep
from pipeline.errors import Invalid
from pipeline.schemas.search import FacetValue, SearchPage
from pipeline.search.fields import FACET_NAMES
from pipeline.services.discovery.search import search_records
from pipeline.services.discovery.search_format import facet_label
from pipeline.urls import api_path
from pipeline.web.rendering import Alternate, error_list, feed_alternates, page
from pipeline.web.search_form import FACET_LEGENDS, SORTS, SearchForm, read_search_form

SHOWN_VALUES = 12
FIELD_IDS = {"from-day": "from-day", "to-day": "to-day"}


@get("/search", sync_to_thread=True)
def search_page(request: Request[Any, Any, Any], registry: RegistryDep) -> Template:
    form = read_search_form(request.query_params)
    results: SearchPage | None = None
    errors = list(form.errors)
    if not errors:
        try:
            results = search_records(registry, form.request)
        except Invalid as exc:
            errors = exc.errors
    api_url = form.url(api_path("search"))
    feeds = feed_alternates(form.followed(), "This search")
    return page(
        request,
        "search.html",
        title=f"Search results for ‘{form.q}’" if form.q else "Search the registry",
        status=400 if errors else 200,
        errors=error_list(errors, FIELD_IDS),
        form=form,
        results=results,
        facets=_facets(form, results),
        chips=_chips(form, results),
        sorts=SORTS,
        pagination=_pagination(form, results),
        alternates=[*feeds, Alternate("application/json", api_url, "These results as JSON")],
        api_url=api_url,
        feeds=feeds,
        email_updates_url=form.email_updates_url(),
    )


def _facets(form: SearchForm, results: SearchPage | None) -> list[dict[str, Any]]:
    """Checkbox groups: the commonest values with counts, and whatever is already chosen."""
    groups = []
    for name in FACET_NAMES:
        counted = results.facets.get(name, []) if results else []
        chosen = form.filters.get(name, [])
        shown = list(counted[:SHOWN_VALUES])
        shown += [f for f in counted[SHOWN_VALUES:] if f.value in chosen]
        known = {f.value for f in shown}
        shown += [
            FacetValue(value=v, label=facet_label(name, v, {}, {}), count=0) for v in chosen if v not in known
        ]
        if not shown:
            continue
        groups.append(
            {
                "name": name,
                "legend": FACET_LEGENDS[name],
                "open": bool(chosen) or name in ("type", "phase", "service_area"),
                "items": [
                    {
                        "value": f.value,
                        "text": f"{f.label} ({f.count:,})",
                        "checked": f.value in chosen,
                    }
                    for f in shown
                ],
            }
        )
    return groups


def _chips(form: SearchForm, results: SearchPage | None) -> list[dict[str, str]]:
    """One "remove filter" link per chosen value, labelled as the facet labels it."""
    labels = {
        (n, f.value): f.label for n, values in (results.facets if results else {}).items() for f in values
    }
    chips = [
        {
            "legend": FACET_LEGENDS[name],
            "text": labels.get((name, value), value),
            "href": form.without(name, value),
        }
        for name, values in form.filters.items()
        for value in values
    ]
    for prefix, legend in (("from", "Updated from"), ("to", "Updated to")):
        parts = form.dates.get(prefix)
        if parts:
            text = "/".join(parts[p] for p in ("day", "month", "year"))
            chips.append({"legend": legend, "text": text, "href": form.without_date(prefix)})
    return chips


def _pagination(form: SearchForm, results: SearchPage | None) -> dict[str, Any] | None:
    if results is None or results.total <= results.per_page:
        return None
    last = min(-(-results.total // results.per_page), 500)
    current = results.page
    numbers = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
    items: list[dict[str, Any]] = []
    for previous, number in zip([0, *numbers], numbers, strict=False):
        if number - previous > 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "href": form.url(page=number), "current": number == current})
    pagination: dict[str, Any] = {"items": items}
    if current > 1:
        pagination["previous"] = {"href": form.url(page=current - 1)}
    if current < last:
        pagination["next"] = {"href": form.url(page=current + 1)}
    return pagination

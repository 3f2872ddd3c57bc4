"""Who else is working on this? Anyone describes a problem and sees councils and records."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template

from pipeline.dependencies import RegistryDep
from pipeline.errors import FieldError, Invalid
from pipeline.schemas.matching import MatchIn, MatchOut
from pipeline.services.councils.directory import council_choices
from pipeline.services.discovery.matching import match_problem
from pipeline.services.records.validation import convert_input_all
from pipeline.web.rendering import error_list, page

TITLE = "Who else is working on this?"


@get("/similar", sync_to_thread=True)
def similar_page(request: Request[Any, Any, Any], registry: RegistryDep) -> Template:
    query = request.query_params
    text = query.get("text", "").strip()
    council = query.get("council", "").strip()
    results: MatchOut | None = None
    errors = []
    if "text" in query:
        try:
            asked = convert_input_all({"text": text, "council": council or None}, MatchIn)
            results = match_problem(registry, asked)
        except Invalid as exc:
            errors = error_list([_in_words(e) for e in exc.errors])
    return page(
        request,
        "similar.html",
        title=TITLE,
        status=400 if errors else 200,
        errors=errors,
        text=text,
        council=council,
        councils=council_choices(registry),
        results=results,
    )


def _in_words(error: FieldError) -> FieldError:
    if error.field == "text" and error.message == "Must not be empty.":
        return FieldError("text", "Describe the problem you are working on")
    return error

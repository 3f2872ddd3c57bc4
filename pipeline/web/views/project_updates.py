"""Posting a project update (weeknote) from the project's page."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from litestar import Request, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from pipeline.dependencies import RegistryDep
from pipeline.errors import FieldError, Invalid
from pipeline.schemas.updates import UpdateIn
from pipeline.services.collaboration.updates import post_update
from pipeline.services.records.validation import convert_input_all
from pipeline.web.forms import Question, read_answers
from pipeline.web.rendering import error_list, redirect_with_flash
from pipeline.web.views.declarations import record_page_with
from pipeline.web.views.editing import signed_in

QUESTIONS = [
    Question("text", "What happened", "textarea", missing="Enter what happened"),
    Question("date", "When it happened", "date"),
]
FIELD_IDS = {"date": "date-day"}


@post("/projects/{slug:str}/updates")
async def update_from_form(
    request: Request[Any, Any, Any], registry: RegistryDep, slug: FromPath[str]
) -> Redirect | Template:
    user = signed_in(request)
    answers = read_answers(QUESTIONS, await request.form())
    try:
        if not answers.data["text"]:
            answers.errors.insert(0, FieldError("text", QUESTIONS[0].missing))
        if answers.errors:
            raise Invalid(answers.errors)
        data = convert_input_all({k: v for k, v in answers.data.items() if v is not None}, UpdateIn)
        await anyio.to_thread.run_sync(post_update, registry, user.actor, slug, data)
    except Invalid as exc:
        errors = error_list(exc.errors, FIELD_IDS)
        return await anyio.to_thread.run_sync(record_page_with, request, registry, "project", slug, errors)
    return redirect_with_flash(f"/projects/{slug}#updates", "update-posted")

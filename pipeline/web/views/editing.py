"""Registering and editing records, and confirming a project is still active.

Permissions are the services' business: these handlers only decide what to offer, and show
the services' refusals and field errors in GOV.UK patterns.
"""

from __future__ import annotations

import re
from typing import Any

import anyio.to_thread
from litestar import Request, Router, get, post
from litestar.datastructures import FormMultiDict
from litestar.params import FromPath
from litestar.response import Redirect, Template

from pipeline.dependencies import RegistryDep
from pipeline.errors import FieldError, Invalid, PreconditionFailed, Unauthenticated
from pipeline.record_types import RECORD_TYPES
from pipeline.schemas.matching import MatchIn, SimilarRecord
from pipeline.services.discovery.matching import match_problem
from pipeline.services.identity.people import SignedInUser
from pipeline.services.records.catalogue import KINDS
from pipeline.services.records.engine import create_record, get_record, touch_record, update_record
from pipeline.services.records.history import record_history
from pipeline.services.records.kinds import RecordKind
from pipeline.urls import RECORD_PATHS
from pipeline.web.forms import Question, question_errors
from pipeline.web.record_answers import answers_for, blank_values, questions_for, record_values
from pipeline.web.rendering import page, redirect_with_flash

SEEN_SIMILAR = "seen_similar"
SIMILAR_SHOWN = 5
SIMILAR_ENOUGH = 0.3


def signed_in(request: Request[Any, Any, Any]) -> SignedInUser:
    user: SignedInUser | None = request.state.get("user")
    if user is None:
        raise Unauthenticated("Sign in to register or change records.")
    return user


def form_page(
    request: Request[Any, Any, Any],
    kind: RecordKind,
    questions: list[Question],
    values: dict[str, Any],
    *,
    title: str,
    action: str,
    errors: list[FieldError] | None = None,
    status: int = 200,
    **extra: Any,
) -> Template:
    shown = question_errors(questions, errors or [])
    return page(
        request,
        "forms/record.html",
        title=title,
        status=status,
        errors=shown.summary,
        error_for=shown.by_input,
        questions=questions,
        values=values,
        action=action,
        type_name=RECORD_TYPES[kind.name].label,
        **extra,
    )


def similar_projects(registry: RegistryDep, project: Any) -> list[SimilarRecord]:
    """Projects already registered that look like this one (asked once, before it is saved)."""
    if project is None:
        return []
    text = "\n".join([project.title, project.summary, project.problem, project.approach])
    asked = MatchIn(text=text, council=project.lead_council, limit=SIMILAR_SHOWN * 3)
    found = match_problem(registry, asked).similar_records
    return [s for s in found if s.record.type == "project" and s.similarity >= SIMILAR_ENOUGH][:SIMILAR_SHOWN]


def editing_router(kind: RecordKind) -> Router:
    """/new and /{slug}/edit for one record type: thin routes over the named functions below."""
    name = kind.name

    @get("/new", name=f"{name}-new", sync_to_thread=True)
    def new_form(request: Request[Any, Any, Any], registry: RegistryDep) -> Template:
        return new_record_form(request, registry, kind)

    @post("/new", name=f"{name}-create")
    async def create(request: Request[Any, Any, Any], registry: RegistryDep) -> Any:
        user, form = signed_in(request), await request.form()
        return await anyio.to_thread.run_sync(create_from_form, request, registry, kind, user, form)

    @get("/{slug:str}/edit", name=f"{name}-edit", sync_to_thread=True)
    def edit_form(request: Request[Any, Any, Any], registry: RegistryDep, slug: FromPath[str]) -> Template:
        return edit_record_form(request, registry, kind, slug)

    @post("/{slug:str}/edit", name=f"{name}-update")
    async def update(request: Request[Any, Any, Any], registry: RegistryDep, slug: FromPath[str]) -> Any:
        user, form = signed_in(request), await request.form()
        return await anyio.to_thread.run_sync(update_from_form, request, registry, kind, user, slug, form)

    handlers: list[Any] = [new_form, create, edit_form, update]
    if name == "project":
        handlers.append(confirm_handler(kind))
    return Router(path=f"/{RECORD_PATHS[name]}", route_handlers=handlers)


def new_record_form(request: Request[Any, Any, Any], registry: RegistryDep, kind: RecordKind) -> Template:
    """GET /{type}/new: the empty form, the owner preset to the member's council."""
    user = signed_in(request)
    questions = questions_for(registry, kind, user)
    values = blank_values(kind, questions, user)
    path = RECORD_PATHS[kind.name]
    return form_page(
        request, kind, questions, values, title=RECORD_TYPES[kind.name].new_title, action=f"/{path}/new"
    )


def create_from_form(
    request: Request[Any, Any, Any],
    registry: RegistryDep,
    kind: RecordKind,
    user: SignedInUser,
    form: FormMultiDict,
) -> Any:
    """POST /{type}/new: register the record, or show the form again with what to fix.

    A new project that looks like registered ones is shown them first, once.
    """
    questions = questions_for(registry, kind, user)
    answers, struct = answers_for(kind, questions, form)
    path, title = RECORD_PATHS[kind.name], RECORD_TYPES[kind.name].new_title
    asks_similar = kind.name == "project" and not form.get(SEEN_SIMILAR)
    alike = similar_projects(registry, struct) if asks_similar else []
    if alike:
        return form_page(
            request, kind, questions, answers.shown, title=title, action=f"/{path}/new", similar=alike
        )
    if struct is not None:
        try:
            created: Any = create_record(registry, user.actor, kind, struct)
            return redirect_with_flash(f"/{path}/{created.slug}", "created")
        except Invalid as exc:
            answers.errors += exc.errors
    return form_page(
        request,
        kind,
        questions,
        answers.shown,
        title=title,
        action=f"/{path}/new",
        errors=answers.errors,
        status=400,
    )


def edit_record_form(
    request: Request[Any, Any, Any], registry: RegistryDep, kind: RecordKind, slug: str
) -> Template:
    """GET /{type}/{slug}/edit: the form with the saved answers and the version they are."""
    user = signed_in(request)
    record: Any = get_record(registry, kind, slug)
    questions = questions_for(registry, kind, user)
    return form_page(
        request,
        kind,
        questions,
        record_values(kind, questions, record),
        title=f"Edit ‘{record.title}’",
        action=f"/{RECORD_PATHS[kind.name]}/{record.slug}/edit",
        version=record.version,
        record=record,
    )


def update_from_form(
    request: Request[Any, Any, Any],
    registry: RegistryDep,
    kind: RecordKind,
    user: SignedInUser,
    slug: str,
    form: FormMultiDict,
) -> Any:
    """POST /{type}/{slug}/edit: save at the version the form showed; if someone else saved
    meanwhile, show what they changed and keep every answer."""
    record: Any = get_record(registry, kind, slug)
    questions = questions_for(registry, kind, user)
    answers, struct = answers_for(kind, questions, form)
    version = _int(str(form.get("version", "")), record.version)
    conflict: list[str] = []
    if struct is not None:
        try:
            saved: Any = update_record(registry, user.actor, kind, slug, answers.data, version)
            return redirect_with_flash(f"/{RECORD_PATHS[kind.name]}/{saved.slug}", "saved")
        except PreconditionFailed:
            conflict = changed_since(registry, kind, record.id, version)
        except Invalid as exc:
            answers.errors += exc.errors
    return form_page(
        request,
        kind,
        questions,
        answers.shown,
        title=f"Edit ‘{record.title}’",
        action=f"/{RECORD_PATHS[kind.name]}/{record.slug}/edit",
        errors=answers.errors,
        status=409 if conflict else 400,
        version=record.version if conflict else version,
        record=record,
        conflict=conflict,
    )


def changed_since(registry: RegistryDep, kind: RecordKind, record_id: str, version: int) -> list[str]:
    """Names of the fields someone else changed after `version` (what the form warns about)."""
    history = record_history(registry, kind.name, record_id, limit=registry.settings.max_page_size)
    names = [name for change in history.items if change.version > version for name in change.fields]
    return list(dict.fromkeys(name.replace("_", " ") for name in names))


def confirm_handler(kind: RecordKind) -> Any:
    @post("/{slug:str}/confirm", name=f"{kind.name}-confirm", sync_to_thread=True)
    def confirm(request: Request[Any, Any, Any], registry: RegistryDep, slug: FromPath[str]) -> Redirect:
        user = signed_in(request)
        record: Any = touch_record(registry, user.actor, kind, slug, "last_confirmed_at", None)
        return redirect_with_flash(f"/{RECORD_PATHS[kind.name]}/{record.slug}", "confirmed")

    return confirm


def _int(text: str, default: int) -> int:
    """The version a form was filled in from; one that is not a plain number matches no version,
    so the save is refused as a conflict (showing what changed) rather than applied blind."""
    if not text:
        return default
    return int(text) if re.fullmatch(r"[0-9]{1,12}", text) else 0


def editing_routers() -> list[Router]:
    return [editing_router(kind) for kind in KINDS.values()]

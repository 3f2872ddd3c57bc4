"""Registering and editing records, and confirming a project is still active.

Permissions are the services' business: these handlers only decide what to offer, and show
the services' refusals and field errors in GOV.UK patterns.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import anyio.to_thread
import msgspec
from litestar import Request, Router, get, post
from litestar.datastructures import FormMultiDict
from litestar.params import FromPath
from litestar.response import Redirect, Template

from pipeline.api.deps import RegistryDep
from pipeline.errors import FieldError, Invalid, PreconditionFailed, Unauthenticated
from pipeline.schemas.matching import MatchIn, SimilarRecord
from pipeline.services.catalogue import KINDS
from pipeline.services.councils import council_choices
from pipeline.services.history import record_history
from pipeline.services.kinds import RecordKind
from pipeline.services.matching import match_problem
from pipeline.services.people import SignedInUser
from pipeline.services.records import create_record, etag_of, get_record, touch_record, update_record
from pipeline.services.registry import RECORD_PATHS
from pipeline.services.validation import convert_input_all
from pipeline.web.forms import Answers, Question, question_errors, read_answers, shown_value
from pipeline.web.record_forms import QUESTIONS, RECORD_KEY_FIELDS
from pipeline.web.rendering import page, redirect_with_flash
from pipeline.web.views.records import TYPE_NAMES, owner_of

SEEN_SIMILAR = "seen_similar"
SIMILAR_SHOWN = 5
SIMILAR_ENOUGH = 0.3
NEW_TITLES = {
    "project": "Register a project",
    "product": "Register a product",
    "finding": "Add a research finding",
    "code-link": "Add a code repository",
}


def signed_in(request: Request[Any, Any, Any]) -> SignedInUser:
    user: SignedInUser | None = request.state.get("user")
    if user is None:
        raise Unauthenticated("Sign in to register or change records.")
    return user


def questions_for(registry: RegistryDep, kind: RecordKind, user: SignedInUser) -> list[Question]:
    """The form's questions; members choose only their own council as owner, admins any."""
    councils = tuple(council_choices(registry))
    mine = ((user.council_slug, user.council_name),) if user.council_slug and user.council_name else ()
    owners = councils if user.is_admin else mine
    return [
        Question(q.name, q.label, q.widget, q.hint, q.missing, owners) if q.widget == "owner" else q
        for q in QUESTIONS[kind.name](councils)
    ]


def blank_values(kind: RecordKind, questions: list[Question], user: SignedInUser) -> dict[str, Any]:
    defaults = {
        spec.name: spec.default
        for spec in msgspec.structs.fields(kind.struct_in)
        if spec.default is not msgspec.NODEFAULT
    }
    values = {q.name: shown_value(q, defaults.get(q.name)) for q in questions}
    values[kind.owner_field] = user.council_slug or ""
    return values


def record_values(kind: RecordKind, questions: list[Question], record: Any) -> dict[str, Any]:
    """What a stored record looks like in its form: references to others by slug."""
    answers = {**_answer_values(kind, record), kind.owner_field: owner_of(record).slug}
    return {
        q.name: answers[q.name] if q.name in answers else shown_value(q, getattr(record, q.name, None))
        for q in questions
    }


def _answer_values(kind: RecordKind, record: Any) -> dict[str, Any]:
    """The answers that name other records or councils, as the form's inputs take them."""
    if kind.name == "project":
        return {
            "partners": [{"council": p.council.slug, "role": p.role} for p in record.partners],
            "products": [{"product": p.record.slug, "relation": p.relation} for p in record.products],
        }
    if kind.name == "product":
        return {"used_by": [{"council": c.slug} for c in record.used_by]}
    if kind.name == "finding":
        return {"projects": "\n".join(r.slug for r in record.projects)}
    if kind.name == "code-link":
        linked = {name: getattr(record, name) for name in ("project", "product")}
        return {name: ref.slug if ref else "" for name, ref in linked.items()}
    return {}


def record_key(text: str) -> str:
    """A record named by its page address, API address or slug: the slug."""
    path = urlparse(text.strip()).path.rstrip("/")
    return path.rsplit("/", 1)[-1] if "/" in path else text.strip()


def answers_for(kind: RecordKind, questions: list[Question], form: FormMultiDict) -> tuple[Answers, Any]:
    """The posted answers, and the service input if every answer is valid (else None)."""
    answers = read_answers(questions, form)
    for record_type, name in RECORD_KEY_FIELDS:
        value = answers.data.get(name)
        if record_type != kind.name or not value:
            continue
        if isinstance(value, str):
            answers.data[name] = record_key(value)
        else:
            answers.data[name] = [_keyed(item) for item in value]
    dated = {e.field for e in answers.errors}
    data = {k: v for k, v in answers.data.items() if k not in dated}
    try:
        struct = convert_input_all(data, kind.struct_in)
    except Invalid as exc:
        answers.errors += exc.errors
        return answers, None
    return answers, None if answers.errors else struct


def _keyed(item: Any) -> Any:
    if isinstance(item, dict) and "product" in item:
        return {**item, "product": record_key(item["product"])}
    return record_key(item) if isinstance(item, str) else item


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
        type_name=TYPE_NAMES[kind.name],
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
    path = RECORD_PATHS[kind.name]
    title = NEW_TITLES[kind.name]

    @get("/new", name=f"{kind.name}-new", sync_to_thread=True)
    def new_form(request: Request[Any, Any, Any], registry: RegistryDep) -> Template:
        user = signed_in(request)
        questions = questions_for(registry, kind, user)
        return form_page(
            request, kind, questions, blank_values(kind, questions, user), title=title, action=f"/{path}/new"
        )

    @post("/new", name=f"{kind.name}-create")
    async def create(request: Request[Any, Any, Any], registry: RegistryDep) -> Any:
        user = signed_in(request)
        form = await request.form()
        return await anyio.to_thread.run_sync(_create, request, registry, user, form)

    def _create(
        request: Request[Any, Any, Any], registry: RegistryDep, user: SignedInUser, form: FormMultiDict
    ) -> Any:
        questions = questions_for(registry, kind, user)
        answers, struct = answers_for(kind, questions, form)
        alike = (
            similar_projects(registry, struct)
            if kind.name == "project" and not form.get(SEEN_SIMILAR)
            else []
        )
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

    @get("/{slug:str}/edit", name=f"{kind.name}-edit", sync_to_thread=True)
    def edit_form(request: Request[Any, Any, Any], registry: RegistryDep, slug: FromPath[str]) -> Template:
        user = signed_in(request)
        record: Any = get_record(registry, kind, slug)
        questions = questions_for(registry, kind, user)
        return form_page(
            request,
            kind,
            questions,
            record_values(kind, questions, record),
            title=f"Edit ‘{record.title}’",
            action=f"/{path}/{record.slug}/edit",
            version=record.version,
            record=record,
        )

    @post("/{slug:str}/edit", name=f"{kind.name}-update")
    async def update(request: Request[Any, Any, Any], registry: RegistryDep, slug: FromPath[str]) -> Any:
        user = signed_in(request)
        form = await request.form()
        return await anyio.to_thread.run_sync(_update, request, registry, user, slug, form)

    def _update(
        request: Request[Any, Any, Any],
        registry: RegistryDep,
        user: SignedInUser,
        slug: str,
        form: FormMultiDict,
    ) -> Any:
        record: Any = get_record(registry, kind, slug)
        questions = questions_for(registry, kind, user)
        answers, struct = answers_for(kind, questions, form)
        version = _int(str(form.get("version", "")), record.version)
        conflict: list[str] = []
        if struct is not None:
            try:
                saved: Any = update_record(
                    registry, user.actor, kind, slug, answers.data, etag_of(record.id, version)
                )
                return redirect_with_flash(f"/{path}/{saved.slug}", "saved")
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
            action=f"/{path}/{record.slug}/edit",
            errors=answers.errors,
            status=409 if conflict else 400,
            version=record.version if conflict else version,
            record=record,
            conflict=conflict,
        )

    handlers: list[Any] = [new_form, create, edit_form, update]
    if kind.name == "project":
        handlers.append(confirm_handler(kind))
    return Router(path=f"/{path}", route_handlers=handlers)


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
    return int(text) if text.isdigit() else default


def editing_routers() -> list[Router]:
    return [editing_router(kind) for kind in KINDS.values()]

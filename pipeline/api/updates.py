"""Project updates (weeknotes): post and read them."""

from litestar import Response, get, post
from litestar.params import FromPath, JSONBody

from pipeline.api.problems import problems
from pipeline.api.records import Key
from pipeline.dependencies import ActorDep, RegistryDep
from pipeline.schemas.updates import UpdateIn, UpdateList, UpdateOut
from pipeline.services.collaboration.updates import list_updates, post_update


@get(
    "/projects/{key:str}/updates",
    operation_id="project_updates",
    summary="A project's updates, newest first",
    responses=problems(404),
    sync_to_thread=True,
)
def updates_list(registry: RegistryDep, key: FromPath[Key]) -> UpdateList:
    return list_updates(registry, key)


@post(
    "/projects/{key:str}/updates",
    operation_id="post_project_update",
    summary="Post a short dated update on what has happened in a project",
    description=(
        "By the project council's token (or an administrator). Plain text up to 1,000 characters;"
        " `date` is when it happened (today when left out). The update shows on the project's"
        " page and in its history, and is an item of every feed that includes the project."
    ),
    responses=problems(400, 401, 403, 404, 413, 415, 422),
    sync_to_thread=True,
)
def updates_post(
    registry: RegistryDep, actor: ActorDep, key: FromPath[Key], data: JSONBody[UpdateIn]
) -> Response[UpdateOut]:
    return Response(post_update(registry, actor, key, data), status_code=201)


HANDLERS = [updates_list, updates_post]

"""Interest in a project: declare, read and withdraw it."""

from typing import Annotated

from litestar import Response, delete, get, post
from litestar.params import FromPath, FromQuery, JSONBody, Parameter

from pipeline.api.problems import problems
from pipeline.api.records import Key
from pipeline.dependencies import ActorDep, RegistryDep
from pipeline.schemas.common import CouncilKey
from pipeline.schemas.interest import InterestIn, InterestList, InterestOut
from pipeline.services.collaboration.interest import declare_interest, list_interest, withdraw_interest

CouncilParam = Annotated[CouncilKey | None, Parameter(description="Administrators: the council withdrawing.")]


@get(
    "/projects/{key:str}/interest",
    operation_id="project_interest",
    summary="Councils interested in a project",
    responses=problems(401, 404),
    sync_to_thread=True,
)
def interest_list(registry: RegistryDep, key: FromPath[Key]) -> InterestList:
    return list_interest(registry, key)


@post(
    "/projects/{key:str}/interest",
    operation_id="declare_interest",
    summary="Say your council is interested in a project, and how it would work with it",
    description=(
        "For the token's council (an administrator names `council`); never the project's own."
        " 201 when new, 200 when it changes an earlier declaration. The project council's"
        " contacts are emailed, and the project's history shows it."
    ),
    responses=problems(400, 401, 403, 404, 413, 415, 422),
    sync_to_thread=True,
)
def interest_declare(
    registry: RegistryDep, actor: ActorDep, key: FromPath[Key], data: JSONBody[InterestIn]
) -> Response[InterestOut]:
    declared = declare_interest(registry, actor, key, data)
    return Response(declared.interest, status_code=201 if declared.created else 200)


@delete(
    "/projects/{key:str}/interest",
    operation_id="withdraw_interest",
    summary="Withdraw your council's interest in a project",
    responses=problems(400, 401, 403, 404),
    sync_to_thread=True,
)
def interest_withdraw(
    registry: RegistryDep, actor: ActorDep, key: FromPath[Key], council: FromQuery[CouncilParam] = None
) -> None:
    withdraw_interest(registry, actor, key, council)


HANDLERS = [interest_list, interest_declare, interest_withdraw]

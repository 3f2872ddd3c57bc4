"""We use this: a council declares, confirms and withdraws its use of a product."""

from typing import Annotated

from litestar import Response, delete, get, post
from litestar.params import FromPath, FromQuery, JSONBody, Parameter

from pipeline.api.problems import problems
from pipeline.api.records import Key
from pipeline.dependencies import ActorDep, RegistryDep
from pipeline.schemas.adoption import AdoptionIn, ProductUsers, UserOut
from pipeline.schemas.common import CouncilKey
from pipeline.services.collaboration.adoption import confirm_use, declare_use, product_users, withdraw_use

CouncilParam = Annotated[CouncilKey | None, Parameter(description="Administrators: the adopting council.")]


@get(
    "/products/{key:str}/users",
    operation_id="product_users",
    summary="Councils using a product: their own declarations, then the product council's list",
    responses=problems(401, 404),
    sync_to_thread=True,
)
def users_list(registry: RegistryDep, key: FromPath[Key]) -> ProductUsers:
    return product_users(registry, key)


@post(
    "/products/{key:str}/users",
    operation_id="declare_use",
    summary="Say your council uses a product",
    description=(
        "For the token's council (an administrator names `council`); not the product's own"
        " council, which lists users on the product. 201 when new, 200 when it changes (and"
        " confirms) an earlier declaration. The product council's contacts are emailed."
    ),
    responses=problems(400, 401, 403, 404, 413, 415, 422),
    sync_to_thread=True,
)
def users_declare(
    registry: RegistryDep, actor: ActorDep, key: FromPath[Key], data: JSONBody[AdoptionIn]
) -> Response[UserOut]:
    declared = declare_use(registry, actor, key, data)
    return Response(declared.user, status_code=201 if declared.created else 200)


@post(
    "/products/{key:str}/users/confirm",
    operation_id="confirm_use",
    status_code=200,
    summary="Confirm your council still uses a product (it counts for twelve months more)",
    responses=problems(401, 403, 404),
    sync_to_thread=True,
)
def users_confirm(
    registry: RegistryDep, actor: ActorDep, key: FromPath[Key], council: FromQuery[CouncilParam] = None
) -> UserOut:
    return confirm_use(registry, actor, key, council)


@delete(
    "/products/{key:str}/users",
    operation_id="withdraw_use",
    summary="Withdraw your council's declaration that it uses a product",
    responses=problems(401, 403, 404),
    sync_to_thread=True,
)
def users_withdraw(
    registry: RegistryDep, actor: ActorDep, key: FromPath[Key], council: FromQuery[CouncilParam] = None
) -> None:
    withdraw_use(registry, actor, key, council)


HANDLERS = [users_list, users_declare, users_confirm, users_withdraw]

"""Webhooks: a council's token registers, reads and deletes them, and reads their deliveries."""

from litestar import Response, delete, get, post
from litestar.params import FromPath, JSONBody

from pipeline.api.problems import problems
from pipeline.dependencies import ActorDep, RegistryDep
from pipeline.schemas.webhooks import DeliveryList, WebhookCreated, WebhookIn, WebhookList, WebhookOut
from pipeline.services.webhooks.registration import (
    delete_webhook,
    get_webhook,
    list_deliveries,
    list_webhooks,
    register_webhook,
)


@post(
    "/webhooks",
    operation_id="register_webhook",
    summary="Register a webhook: every change its search includes is POSTed to it, signed",
    description=(
        "For the token's council. `query` is a search as a query string (empty: every change)."
        " Answers 201 with `secret`, shown this once. Each change is POSTed as JSON in the item"
        " shape of the change log (`GET changes`), with `X-Pipeline-Delivery` (a unique id) and"
        " `X-Pipeline-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed by the secret>`."
        " Addresses on loopback, private or link-local networks are refused (422)."
    ),
    responses=problems(400, 401, 403, 413, 415, 422),
    sync_to_thread=True,
)
def webhooks_register(
    registry: RegistryDep, actor: ActorDep, data: JSONBody[WebhookIn]
) -> Response[WebhookCreated]:
    return Response(register_webhook(registry, actor, data), status_code=201)


@get(
    "/webhooks",
    operation_id="list_webhooks",
    summary="Your council's webhooks",
    responses=problems(401, 403),
    sync_to_thread=True,
)
def webhooks_list(registry: RegistryDep, actor: ActorDep) -> WebhookList:
    return list_webhooks(registry, actor)


@get(
    "/webhooks/{webhook_id:str}",
    operation_id="get_webhook",
    summary="One of your council's webhooks",
    responses=problems(401, 404),
    sync_to_thread=True,
)
def webhooks_get(registry: RegistryDep, actor: ActorDep, webhook_id: FromPath[str]) -> WebhookOut:
    return get_webhook(registry, actor, webhook_id)


@delete(
    "/webhooks/{webhook_id:str}",
    operation_id="delete_webhook",
    summary="Delete one of your council's webhooks (and its deliveries)",
    responses=problems(401, 404),
    sync_to_thread=True,
)
def webhooks_delete(registry: RegistryDep, actor: ActorDep, webhook_id: FromPath[str]) -> None:
    delete_webhook(registry, actor, webhook_id)


@get(
    "/webhooks/{webhook_id:str}/deliveries",
    operation_id="webhook_deliveries",
    summary="A webhook's most recent deliveries, newest first",
    responses=problems(401, 404),
    sync_to_thread=True,
)
def webhooks_deliveries(registry: RegistryDep, actor: ActorDep, webhook_id: FromPath[str]) -> DeliveryList:
    return list_deliveries(registry, actor, webhook_id)


HANDLERS = [webhooks_register, webhooks_list, webhooks_get, webhooks_delete, webhooks_deliveries]

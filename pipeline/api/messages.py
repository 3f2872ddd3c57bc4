"""Contact the team behind a project, product or research finding: relayed by email."""

from typing import Any

from litestar import post
from litestar.params import FromPath, JSONBody

from pipeline.api.problems import problems
from pipeline.api.records import Key
from pipeline.dependencies import ActorDep, RegistryDep
from pipeline.schemas.messages import MessageAccepted, MessageIn
from pipeline.services.collaboration.messages import send_message

DESCRIPTION = (
    "Sends a plain-text message to the record's contact, or else to its council's contacts, by"
    " email, with `reply_to` as the Reply-To: the conversation continues in ordinary email."
    " Sent with a council's token (`reply_to` at that council's domains) or as a signed-in"
    " member; never to the record's own council. 409 if the council has no contact yet (the"
    " administrators are told); 429 with Retry-After past the limits per sender, per council"
    " and per record. The record's history shows that a message was sent, never its text."
)
ANSWERS: dict[str, Any] = {
    "status_code": 202,
    "description": DESCRIPTION,
    "responses": problems(400, 401, 403, 404, 409, 413, 415, 422, 429),
    "sync_to_thread": True,
}


@post(
    "/projects/{key:str}/messages",
    operation_id="message_project",
    summary="Contact a project's team",
    **ANSWERS,
)
def message_project(
    registry: RegistryDep, actor: ActorDep, key: FromPath[Key], data: JSONBody[MessageIn]
) -> MessageAccepted:
    return send_message(registry, actor, "project", key, data)


@post(
    "/products/{key:str}/messages",
    operation_id="message_product",
    summary="Contact a product's team",
    **ANSWERS,
)
def message_product(
    registry: RegistryDep, actor: ActorDep, key: FromPath[Key], data: JSONBody[MessageIn]
) -> MessageAccepted:
    return send_message(registry, actor, "product", key, data)


@post(
    "/findings/{key:str}/messages",
    operation_id="message_finding",
    summary="Contact a research finding's team",
    **ANSWERS,
)
def message_finding(
    registry: RegistryDep, actor: ActorDep, key: FromPath[Key], data: JSONBody[MessageIn]
) -> MessageAccepted:
    return send_message(registry, actor, "finding", key, data)


HANDLERS = [message_project, message_product, message_finding]

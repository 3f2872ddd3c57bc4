"""Import and export of record files: POST /import, POST /import/publiccode, GET /export."""

from typing import Annotated, Any, Literal

import anyio.to_thread
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromQuery, Parameter
from litestar.response import Stream

from pipeline.api.problems import problems
from pipeline.api.search_parameters import WANTED
from pipeline.dependencies import ActorDep, RegistryDep
from pipeline.schemas.exchange import ImportResult, PubliccodeResult
from pipeline.services.discovery.search import SearchRequest
from pipeline.services.exchange.exporting import MEDIA_TYPES, export_records
from pipeline.services.exchange.importing import import_file
from pipeline.services.exchange.publiccode import import_publiccode
from pipeline.services.records.catalogue import KINDS
from pipeline.vocab import RecordType

FILE_TYPES = ("application/json", "application/x-ndjson", "application/jsonl", "text/csv")
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain")
FileFormat = Literal["json", "jsonl", "csv"]

IMPORT_DESCRIPTION = (
    "Send a file of records of one type as the body: a JSON array (application/json), JSON Lines"
    " (application/x-ndjson) or CSV (text/csv), each item holding the fields of the type's input"
    " schema and optionally an `id`. The whole file is checked first, and then written in one"
    " transaction: all of it, or nothing. Each problem names its line and field. A row with an"
    " `id` the registry holds, or with an `external_id` its council already gave a record,"
    " replaces that record, so sending the same file again changes nothing."
)


def import_handlers(max_bytes: int) -> list[Any]:
    """The two upload routes, accepting bodies up to `max_bytes` (larger than other requests)."""

    @post(
        "/import",
        operation_id="import_records",
        summary="Import a file of records (JSON, JSON Lines or CSV)",
        description=IMPORT_DESCRIPTION,
        opt={"body_types": FILE_TYPES},
        request_max_body_size=max_bytes,
        status_code=200,
        responses=problems(400, 401, 403, 413, 415, 422),
    )
    async def import_handler(
        request: Request[Any, Any, Any],
        registry: RegistryDep,
        actor: ActorDep,
        type: FromQuery[
            Annotated[RecordType, Parameter(description="The type of every record in the file.")]
        ],
        format: FromQuery[
            Annotated[
                FileFormat | None, Parameter(description="Overrides the format the Content-Type names.")
            ]
        ] = None,
    ) -> ImportResult:
        body = await request.body()
        media_type = request.headers.get("content-type")
        return await anyio.to_thread.run_sync(
            lambda: import_file(registry, actor, KINDS[type], body, fmt=format, media_type=media_type)
        )

    @post(
        "/import/publiccode",
        operation_id="import_publiccode",
        summary="Create or update a product from a publiccode.yml file",
        description=(
            "Send a publiccode.yml file (https://yml.publiccode.tools) as the body. It becomes a"
            " product owned by `council`, matched by its repository URL, so sending it again"
            " updates the same product. Organisations in usedBy that are not councils here are"
            " listed in unknown_users. Problems name the file's key and line."
        ),
        opt={"body_types": YAML_TYPES},
        request_max_body_size=max_bytes,
        status_code=200,
        responses={
            201: ResponseSpec(PubliccodeResult, description="Created"),
            **problems(400, 401, 403, 415, 422),
        },
    )
    async def publiccode_handler(
        request: Request[Any, Any, Any],
        registry: RegistryDep,
        actor: ActorDep,
        council: FromQuery[
            Annotated[
                str, Parameter(min_length=1, max_length=120, description="GSS code or slug of the owner.")
            ]
        ],
    ) -> Response[PubliccodeResult]:
        body = await request.body()
        result = await anyio.to_thread.run_sync(
            lambda: import_publiccode(registry, actor, body, council=council, source="publiccode.yml")
        )
        return Response(result, status_code=201 if result.outcome == "created" else 200)

    return [import_handler, publiccode_handler]


@get(
    "/export",
    operation_id="export_records",
    summary="Export records of one type as JSON Lines or CSV",
    description=(
        "Every record of the type, or with search parameters (the same as /search) the records"
        " that match, newest change first. Streamed, in the standard's input shape plus `id`,"
        " so the file can be imported again. CSV cells a spreadsheet would run as a formula"
        " start with an apostrophe. Pipeline-Change-Seq is the change log's position when the"
        " export began: follow /changes?since= from there to stay current."
    ),
    dependencies=WANTED,
    responses={
        200: ResponseSpec(None, media_type=MEDIA_TYPES["jsonl"], description="JSON Lines or CSV"),
        **problems(400, 401, 422),
    },
    sync_to_thread=True,
)
def export_handler(
    registry: RegistryDep,
    wanted: NamedDependency[SearchRequest],
    type: FromQuery[Annotated[RecordType, Parameter(description="The type of record to export.")]],
    format: FromQuery[Literal["jsonl", "csv"]] = "jsonl",
) -> Stream:
    export = export_records(registry, KINDS[type], format, wanted)
    headers = {
        "Content-Disposition": f'attachment; filename="{export.filename}"',
        "Pipeline-Change-Seq": str(export.change_seq),
    }
    return Stream(export.chunks, media_type=export.media_type, headers=headers)

"""Partner suggestions: for a registered project, and for a problem described in words."""

from typing import Annotated

from litestar import get, post
from litestar.params import FromPath, FromQuery, JSONBody, Parameter

from pipeline.api.problems import problems
from pipeline.api.records import Key
from pipeline.dependencies import RegistryDep
from pipeline.schemas.matching import MatchIn, MatchOut, PartnersOut
from pipeline.services.discovery.matching import match_problem, suggest_partners

SuggestionLimit = Annotated[int, Parameter(ge=1, le=50, description="Most councils to suggest.")]


@get(
    "/projects/{key:str}/partners",
    operation_id="project_partners",
    summary="Councils working on similar problems to a project",
    description=(
        "Other councils ranked by how much their records share the project's problem and approach"
        " (rarer shared words count more; council synonyms such as bins and waste collection are"
        " the same), with service areas, tags, geography, phase and willingness to collaborate."
        " Never the project's own council or councils already on it. Each suggestion says why."
    ),
    responses=problems(400, 401, 404),
    sync_to_thread=True,
)
def project_partners(
    registry: RegistryDep, key: FromPath[Key], limit: FromQuery[SuggestionLimit] = 10
) -> PartnersOut:
    return suggest_partners(registry, key, limit)


@post(
    "/match",
    operation_id="match",
    summary="Councils working on a problem described in words",
    description=(
        "For a problem typed before anything is registered: the councils with the most similar"
        " records, why, and the records themselves. Only `text` is required; `council` (GSS code"
        " or slug) is left out of the suggestions and used for geography."
    ),
    responses=problems(400, 401, 415, 422),
    status_code=200,
    opt={"anonymous": True},
    sync_to_thread=True,
)
def match_handler(registry: RegistryDep, data: JSONBody[MatchIn]) -> MatchOut:
    return match_problem(registry, data)

"""Interest in a project: another council saying how it would like to work with it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from pipeline.schemas.common import CouncilKey, CouncilRef, Input, Output, RecordRef
from pipeline.vocab import CollaborationOffer


class InterestIn(Input, kw_only=True):
    """Declared with a council's token (for its council) or by an administrator for `council`."""

    offer: CollaborationOffer
    note: Annotated[str, msgspec.Meta(max_length=1000, description="Plain text: what you have in mind.")] = ""
    council: CouncilKey | None = None


class InterestOut(Output, kw_only=True):
    council: CouncilRef
    offer: CollaborationOffer
    note: str
    at: datetime


class InterestList(Output, kw_only=True):
    """Councils interested in a project, earliest first."""

    project: RecordRef
    items: list[InterestOut]


class Declared(msgspec.Struct, frozen=True):
    """A declaration as the service reports it: the interest, and whether it is new."""

    interest: InterestOut
    created: bool

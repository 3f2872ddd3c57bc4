"""Project updates (weeknotes): short dated notes from a project's council on what happened."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec

from pipeline.schemas.common import CouncilRef, Input, Output, RecordRef

UPDATE_LENGTH = 1000


class UpdateIn(Input, kw_only=True):
    """Posted by a member of the project's council (or its token, or an administrator)."""

    text: Annotated[
        str,
        msgspec.Meta(min_length=1, max_length=UPDATE_LENGTH, description="Plain text: what happened."),
    ]
    date: Annotated[
        date | None, msgspec.Meta(description="When it happened; today when left out. Not in the future.")
    ] = None


class UpdateOut(Output, kw_only=True):
    id: str
    date: date
    text: str
    council: CouncilRef
    posted_at: datetime
    url: str


class UpdateList(Output, kw_only=True):
    """A project's updates, newest first."""

    project: RecordRef
    items: list[UpdateOut]

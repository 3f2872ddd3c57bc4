"""We use this: councils' own declarations that they use a product, apart from its owner's list."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

from pipeline.schemas.common import CouncilKey, CouncilRef, Input, Output, RecordRef, Url


class AdoptionIn(Input, kw_only=True):
    """Declared with the adopting council's token (an administrator names `council`)."""

    use_case: Annotated[str, msgspec.Meta(max_length=500, description="What the council uses it for.")] = ""
    since: date | None = None
    service_url: Url | None = None
    council: CouncilKey | None = None


class UserOut(Output, kw_only=True):
    """One council using the product, with who said so and how recently it was confirmed.

    `declared_by` is `user` for the council's own declaration, `owner` for the product
    council's list (`used_by`), which says nothing of when. A declaration not confirmed in
    twelve months is `current: false` and is not counted."""

    council: CouncilRef
    declared_by: Literal["user", "owner"]
    declared_at: datetime | None
    confirmed_at: datetime | None
    current: bool
    use_case: str = ""
    since: date | None = None
    service_url: str | None = None


class ProductUsers(Output, kw_only=True):
    """Who uses a product: `councils` counts each council once; `confirmed` counts the
    councils' own declarations confirmed in the last twelve months."""

    product: RecordRef
    councils: int
    confirmed: int
    items: list[UserOut]


class Declared(msgspec.Struct, frozen=True):
    user: UserOut
    created: bool

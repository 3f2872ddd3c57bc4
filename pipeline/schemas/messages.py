"""Messages to the team behind a record: relayed by email, never published."""

from __future__ import annotations

from typing import Annotated

import msgspec

from pipeline.schemas.common import CouncilRef, Input, Output, RecordRef

OneLine = r"^[^\r\n]*$(?!\n)"


class MessageIn(Input, kw_only=True):
    """A plain-text message to a record's contact (or its council's contacts)."""

    subject: Annotated[
        str, msgspec.Meta(min_length=1, max_length=150, pattern=OneLine, description="One line.")
    ]
    body: Annotated[str, msgspec.Meta(min_length=1, max_length=5000, description="Plain text.")]
    reply_to: (
        Annotated[
            str,
            msgspec.Meta(
                max_length=320,
                description="Where replies go: an address at the sending council's email domains."
                " Required with a council's token; a signed-in person's own address otherwise.",
            ),
        ]
        | None
    ) = None
    sender_name: Annotated[
        str,
        msgspec.Meta(max_length=100, pattern=OneLine, description="Who is writing, as the email shows it."),
    ] = ""


class MessageAccepted(Output, kw_only=True):
    """The message is queued and will be emailed; replies come straight to `reply_to`."""

    record: RecordRef
    to_council: CouncilRef
    from_council: CouncilRef
    detail: str

"""Secrets never reach a log: every log record is redacted as it is made, whoever logs it.

Sign-in links and one-click confirmation and unsubscribe links carry their secret in the path
(`/sign-in/<secret>`, `/confirm-use/<signed token>`, `/unsubscribe/<signed token>`), and the
server's access log writes every path. Redacting in the record factory covers uvicorn, Litestar
and our own loggers alike, in every process, whatever handlers are configured later.

The OpenID provider sends the browser back with a one-time `code` and the attempt's `state` in
the query string (`/sign-in/account/callback?code=...&state=...`): their values are redacted too.
"""

from __future__ import annotations

import logging
import re
from typing import Any

SECRET_IN_PATH = re.compile(
    r"(/sign-in/(?!account(?![A-Za-z0-9_~.%-]))|/confirm-use/|/still-active/|/unsubscribe/)[A-Za-z0-9_~.%-]+"
)
SECRET_IN_QUERY = re.compile(r"([?&](?:code|state|id_token|access_token)=)[^&#\s\"']+")
REDACTED = r"\1[redacted]"


def redact(text: str) -> str:
    return SECRET_IN_QUERY.sub(REDACTED, SECRET_IN_PATH.sub(REDACTED, text))


class _RedactingFactory:
    """Wraps the current record factory; installed once per process."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = self.inner(*args, **kwargs)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return record


def install_redaction() -> None:
    if not isinstance(logging.getLogRecordFactory(), _RedactingFactory):
        logging.setLogRecordFactory(_RedactingFactory(logging.getLogRecordFactory()))

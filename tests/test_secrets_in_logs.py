"""No secret reaches a log: not the access log of a real server, not the mail log."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from pipeline.logs import install_redaction
from tests.conftest import POSTGRES_URL
from tests.live import live_server
from tests.pages import Pages


@pytest.mark.slow
def test_a_sign_in_link_secret_is_not_in_the_server_log(tmp_path: Path) -> None:
    database_url = POSTGRES_URL or ""
    env = {"PIPELINE_LOG_LEVEL": "INFO"}
    with live_server(tmp_path, database_url, env) as server, httpx.Client(base_url=server.url) as browser:
        browser.get("/sign-in")
        token = browser.cookies["pipeline_csrf"]
        sent = browser.post("/sign-in", data={"email": "jo@hackney.gov.uk", "_csrf_token": token})
        assert sent.status_code == 200, sent.text
        link = re.search(r"/sign-in/(\S+)", server.last_email_to("jo@hackney.gov.uk"))
        assert link is not None
        secret = link.group(1)
        assert browser.get(f"/sign-in/{secret}").status_code == 200
        assert browser.get(f"/sign-in/{secret}x").status_code == 400
    log = (tmp_path / "server.log").read_text()
    assert "GET /sign-in/[redacted]" in log  # the access log is on, and redacted
    assert secret not in log


def test_the_mail_log_names_the_subject_but_never_the_body(
    pages: Pages, councils: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        pages.post("/sign-in", {"email": "jo@hackney.gov.uk"})
    secret = pages.last_email()["body"].split("/sign-in/")[1].split()[0]
    assert "Your Pipeline sign-in link" in caplog.text
    assert secret not in caplog.text
    assert "jo@hackney.gov.uk" not in caplog.text


def test_any_logger_redacts_a_sign_in_path(caplog: pytest.LogCaptureFixture) -> None:
    install_redaction()
    args: Any = ("127.0.0.1:5000", "GET", "/sign-in/abcDEF123_-xyz", "1.1", 200)
    with caplog.at_level(logging.INFO):
        logging.getLogger("uvicorn.access").info('%s - "%s %s HTTP/%s" %d', *args)
        logging.getLogger("elsewhere").warning("failed on /sign-in/abcDEF123_-xyz?x=1")
    assert "abcDEF123" not in caplog.text
    assert caplog.text.count("/sign-in/[redacted]") == 2


def test_signed_links_are_redacted_too(caplog: pytest.LogCaptureFixture) -> None:
    install_redaction()
    with caplog.at_level(logging.INFO):
        logging.getLogger("uvicorn.access").info("POST /unsubscribe/IjZk.aw6u.xdrq_nJA HTTP/1.1 200")
        logging.getLogger("elsewhere").info("GET /confirm-use/WyJh.aw6u.Zz-9 HTTP/1.1 200")
    assert "IjZk" not in caplog.text
    assert "WyJh" not in caplog.text
    assert "/unsubscribe/[redacted]" in caplog.text


def test_the_openid_callback_code_and_state_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    install_redaction()
    line = "GET /sign-in/account/callback?code=Qx7-code_9&state=St4te-value&iss=x HTTP/1.1 303"
    with caplog.at_level(logging.INFO):
        logging.getLogger("uvicorn.access").info(line)
    assert "Qx7" not in caplog.text
    assert "St4te" not in caplog.text
    assert "/sign-in/account/callback?code=[redacted]&state=[redacted]&iss=x" in caplog.text

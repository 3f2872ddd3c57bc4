"""Settings: declared once with a default and help text, read from PIPELINE_* variables once."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import msgspec

ENV_PREFIX = "PIPELINE_"
# Searches one process runs at once by default; two cores share one interpreter lock per process.
INDEX_SEARCHERS = 4
# Postings an indexing process sorts in memory before it writes sorted runs to disk (Whoosh's
# `limitmb`); measured in docs/performance.md.
INDEX_MEMORY_MB = 512


def _doc(text: str) -> msgspec.Meta:
    return msgspec.Meta(description=text)


class Settings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Everything the service can be configured with; each field is PIPELINE_<NAME>."""

    data_dir: Annotated[
        Path, _doc("Folder for the SQLite database, the search index and other local state.")
    ] = Path("var")
    database_url: Annotated[
        str,
        _doc(
            "SQLAlchemy URL of the database. Empty means a SQLite file pipeline.db in the data"
            " folder. For PostgreSQL: postgresql+psycopg://user:password@host/dbname."
        ),
    ] = ""
    public_url: Annotated[
        str,
        _doc("The address people and API clients reach the service at; used in absolute links."),
    ] = "http://127.0.0.1:8000"
    host: Annotated[str, _doc("Interface `pipeline serve` listens on.")] = "127.0.0.1"
    port: Annotated[int, msgspec.Meta(ge=1, le=65535), _doc("Port `pipeline serve` listens on.")] = 8000
    workers: Annotated[int, msgspec.Meta(ge=1, le=64), _doc("Server processes `pipeline serve` starts.")] = 1
    max_body_bytes: Annotated[
        int,
        msgspec.Meta(ge=1024),
        _doc("Largest request body accepted, in bytes; larger requests get 413."),
    ] = 1_048_576
    max_import_bytes: Annotated[
        int,
        msgspec.Meta(ge=1024),
        _doc("Largest file accepted by the import API, in bytes; larger files get 413."),
    ] = 104_857_600
    page_size: Annotated[
        int, msgspec.Meta(ge=1, le=500), _doc("Items in a list page when the client names none.")
    ] = 50
    max_page_size: Annotated[
        int, msgspec.Meta(ge=1, le=1000), _doc("Most items a client may ask for in one page.")
    ] = 200
    token_default_days: Annotated[
        int, msgspec.Meta(ge=1, le=3650), _doc("Lifetime of a new API token when none is given.")
    ] = 90
    index_wait_seconds: Annotated[
        float,
        msgspec.Meta(ge=0, le=60),
        _doc("How long a write waits for search to include it before answering anyway."),
    ] = 2.0
    index_poll_seconds: Annotated[
        float,
        msgspec.Meta(gt=0, le=60),
        _doc("How often the indexing process (or each server process) checks the change log."),
    ] = 0.1
    index_in_server: Annotated[
        bool,
        _doc(
            "Whether server processes apply the change log to the search index themselves."
            " `pipeline serve` turns it off for its workers and runs one `pipeline index --follow`"
            " process beside them, so that indexing never competes with requests in a worker."
        ),
    ] = True
    index_memory_map: Annotated[
        bool,
        _doc(
            "Whether a process maps the search index's files into its memory instead of reading"
            " them. Off by default: the operating system caches the files for every process"
            " either way, but mapped pages count in each process's resident memory (about 90-120"
            " MB a process at 100,000 records); reads were measured as fast (docs/performance.md)."
        ),
    ] = False
    index_searchers: Annotated[
        int,
        msgspec.Meta(ge=1, le=16),
        _doc(
            "Searches one process runs at once, each with a searcher of its own (Whoosh's"
            " searchers cannot be shared by threads); more wait for one to be free. Each"
            " searcher keeps its own open segment readers, brought up to date after every write."
        ),
    ] = INDEX_SEARCHERS
    index_memory_mb: Annotated[
        int,
        msgspec.Meta(ge=1, le=8192),
        _doc(
            "Megabytes of postings each indexing process keeps in memory, when a rebuild or a"
            " bulk import is indexed by several processes (one a core, at most two), before it"
            " sorts them into runs on disk and merges those. More is faster and uses more memory:"
            " at 100,000 records, 512 sorts everything in memory (each process peaked at about"
            " 770 MB); 256 wrote and merged runs, and took 1.6 times as long."
        ),
    ] = INDEX_MEMORY_MB
    secret_key: Annotated[
        str,
        _doc(
            "Key that signs session cookies and CSRF tokens; at least 32 characters. Empty means"
            " a random key kept in the file secret_key in the data folder (shared by local"
            " workers). Set it in production, the same on every server."
        ),
    ] = ""
    session_hours: Annotated[int, msgspec.Meta(ge=1, le=720), _doc("How long a browser stays signed in.")] = (
        20
    )
    sign_in_link_minutes: Annotated[
        int, msgspec.Meta(ge=1, le=1440), _doc("How long an emailed sign-in link can be used for.")
    ] = 30
    sign_in_requests_per_hour: Annotated[
        int,
        msgspec.Meta(ge=1, le=1000),
        _doc(
            "Most sign-in links sent to one mailbox in an hour (name+tag@ and subdomains count as"
            " the same mailbox); one client (IP address) may ask for four times as many. Past it,"
            " the link already in the person's inbox keeps working, so nobody can be locked out."
        ),
    ] = 5
    sign_in_emails_per_hour: Annotated[
        int,
        msgspec.Meta(ge=1, le=100_000),
        _doc(
            "Most sign-in emails the whole service sends in an hour, whoever asks: a ceiling on"
            " the mail an attacker could make it send."
        ),
    ] = 1000
    trusted_proxies: Annotated[
        str,
        _doc(
            "Comma-separated addresses or networks (CIDR) of reverse proxies whose"
            " X-Forwarded-For header is believed. Empty (the default) believes none: the client"
            " is the address that connected."
        ),
    ] = ""
    write_lock_wait_seconds: Annotated[
        float,
        msgspec.Meta(gt=0, le=120),
        _doc(
            "How long a write waits for the database's write lock before answering 503 with"
            " Retry-After (imports hold it only for their final write)."
        ),
    ] = 10.0
    max_import_rows: Annotated[
        int,
        msgspec.Meta(ge=1, le=10_000_000),
        _doc("Most records one import file may hold; a longer file is refused before any is read."),
    ] = 200_000
    smtp_host: Annotated[
        str,
        _doc(
            "Mail server for every email the service sends. Empty means development mode: emails"
            " are written to the test mailbox (mailbox.jsonl in the data folder) instead."
        ),
    ] = ""
    smtp_port: Annotated[int, msgspec.Meta(ge=1, le=65535), _doc("Mail server port.")] = 587
    smtp_username: Annotated[str, _doc("Mail server user name; empty for none.")] = ""
    smtp_password: Annotated[str, _doc("Mail server password; empty for none.")] = ""
    smtp_starttls: Annotated[bool, _doc("Upgrade the mail connection with STARTTLS.")] = True
    smtp_tls: Annotated[
        bool, _doc("Connect with TLS from the start (SMTPS, usually port 465) instead of STARTTLS.")
    ] = False
    mail_attempts: Annotated[
        int,
        msgspec.Meta(ge=1, le=30),
        _doc(
            "Delivery attempts of one email before it is set aside as dead; each waits twice as"
            " long as the one before (1 minute, 2, 4... at most 6 hours)."
        ),
    ] = 10
    mail_claim_seconds: Annotated[
        int,
        msgspec.Meta(ge=0, le=3600),
        _doc(
            "How long an email being delivered is left to its mailer; past it (the mailer was"
            " stopped mid-delivery) another delivers it again, with the same Message-ID."
        ),
    ] = 120
    mail_poll_seconds: Annotated[
        float, msgspec.Meta(ge=0.05, le=60), _doc("How often the mailer looks for email to send.")
    ] = 2.0
    messages_per_person_per_day: Annotated[
        int, msgspec.Meta(ge=1, le=10_000), _doc("Most messages one person or token may send in a day.")
    ] = 20
    messages_per_council_per_day: Annotated[
        int, msgspec.Meta(ge=1, le=100_000), _doc("Most messages one council's people may send in a day.")
    ] = 100
    messages_per_record_per_day: Annotated[
        int, msgspec.Meta(ge=1, le=10_000), _doc("Most messages about one record in a day.")
    ] = 10
    webhook_allow_private: Annotated[
        bool,
        _doc(
            "Allow webhooks to loopback, private and link-local addresses (development and tests"
            " only: otherwise they are refused, against server-side request forgery)."
        ),
    ] = False
    webhook_attempts: Annotated[
        int,
        msgspec.Meta(ge=1, le=30),
        _doc(
            "Delivery attempts of one webhook call before it is set aside as dead (each waits"
            " twice as long as the one before); a webhook with a dead delivery and nothing"
            " delivered since is disabled after three, and its council's contacts are told."
        ),
    ] = 8
    webhook_timeout_seconds: Annotated[
        float,
        msgspec.Meta(gt=0, le=60),
        _doc("Longest wait to connect to a webhook's address, and again for its answer."),
    ] = 10.0
    openid_issuer: Annotated[
        str,
        _doc(
            "Issuer URL of the OpenID Connect provider council staff sign in with (its discovery"
            " document is read from /.well-known/openid-configuration under it). Empty turns"
            ' "Sign in with your council account" off. For Microsoft Entra ID across councils:'
            " https://login.microsoftonline.com/organizations/v2.0."
        ),
    ] = ""
    openid_client_id: Annotated[str, _doc("Pipeline's client id at the OpenID provider.")] = ""
    openid_client_secret: Annotated[str, _doc("Pipeline's client secret at the OpenID provider.")] = ""
    openid_allowed_tenants: Annotated[
        str,
        _doc(
            "Comma-separated tenant ids (the ID token's `tid`) allowed to sign in through a"
            " multi-tenant issuer such as Entra ID's; empty allows any. Membership of a council"
            " still follows the verified email domain."
        ),
    ] = ""
    openid_scopes: Annotated[str, _doc("Scopes asked of the OpenID provider.")] = "openid email profile"
    openid_timeout_seconds: Annotated[
        float, msgspec.Meta(gt=0, le=60), _doc("Longest wait for the OpenID provider to answer.")
    ] = 10.0
    mail_from: Annotated[str, _doc("The From address of emails the service sends.")] = (
        "Pipeline <pipeline@localhost>"
    )
    log_level: Annotated[
        Literal["DEBUG", "INFO", "WARNING", "ERROR"], _doc("Least severe log level written.")
    ] = "INFO"

    @property
    def is_https(self) -> bool:
        """Served over https: cookies are then marked Secure."""
        return self.public_url.lower().startswith("https://")

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'pipeline.db'}"


# Hosts a development or test OpenID provider may use plain http on.
LOOPBACK_NAMES = ("127.0.0.1", "::1", "localhost")


class SettingsError(ValueError):
    """A PIPELINE_* variable holds a value the service cannot use."""


def setting_names() -> list[str]:
    """Every environment variable the service reads."""
    return [ENV_PREFIX + name.upper() for name in Settings.__struct_fields__]


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Build settings from PIPELINE_* variables (and explicit overrides), with clear errors."""
    source = os.environ if environ is None else environ
    raw: dict[str, Any] = {}
    for name in Settings.__struct_fields__:
        key = ENV_PREFIX + name.upper()
        if key in source:
            raw[name] = source[key]
    raw.update(overrides)
    try:
        settings = msgspec.convert(raw, Settings, strict=False, dec_hook=_decode_path)
    except msgspec.ValidationError as exc:
        raise SettingsError(_explain(str(exc))) from exc
    _check_proxies(settings.trusted_proxies)
    _check_openid(settings)
    return settings


def _check_openid(settings: Settings) -> None:
    if not settings.openid_issuer:
        return
    issuer = urlsplit(settings.openid_issuer)
    loopback = issuer.scheme == "http" and issuer.hostname in LOOPBACK_NAMES
    if not (issuer.scheme == "https" and issuer.hostname) and not loopback:
        raise SettingsError(f"{ENV_PREFIX}OPENID_ISSUER: must be an https:// URL (http only on loopback).")
    if not settings.openid_client_id or not settings.openid_client_secret:
        raise SettingsError(
            f"{ENV_PREFIX}OPENID_CLIENT_ID and {ENV_PREFIX}OPENID_CLIENT_SECRET: both are needed"
            f" with {ENV_PREFIX}OPENID_ISSUER."
        )
    if "openid" not in settings.openid_scopes.split():
        raise SettingsError(f"{ENV_PREFIX}OPENID_SCOPES: must include openid.")


def _check_proxies(setting: str) -> None:
    for part in filter(None, (p.strip() for p in setting.split(","))):
        try:
            ipaddress.ip_network(part, strict=False)
        except ValueError:
            raise SettingsError(
                f"{ENV_PREFIX}TRUSTED_PROXIES: '{part}' is not an address or network."
            ) from None


def _decode_path(kind: type, value: Any) -> Any:
    if kind is Path and isinstance(value, str):
        return Path(value)
    raise NotImplementedError


def _explain(message: str) -> str:
    """Turn msgspec's `$.field` path into the variable name a person would set."""
    if " - at `$." in message:
        text, _, path = message.partition(" - at `$.")
        field = path.rstrip("`").split(".")[0].split("[")[0]
        return f"{ENV_PREFIX}{field.upper()}: {text}"
    return message

"""Database tables. Private to the services (and the demo loaders, which are services' data),
and read by the search indexer, whose index is a view of the change log and the councils
(`tests/test_layers.py` holds the rule)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from pipeline.storage.types import UtcDateTime


def _empty_list() -> list[Any]:
    return []


def _json_list() -> Any:
    # A Python function, not the builtin `list`: pydantic inspects a default factory's signature
    # each time it calls one, and a builtin's is parsed from text (a millisecond, per record).
    return Field(default_factory=_empty_list, sa_type=JSON, nullable=False)


def _text(default: str = "") -> Any:
    return Field(default=default, sa_type=Text, nullable=False)


def _time(*, index: bool = False) -> Any:
    return Field(sa_type=UtcDateTime, nullable=False, index=index)


def _maybe_time() -> Any:
    return Field(default=None, sa_type=UtcDateTime, nullable=True)


class Council(SQLModel, table=True):
    """A council or other public body, identified by its ONS GSS code where it has one."""

    __tablename__ = "council"

    id: str = Field(primary_key=True, max_length=36)
    slug: str = Field(unique=True, max_length=120)
    gss_code: str | None = Field(default=None, unique=True, max_length=9)
    register_code: str | None = Field(default=None, unique=True, max_length=10)
    name: str = Field(max_length=200)
    short_name: str = Field(max_length=120)
    alt_names: list[str] = _json_list()
    former_gss_codes: list[str] = _json_list()
    kind: str = Field(default="", max_length=10)
    kind_name: str = Field(default="", max_length=80)
    nation: str = Field(default="", max_length=40)
    region: str = Field(default="", max_length=60, index=True)
    county: str | None = Field(default=None, max_length=10)
    combined_authority: str | None = Field(default=None, max_length=10)
    website: str | None = Field(default=None, max_length=300)
    email_domains: list[str] = _json_list()
    neighbours: list[str] = _json_list()
    start_date: date | None = None
    end_date: date | None = None
    replaced_by: list[str] = _json_list()
    created_at: datetime = _time()
    updated_at: datetime = _time()
    version: int = 1


class RecordBase(SQLModel):
    """Columns every registry record shares."""

    id: str = Field(primary_key=True, max_length=36)
    slug: str = Field(unique=True, max_length=120)
    owner_council_id: str = Field(foreign_key="council.id", index=True, max_length=36)
    title: str = Field(max_length=200)
    summary: str = _text()
    external_id: str | None = Field(default=None, max_length=200)
    created_at: datetime = _time()
    updated_at: datetime = _time(index=True)
    version: int = 1


class Project(RecordBase, table=True):
    __tablename__ = "project"

    problem: str = _text()
    approach: str = _text()
    phase: str = Field(default="idea", max_length=20, index=True)
    help_wanted: str = _text()
    start_date: date | None = None
    end_date: date | None = None
    funding: list[dict[str, Any]] = _json_list()
    contact_url: str | None = Field(default=None, max_length=500)
    website_url: str | None = Field(default=None, max_length=500)
    last_confirmed_at: datetime = _time()


class Product(RecordBase, table=True):
    __tablename__ = "product"

    kind: str = Field(default="service", max_length=30)
    licence: str | None = Field(default=None, max_length=80)
    development_status: str = Field(default="development", max_length=20)
    maintenance: str = Field(default="internal", max_length=20)
    repository_url: str | None = Field(default=None, max_length=500)
    documentation_url: str | None = Field(default=None, max_length=500)
    website_url: str | None = Field(default=None, max_length=500)
    is_based_on: list[str] = _json_list()


class Finding(RecordBase, table=True):
    __tablename__ = "finding"

    method: str = Field(default="other", max_length=30)
    findings: str = _text()
    research_date: date | None = None
    report_url: str | None = Field(default=None, max_length=500)


class CodeLink(RecordBase, table=True):
    __tablename__ = "code_link"

    repository_url: str = Field(max_length=500)
    host: str = Field(default="", max_length=120)
    licence: str | None = Field(default=None, max_length=80)
    language: str | None = Field(default=None, max_length=60)


class RecordLabel(SQLModel, table=True):
    """A service area, tag or collaboration offer attached to a record; used for filtering."""

    __tablename__ = "record_label"
    __table_args__ = (Index("ix_record_label_kind_value", "kind", "value"),)

    record_type: str = Field(primary_key=True, max_length=20)
    record_id: str = Field(primary_key=True, max_length=36)
    kind: str = Field(primary_key=True, max_length=20)
    value: str = Field(primary_key=True, max_length=80)
    position: int = 0


class RecordCouncil(SQLModel, table=True):
    """A council taking part in a record with a role: partner, funder, adopter, user..."""

    __tablename__ = "record_council"
    __table_args__ = (Index("ix_record_council_council", "council_id"),)

    record_type: str = Field(primary_key=True, max_length=20)
    record_id: str = Field(primary_key=True, max_length=36)
    council_id: str = Field(primary_key=True, foreign_key="council.id", max_length=36)
    role: str = Field(max_length=20)
    position: int = 0


class RecordLink(SQLModel, table=True):
    """A directed link between two records: a project uses a product, a finding informs..."""

    __tablename__ = "record_link"
    __table_args__ = (Index("ix_record_link_target", "target_type", "target_id"),)

    source_type: str = Field(primary_key=True, max_length=20)
    source_id: str = Field(primary_key=True, max_length=36)
    target_type: str = Field(primary_key=True, max_length=20)
    target_id: str = Field(primary_key=True, max_length=36)
    relation: str = Field(max_length=20)
    position: int = 0


class Change(SQLModel, table=True):
    """One entry of the change log, appended in the transaction that made the change."""

    __tablename__ = "changes"
    __table_args__ = (
        Index("ix_changes_entity", "entity_type", "entity_id"),
        {"sqlite_autoincrement": True},
    )

    seq: int | None = Field(default=None, primary_key=True)
    entity_type: str = Field(max_length=20)
    entity_id: str = Field(max_length=36)
    operation: str = Field(max_length=10)
    actor_kind: str = Field(max_length=20)
    actor_id: str | None = Field(default=None, max_length=64)
    actor_council_id: str | None = Field(default=None, max_length=36)
    council_id: str | None = Field(default=None, max_length=36, index=True)
    at: datetime = _time()
    version: int = 0
    fields: dict[str, Any] = Field(default_factory=dict, sa_type=JSON, nullable=False)
    data: dict[str, Any] | None = Field(default=None, sa_type=JSON, nullable=True)


class ApiToken(SQLModel, table=True):
    """An API token: only its SHA-256 hash is stored; the secret is shown once."""

    __tablename__ = "api_token"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: str = Field(primary_key=True, max_length=36)
    name: str = Field(default="", max_length=120)
    prefix: str = Field(max_length=16)
    token_hash: str = Field(max_length=64)
    council_id: str | None = Field(default=None, foreign_key="council.id", max_length=36)
    is_admin: bool = False
    created_at: datetime = _time()
    expires_at: datetime | None = _maybe_time()
    revoked_at: datetime | None = _maybe_time()
    last_used_at: datetime | None = _maybe_time()


class UserAccount(SQLModel, table=True):
    """A person who signs in with a work email; a member of the council that owns its domain.

    The email address is personal data: it is shown to its owner only, never published or logged.
    """

    __tablename__ = "user_account"

    id: str = Field(primary_key=True, max_length=36)
    email: str = Field(unique=True, max_length=320)
    council_id: str | None = Field(default=None, foreign_key="council.id", max_length=36)
    is_admin: bool = False
    created_at: datetime = _time()
    last_signed_in_at: datetime | None = _maybe_time()


class SignInLink(SQLModel, table=True):
    """A one-time sign-in link sent by email: only the hash of its secret is stored."""

    __tablename__ = "sign_in_link"
    __table_args__ = (
        Index("ix_sign_in_link_email_created", "email", "created_at"),
        Index("ix_sign_in_link_mailbox_created", "mailbox", "created_at"),
    )

    token_hash: str = Field(primary_key=True, max_length=64)
    email: str = Field(max_length=320)
    # The inbox the address reaches (name+tag@sub.council.gov.uk -> name@council.gov.uk): limits
    # and replacement of outstanding links go by it, so address variants share one quota.
    mailbox: str = Field(default="", max_length=320, sa_column_kwargs={"server_default": ""})
    council_id: str = Field(foreign_key="council.id", max_length=36)
    requester: str = Field(default="", max_length=64, index=True)
    created_at: datetime = _time()
    expires_at: datetime = _time()
    used_at: datetime | None = _maybe_time()


class OpenIdAttempt(SQLModel, table=True):
    """A sign-in sent to the OpenID provider and not yet back: spent once, when it returns.

    Only the hash of `state` is kept (the browser holds `state` in a cookie too); the nonce and
    the PKCE verifier are needed as they are, and live for minutes.
    """

    __tablename__ = "openid_attempt"

    state_hash: str = Field(primary_key=True, max_length=64)
    nonce: str = Field(max_length=64)
    code_verifier: str = Field(max_length=128)
    created_at: datetime = _time(index=True)
    expires_at: datetime = _time()
    used_at: datetime | None = _maybe_time()


class WebSession(SQLModel, table=True):
    """A signed-in browser: the cookie holds a signed secret; only its hash is stored."""

    __tablename__ = "web_session"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(foreign_key="user_account.id", index=True, max_length=36)
    created_at: datetime = _time()
    expires_at: datetime = _time()
    ended_at: datetime | None = _maybe_time()


RECORD_TABLES: dict[str, type[RecordBase]] = {
    "project": Project,
    "product": Product,
    "finding": Finding,
    "code-link": CodeLink,
}

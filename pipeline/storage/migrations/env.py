"""Alembic environment: runs against the engine the caller put in config.attributes."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

# Importing the table modules registers their tables on SQLModel.metadata.
import pipeline.storage.collaboration
import pipeline.storage.follows
import pipeline.storage.mail
import pipeline.storage.models
import pipeline.storage.webhooks  # noqa: F401

engine = context.config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()

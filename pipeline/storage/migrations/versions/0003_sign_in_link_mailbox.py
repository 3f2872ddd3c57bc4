"""sign-in links keyed by mailbox

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 01:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sign_in_link", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "mailbox", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False, server_default=""
            )
        )
        batch_op.create_index("ix_sign_in_link_mailbox_created", ["mailbox", "created_at"], unique=False)
    op.execute("UPDATE sign_in_link SET mailbox = email")


def downgrade() -> None:
    with op.batch_alter_table("sign_in_link", schema=None) as batch_op:
        batch_op.drop_index("ix_sign_in_link_mailbox_created")
        batch_op.drop_column("mailbox")

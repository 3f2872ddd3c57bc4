"""The service's signing key: from the settings, or made once and kept in the data folder."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from pipeline.config import Settings

SECRET_FILE = "secret_key"  # noqa: S105  (the file name, not a secret)
MIN_SECRET_LENGTH = 32


def secret_key(settings: Settings) -> str:
    """The configured key, or one made once and kept in the data folder for every local worker."""
    if settings.secret_key:
        if len(settings.secret_key) < MIN_SECRET_LENGTH:
            raise ValueError(f"PIPELINE_SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters.")
        return settings.secret_key
    path = settings.data_dir / SECRET_FILE
    if not path.exists():
        _create_secret_file(path)
    return path.read_text().strip()


def _create_secret_file(path: Path) -> None:
    """Write the key beside the target, then link it into place: readers never see half a key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{SECRET_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secrets.token_urlsafe(48))
    try:
        os.link(draft, path)
    except FileExistsError:
        pass  # another worker made it first; theirs is the key
    finally:
        draft.unlink()

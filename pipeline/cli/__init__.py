"""The `pipeline` command: serve, migrate, seed, import and export, and manage API tokens.

Each module adds its subcommands to the one `main` group when imported.
"""

from pipeline.cli import access, contacts, database, files, follows, mail, serving
from pipeline.cli.base import main

__all__ = ["access", "contacts", "database", "files", "follows", "mail", "main", "serving"]

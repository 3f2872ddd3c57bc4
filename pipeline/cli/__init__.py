"""The `pipeline` command: serve, migrate, seed, import and export, and manage API tokens.

Each module adds its subcommands to the one `main` group when imported.
"""

from pipeline.cli import access, database, files, serving
from pipeline.cli.base import main

__all__ = ["access", "database", "files", "main", "serving"]

"""The `pipeline` command's shared parts: its context, its errors, and the command group."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from pipeline.config import Settings, SettingsError, load_settings
from pipeline.errors import DomainError, Invalid
from pipeline.logs import install_redaction
from pipeline.services.context import Registry
from pipeline.services.exchange.line_errors import FileErrors

F = TypeVar("F", bound=Callable[..., Any])


class Context:
    """Settings and a lazily opened registry, shared by the subcommands."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._registry: Registry | None = None

    @property
    def registry(self) -> Registry:
        if self._registry is None:
            self._registry = Registry(self.settings)
        return self._registry

    def close(self) -> None:
        if self._registry is not None:
            self._registry.close()


def fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def reports_errors(command: F) -> F:
    """Turn the service's and the files' errors into a clear message and exit status 1."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except FileErrors as exc:
            for error in exc.errors:
                click.echo(str(error), err=True)
            fail(f"{len(exc.errors)} problem(s) found; nothing was written.")
        except Invalid as exc:
            for field_error in exc.errors:
                click.echo(f"{field_error.field}: {field_error.message}", err=True)
            fail("the input is not valid; nothing was written.")
        except DomainError as exc:
            fail(exc.detail)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def main(ctx: click.Context) -> None:
    """Pipeline: the collaboration registry for UK councils."""
    install_redaction()
    try:
        ctx.obj = Context(load_settings())
    except SettingsError as exc:
        fail(str(exc))
    ctx.call_on_close(ctx.obj.close)

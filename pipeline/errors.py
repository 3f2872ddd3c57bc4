"""Domain errors raised by services; each surface maps them once at its edge."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    """One problem with one field of the input, named by its JSON path (`partners[0].role`)."""

    field: str
    message: str


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    status = 400
    code = "bad_request"
    title = "Bad request"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(DomainError):
    status = 404
    code = "not_found"
    title = "Not found"


class Unauthenticated(DomainError):
    status = 401
    code = "unauthenticated"
    title = "Authentication required"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    title = "Forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"
    title = "Conflict"


class PreconditionFailed(DomainError):
    status = 412
    code = "precondition_failed"
    title = "Precondition failed"


class TooManyRequests(DomainError):
    """The caller has asked too often; `retry_after` says in how many seconds to try again."""

    status = 429
    code = "too_many_requests"
    title = "Too many requests"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class ServiceBusy(DomainError):
    """The service could not take the database's write lock in time; nothing was written."""

    status = 503
    code = "busy"
    title = "Service busy"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class Invalid(DomainError):
    """The input is well-formed but breaks a rule; `errors` names every offending field."""

    status = 422
    code = "validation_failed"
    title = "Validation failed"

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors) or "Invalid input.")

    @classmethod
    def one(cls, field_name: str, message: str) -> Invalid:
        return cls([FieldError(field_name, message)])


class BadInput(Invalid):
    """Input that cannot be read at all (broken, ambiguous or unbounded JSON): a bad request."""

    status = 400
    code = "bad_request"
    title = "Bad request"


class InvalidQuery(Invalid):
    """A search that cannot be used as asked (unparseable, unbounded): a bad request."""

    status = 400
    code = "invalid_query"
    title = "Search not understood"

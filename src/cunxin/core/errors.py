"""Errors a user can cause: each has a stable code, an HTTP status and a message in Chinese.

Messages are gettext strings whose source text is the Chinese a user sees by default; the
English catalogue translates them. Views, the API and commands turn these into a 4xx answer,
a form error or a clear line on the terminal, never a 500.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise


class DomainError(Exception):
    """A refusal the user can understand and act on."""

    status = 400

    def __init__(
        self,
        code: str,
        message: str | Promise,
        *,
        field: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        self.code = code
        self.message = message
        self.field = field
        self.params = params or {}
        super().__init__(code)

    def __str__(self) -> str:
        text = str(self.message)
        return text % self.params if self.params else text

    def as_dict(self) -> dict[str, Any]:
        """The JSON body the API answers with."""
        body: dict[str, Any] = {"code": self.code, "message": str(self)}
        if self.field:
            body["field"] = self.field
        return body


class Forbidden(DomainError):
    """The user is known but may not do this here."""

    status = 403


class NotFound(DomainError):
    """Not there, or not in the user's scope (the two are deliberately indistinguishable)."""

    status = 404


class Conflict(DomainError):
    """The request clashes with the current state (a duplicate, a stale version)."""

    status = 409


class RateLimited(DomainError):
    """Too many attempts; try again later."""

    status = 429

"""Errors a user can cause, each carrying a message key from the i18n catalogs."""

from __future__ import annotations


class DomainError(Exception):
    """A rule said no. ``key`` names the message shown to the user; ``field`` the input."""

    def __init__(self, key: str, field: str | None = None, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.field = field
        self.params = params


class ValidationFailed(DomainError):
    """Several inputs are wrong at once; ``errors`` maps each field to its message key.

    ``field_params`` holds the placeholders of a field's message (a limit, a maximum).
    """

    def __init__(
        self, errors: dict[str, str], field_params: dict[str, dict[str, object]] | None = None
    ) -> None:
        super().__init__("error.form_has_problems")
        self.errors = errors
        self.field_params = field_params or {}

"""Domain errors. Each carries a Japanese message a user can act on."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain was broken. ``message`` is Japanese and safe to show to users.

    Messages never contain case content: only codes, keys and dates.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidValue(DomainError):
    """A value does not have the form the domain requires (a case code, a key, a time)."""


class ConsentRequired(DomainError):
    """A 重層的支援会議 needs a recorded consent before the case may be discussed."""


class Duplicate(DomainError):
    """The thing already exists; a repeated request must have one effect only."""


class NotFound(DomainError):
    """The thing named does not exist."""

"""Domain errors. Each carries a Japanese message a user can act on."""

from __future__ import annotations

from enum import StrEnum

from bot import texts


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


class Record(StrEnum):
    """What storage keeps, as named by its typed errors (``DuplicateRecord``,
    ``MissingRecord``)."""

    AGENCY = "agency"
    MEMBERSHIP = "membership"
    COORDINATOR = "coordinator"
    CHANNEL = "channel"
    SERIES = "series"
    MEETING = "meeting"
    CASE = "case"
    AGENDA_ITEM = "agenda_item"
    INPUT = "input"
    ACKNOWLEDGEMENT = "acknowledgement"
    ROLE = "role"
    FINAL_DOCUMENT = "final_document"


class DuplicateRecord(Duplicate):
    """Storage refused a second ``record`` with the same unique key. ``keys`` are the values
    the message may name (codes, keys, dates; never case content); the wording is the
    catalogue's (``texts.STORAGE.duplicate_<record>``), so storage words nothing itself."""

    def __init__(self, record: Record, **keys: object) -> None:
        super().__init__(getattr(texts.STORAGE, f"duplicate_{record.value}").format(**keys))
        self.record = record
        self.keys = keys


class MissingRecord(NotFound):
    """Storage was asked to update or delete a ``record`` that is not there. Worded by the
    catalogue (``texts.STORAGE.missing`` with ``record_<record>``)."""

    def __init__(self, record: Record, **keys: object) -> None:
        name = getattr(texts.STORAGE, f"record_{record.value}").format(**keys)
        super().__init__(texts.STORAGE.missing.format(record=name))
        self.record = record
        self.keys = keys

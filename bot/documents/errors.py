"""Errors of the documents adapter."""

from __future__ import annotations


class DocumentTemplateError(Exception):
    """A Word template cannot be used: missing, not a .docx, a Jinja syntax error, an unknown
    placeholder, or a forbidden operation.

    ``message`` is Japanese, names the template file and, where known, the place; it is safe
    to show to the coordinator (it never contains case content). ``template`` is the file name.
    """

    def __init__(self, message: str, *, template: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.template = template

    def __str__(self) -> str:
        return self.message

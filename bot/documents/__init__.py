"""The documents adapter: Word minutes (議事録) and role-assignment summaries (役割分担表).

Rendered with docxtpl from the ``.docx`` templates in ``docs_templates/`` (or a
municipality's edited copies), in a sandboxed, autoescaping Jinja2 environment.
"""

from __future__ import annotations

from bot.documents.errors import DocumentTemplateError
from bot.documents.renderer import (
    MINUTES_TEMPLATE,
    ROLE_SUMMARY_TEMPLATE,
    TEMPLATE_NAMES,
    DocxRenderer,
    default_templates_dir,
)
from bot.domain.documents import minutes_filename, role_summary_filename, sha256_of

__all__ = [
    "MINUTES_TEMPLATE",
    "ROLE_SUMMARY_TEMPLATE",
    "TEMPLATE_NAMES",
    "DocumentTemplateError",
    "DocxRenderer",
    "default_templates_dir",
    "minutes_filename",
    "role_summary_filename",
    "sha256_of",
]

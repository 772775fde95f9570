"""Render the minutes and the role-assignment summary from Word templates with docxtpl.

Safety:

* Templates are rendered in a ``jinja2.sandbox.SandboxedEnvironment`` (a municipality's
  edited template cannot reach Python internals) with ``autoescape=True``: user text such as
  ``<``, ``&`` or quotes is XML-escaped exactly once and so appears literally in Word.
  docxtpl's own ``autoescape`` argument only switches the environment's flag, which is
  already set, so nothing is escaped twice.
* User text is a *value* in the context, never template source: ``{{ 7*7 }}`` typed by a
  member is printed as typed. XML-illegal control characters are removed beforehand
  (:func:`bot.documents.text.clean_text`); newlines become line breaks in the paragraph.
* ``StrictUndefined``: an unknown placeholder is an error, not an empty string. Every template
  is also checked statically once per renderer (syntax, and top-level names that the context
  does not provide), so a mistake in a branch the data did not reach is still found.
* Bytes are returned only after the whole document rendered and saved; any failure raises.
"""

from __future__ import annotations

import html
import io
import re
import sys
import threading
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from types import TracebackType
from typing import Any

from docx import Document
from docx.oxml import parse_xml
from docxtpl import DocxTemplate
from jinja2 import (
    StrictUndefined,
    Template,
    TemplateError,
    TemplateSyntaxError,
    UndefinedError,
    meta,
    nodes,
)
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from bot import texts
from bot.documents.context import Context, minutes_context, role_summary_context
from bot.documents.errors import DocumentTemplateError
from bot.documents.samples import sample_minutes_view, sample_role_summary_view
from bot.services.document_views import MinutesView, RoleSummaryView

MINUTES_TEMPLATE = "minutes.docx"
ROLE_SUMMARY_TEMPLATE = "role_summary.docx"
TEMPLATE_NAMES = (MINUTES_TEMPLATE, ROLE_SUMMARY_TEMPLATE)

_HEADER_URI = DocxTemplate.HEADER_URI
_FOOTER_URI = DocxTemplate.FOOTER_URI
_TAG = re.compile(r"<[^>]+>")
_NEW_PARAGRAPH = re.compile(r"<w:p([ >])")
_UNDEFINED_NAME = re.compile(r"^'([^']+)' is undefined|has no attribute '([^']+)'")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
_SNIPPET_LENGTH = 60


def default_templates_dir() -> Path:
    """The templates shipped with the project: ``docs_templates/`` at the repository top in
    a checkout (or an editable install), else the copy a wheel installs as data files under
    ``<prefix>/share/shienbot/templates``."""
    checkout = Path(__file__).resolve().parents[2] / "docs_templates"
    installed = Path(sys.prefix) / "share" / "shienbot" / "templates"
    return (
        checkout if (checkout / MINUTES_TEMPLATE).is_file() or not installed.is_dir() else installed
    )


class _SandboxEnvironment(SandboxedEnvironment):
    """The sandbox, with compiled templates cached by source.

    docxtpl compiles every part of the document on every render; the sources of one template
    file never change, so compiling them once makes a render several times faster.
    """

    _CACHE_LIMIT = 64

    def __init__(self) -> None:
        super().__init__(autoescape=True, undefined=StrictUndefined)
        self._compiled: dict[str, Template] = {}
        self._lock = threading.Lock()

    def from_string(
        self,
        source: str | nodes.Template,
        globals: MutableMapping[str, Any] | None = None,
        template_class: type[Template] | None = None,
    ) -> Template:
        if not isinstance(source, str) or globals is not None or template_class is not None:
            return super().from_string(source, globals, template_class)
        with self._lock:
            cached = self._compiled.get(source)
        if cached is not None:
            return cached
        compiled = super().from_string(source)
        with self._lock:
            if len(self._compiled) < self._CACHE_LIMIT:
                self._compiled[source] = compiled
        return compiled


class _BrokenOutput(Exception):
    """The rendered body is not well-formed XML (e.g. markup injected with ``|safe``)."""


class _DocxTemplate(DocxTemplate):  # type: ignore[misc]
    """docxtpl's template, refusing a rendered body that is not well-formed XML.

    docxtpl re-parses the rendered body with lxml's ``recover=True``, which would silently
    drop whatever does not parse; here that is an error instead.
    """

    def fix_tables(self, xml: str) -> Any:
        try:
            parse_xml(xml.encode("utf-8"))
        except SyntaxError as exc:  # lxml's XMLSyntaxError is a SyntaxError
            raise _BrokenOutput(str(exc)) from exc
        return super().fix_tables(xml)


class DocxRenderer:
    """Renders MinutesView and RoleSummaryView into ``.docx`` bytes.

    Args:
        templates_dir: A folder holding ``minutes.docx`` and ``role_summary.docx`` (a
            municipality's edited copies, e.g. from ``SHIEN_TEMPLATES_DIR``). Default: the
            templates shipped in ``docs_templates/``.

    Raises:
        DocumentTemplateError: If the folder or a template is missing, or a file is not a
            Word document.

    The template files are read once here; each render works on an in-memory copy, so one
    renderer may be shared between threads.
    """

    def __init__(self, templates_dir: Path | None = None) -> None:
        self.templates_dir = Path(templates_dir) if templates_dir else default_templates_dir()
        self._env = _SandboxEnvironment()
        self._sources = {name: self._load(name) for name in TEMPLATE_NAMES}
        self._checked: set[str] = set()

    # ----------------------------------------------------------------- public API

    def render_minutes(self, view: MinutesView) -> bytes:
        """Render the 議事録. Raises DocumentTemplateError if the template is broken."""
        return self._render(MINUTES_TEMPLATE, minutes_context(view))

    def render_role_summary(self, view: RoleSummaryView) -> bytes:
        """Render the 役割分担表: the coordinator's full copy, or one agency's extract
        (a view holding only that agency). Raises DocumentTemplateError if the template is
        broken."""
        return self._render(ROLE_SUMMARY_TEMPLATE, role_summary_context(view))

    def validate_templates(self) -> None:
        """Check both templates (syntax, placeholders) and render them against sample views.

        Meant for start-up, so that a broken municipal template is found before a meeting.

        Raises:
            DocumentTemplateError: On the first problem found, naming the file and the place.
        """
        minutes_samples = (
            sample_minutes_view(cases=3, draft=True),
            sample_minutes_view(cases=0, draft=False),
        )
        for minutes in minutes_samples:
            self._render(MINUTES_TEMPLATE, minutes_context(minutes), force_check=True)
        for summary in (sample_role_summary_view(3), sample_role_summary_view(1)):
            self._render(ROLE_SUMMARY_TEMPLATE, role_summary_context(summary), force_check=True)
        summary_empty = sample_role_summary_view(0)
        self._render(ROLE_SUMMARY_TEMPLATE, role_summary_context(summary_empty))

    # ----------------------------------------------------------------- loading

    def _load(self, name: str) -> bytes:
        folder = self.templates_dir
        if not folder.is_dir():
            raise DocumentTemplateError(
                texts.TEMPLATES.folder_missing.format(folder=folder), template=name
            )
        path = folder / name
        if not path.is_file():
            raise DocumentTemplateError(
                texts.TEMPLATES.file_missing.format(folder=folder, name=name), template=name
            )
        data = path.read_bytes()
        try:
            Document(io.BytesIO(data))
        except Exception as exc:  # python-docx raises several kinds for a non-docx file
            raise DocumentTemplateError(
                texts.TEMPLATES.not_docx.format(name=name), template=name
            ) from exc
        return data

    # ----------------------------------------------------------------- rendering

    def _render(self, name: str, context: Context, *, force_check: bool = False) -> bytes:
        if force_check or name not in self._checked:
            self._check_statically(name, context)
            self._checked.add(name)
        template = _DocxTemplate(io.BytesIO(self._sources[name]))
        try:
            # The environment already autoescapes; docxtpl's flag would only set it again.
            template.render(context, self._env)
            out = io.BytesIO()
            template.save(out)
        except DocumentTemplateError:
            raise
        except TemplateSyntaxError as exc:
            raise _syntax_error(name, exc, _runtime_location(template, exc.lineno)) from exc
        except UndefinedError as exc:
            where = _runtime_location(template, _template_lineno(exc.__traceback__))
            raise _undefined_error(name, exc, where) from exc
        except SecurityError as exc:
            where = _runtime_location(template, _template_lineno(exc.__traceback__))
            raise DocumentTemplateError(
                texts.TEMPLATES.forbidden.format(name=name, where=_paren(where, str(exc))),
                template=name,
            ) from exc
        except (_BrokenOutput, SyntaxError) as exc:  # SyntaxError: lxml's, from a header
            raise DocumentTemplateError(
                texts.TEMPLATES.broken_output.format(name=name, error=exc), template=name
            ) from exc
        except (TemplateError, TypeError, ValueError, ArithmeticError, LookupError) as exc:
            where = _runtime_location(template, _template_lineno(exc.__traceback__))
            # Only Jinja's own messages are shown: a Python error's text might quote data.
            detail = str(exc) if isinstance(exc, TemplateError) else type(exc).__name__
            raise DocumentTemplateError(
                texts.TEMPLATES.cannot_fill.format(name=name, where=_paren(where, detail)),
                template=name,
            ) from exc
        data: bytes = out.getvalue()
        return data

    def _check_statically(self, name: str, context: Context) -> None:
        """Syntax of every part, and top-level names the context does not provide."""
        known = set(context) | set(self._env.globals)
        template = _DocxTemplate(io.BytesIO(self._sources[name]))
        template.init_docx()
        for where, source in _part_sources(template):
            try:
                ast = self._env.parse(source)
            except TemplateSyntaxError as exc:
                raise _syntax_error(name, exc, _location(where, source, exc.lineno)) from exc
            unknown = sorted(meta.find_undeclared_variables(ast) - known)
            if unknown:
                first = unknown[0]
                raise DocumentTemplateError(
                    texts.TEMPLATES.unknown_field.format(
                        name=name,
                        field=first,
                        where=_paren(_location_of_name(where, source, first)),
                    ),
                    template=name,
                )


# --------------------------------------------------------------------------- error messages


def _syntax_error(name: str, exc: TemplateSyntaxError, where: str) -> DocumentTemplateError:
    return DocumentTemplateError(
        texts.TEMPLATES.syntax.format(name=name, where=_paren(where, exc.message or "")),
        template=name,
    )


def _undefined_error(name: str, exc: UndefinedError, where: str) -> DocumentTemplateError:
    match = _UNDEFINED_NAME.search(exc.message or "")
    item = next((g for g in match.groups() if g), "") if match else ""
    if not _IDENTIFIER.fullmatch(item):  # a subscript could carry data; name only identifiers
        item = ""
    if item:
        message = texts.TEMPLATES.unknown_field.format(name=name, field=item, where=_paren(where))
    else:
        message = texts.TEMPLATES.unknown_field_unnamed.format(name=name, where=_paren(where))
    return DocumentTemplateError(message, template=name)


def _part_sources(template: Any) -> Iterator[tuple[str, str]]:
    """(place, Jinja source) of the body, headers and footers, as docxtpl renders them."""

    def prepared(xml: str) -> str:
        # docxtpl starts each paragraph on a new line before handing the XML to Jinja, so
        # Jinja's line numbers count paragraphs.
        return _NEW_PARAGRAPH.sub(r"\n<w:p\1", template.patch_xml(xml))

    yield texts.TEMPLATES.body, prepared(template.get_xml())
    for uri, where in (
        (_HEADER_URI, texts.TEMPLATES.header),
        (_FOOTER_URI, texts.TEMPLATES.footer),
    ):
        for _, part in template.get_headers_footers(uri):
            yield where, prepared(template.get_part_xml(part))


def _snippet(line: str) -> str:
    text = html.unescape(_TAG.sub("", line)).strip()
    return text if len(text) <= _SNIPPET_LENGTH else text[: _SNIPPET_LENGTH - 1] + "…"


def _paren(*parts: str) -> str:
    """「（本文の「…」付近：detail）」 from the non-empty parts, or "" when all are empty."""
    text = texts.TEMPLATES.where_separator.join(part for part in parts if part)
    return texts.TEMPLATES.where.format(parts=text) if text else ""


def _location(where: str, source: str, lineno: int | None) -> str:
    """「本文の「{{ foo }}」付近」 for a Jinja line number of a part's source."""
    lines = source.splitlines()
    if lineno is None or not 1 <= lineno <= len(lines):
        return where
    text = _snippet(lines[lineno - 1])
    return texts.TEMPLATES.near.format(part=where, text=text) if text else where


def _location_of_name(where: str, source: str, name: str) -> str:
    pattern = re.compile(rf"\b{re.escape(name)}\b")
    for lineno, line in enumerate(source.splitlines(), start=1):
        text = _TAG.sub("", line)
        if ("{" in text) and pattern.search(text):
            return _location(where, source, lineno)
    return where


def _runtime_location(template: Any, lineno: int | None) -> str:
    """Where a render failed: the part being rendered and the paragraph of the line."""
    try:
        part = template.current_rendering_part
        if part is None:
            return ""
        if part is template.docx._part:
            return _location(texts.TEMPLATES.body, _part_sources_body(template), lineno)
        partname = str(part.partname)
        where = (
            texts.TEMPLATES.header
            if "header" in partname
            else texts.TEMPLATES.footer
            if "footer" in partname
            else ""
        )
        if not where:
            return ""
        xml = _NEW_PARAGRAPH.sub(r"\n<w:p\1", template.patch_xml(template.get_part_xml(part)))
        return _location(where, xml, lineno)
    except Exception:  # locating is best effort; the error itself is what matters
        return ""


def _part_sources_body(template: Any) -> str:
    return _NEW_PARAGRAPH.sub(r"\n<w:p\1", template.patch_xml(template.get_xml()))


def _template_lineno(tb: TracebackType | None) -> int | None:
    """The template line of the innermost frame Jinja attributes to the template."""
    lineno = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            lineno = tb.tb_lineno
        tb = tb.tb_next
    return lineno


__all__ = [
    "MINUTES_TEMPLATE",
    "ROLE_SUMMARY_TEMPLATE",
    "TEMPLATE_NAMES",
    "DocxRenderer",
    "default_templates_dir",
]

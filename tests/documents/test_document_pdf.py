"""The minutes convert to PDF in LibreOffice with a Japanese font embedded.

Needs ``soffice`` (Debian: libreoffice-writer-nogui), ``pdffonts``/``pdfinfo`` (poppler-utils)
and a Japanese font (fonts-ipaexfont or fonts-noto-cjk); skipped with the reason otherwise.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from document_builders import minutes_view, role_summary_view

from bot.documents import DocxRenderer, default_templates_dir

TIMEOUT = 120
JAPANESE_FONT = re.compile(r"IPAex|IPA|Noto\S*CJK|Source\S*Han", re.IGNORECASE)
FONTCONFIG_ALIASES = default_templates_dir() / "fontconfig" / "65-shienbot-japanese-fonts.conf"


def _require_tools() -> None:
    missing = [tool for tool in ("soffice", "pdffonts", "pdfinfo") if shutil.which(tool) is None]
    if missing:
        pytest.skip(
            f"{', '.join(missing)} not installed: PDF check skipped "
            "(apt-get install libreoffice-writer-nogui poppler-utils fonts-ipaexfont)"
        )


def _to_pdf(docx: Path, tmp_path: Path, env: dict[str, str] | None = None) -> Path:
    profile = tmp_path / f"lo-profile-{docx.stem}"
    outdir = tmp_path / "pdf"
    command = [
        "soffice",
        "--headless",
        "--norestore",
        f"-env:UserInstallation={profile.as_uri()}",
        "--convert-to",
        "pdf",
        "--outdir",
        str(outdir),
        str(docx),
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=TIMEOUT, env=env, check=False
    )
    pdf = outdir / f"{docx.stem}.pdf"
    assert result.returncode == 0 and pdf.is_file(), result.stderr or result.stdout
    return pdf


def _fonts(pdf: Path) -> list[str]:
    output = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, text=True, check=True, timeout=30
    ).stdout
    rows = output.splitlines()[2:]
    return [row.split()[0] for row in rows if row.strip()]


def _pages(pdf: Path) -> int:
    output = subprocess.run(
        ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True, timeout=30
    ).stdout
    match = re.search(r"^Pages:\s+(\d+)", output, flags=re.MULTILINE)
    assert match, output
    return int(match.group(1))


def test_minutes_pdf_embeds_a_japanese_font(tmp_path: Path, renderer: DocxRenderer) -> None:
    _require_tools()
    docx = tmp_path / "minutes.docx"
    docx.write_bytes(renderer.render_minutes(minutes_view()))
    pdf = _to_pdf(docx, tmp_path)
    fonts = _fonts(pdf)
    japanese_installed = subprocess.run(
        ["fc-list", ":lang=ja"], capture_output=True, text=True, check=False
    ).stdout.strip()
    if not japanese_installed:
        pytest.skip("no Japanese font installed (apt-get install fonts-ipaexfont)")
    assert any(JAPANESE_FONT.search(font) for font in fonts), fonts
    assert 2 <= _pages(pdf) <= 30


def test_with_the_fontconfig_aliases_mincho_and_gothic_are_kept(
    tmp_path: Path, renderer: DocxRenderer
) -> None:
    _require_tools()
    if (
        "IPAexMincho"
        not in subprocess.run(
            ["fc-list", ":family=IPAexMincho"], capture_output=True, text=True
        ).stdout
    ):
        pytest.skip("IPAex fonts not installed (apt-get install fonts-ipaexfont)")
    config = tmp_path / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
        "<fontconfig>\n"
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        f"  <include>{FONTCONFIG_ALIASES}</include>\n"
        "</fontconfig>\n",
        encoding="utf-8",
    )
    env = {**os.environ, "FONTCONFIG_FILE": str(config)}
    docx = tmp_path / "roles.docx"
    docx.write_bytes(renderer.render_role_summary(role_summary_view()))
    fonts = _fonts(_to_pdf(docx, tmp_path, env))
    assert any("IPAexMincho" in font for font in fonts), fonts
    assert any("IPAexGothic" in font for font in fonts), fonts

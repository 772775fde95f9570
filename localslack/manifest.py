"""The bot scopes the app manifest grants, so the local workspace refuses what Slack would.

The manifest (``slack_manifest.yaml`` at the repository's top) is the one place the scopes
are written; this reads its ``oauth_config.scopes.bot`` list without a YAML library (the
demo runs without one): the items of the ``bot:`` list under ``scopes:``.
"""

from __future__ import annotations

import re
from pathlib import Path

MANIFEST = Path(__file__).resolve().parent.parent / "slack_manifest.yaml"
_ITEM = re.compile(r"^\s*-\s*([a-z:._]+)\s*(?:#.*)?$")


def manifest_scopes(path: Path = MANIFEST) -> frozenset[str]:
    """The bot scopes in ``path``. Raises ``FileNotFoundError`` without a manifest: the
    workspace must never silently grant everything."""
    scopes: set[str] = set()
    inside = False
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.split("#", 1)[0].rstrip()
        if stripped.strip() == "bot:":
            inside = True
            continue
        if inside:
            match = _ITEM.match(line)
            if match:
                scopes.add(match.group(1))
            elif stripped.strip():
                break
    if not scopes:
        raise ValueError(f"no bot scopes found in {path}")
    return frozenset(scopes)

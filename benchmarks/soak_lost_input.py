"""Soak: no agency input is lost, however people and Slack behave.

Run: .venv/bin/python benchmarks/soak_lost_input.py [--operations 500] [--cases 10]
     [--fraction 0.1] [--seed 7] [--database-url URL]

The real bot (Bolt over HTTP) on the local Slack workspace: four agencies with two members
each answer ten cases — replies, edits, link previews and deletions, several members at
once, replies arriving while the thread heads are still being posted — while the
scheduler's paced opening is raced by a coordinator typing ``/shien open``, and a fraction
of ``users.info`` and ``chat.update`` calls fail. At the end, the inputs in the database and
the minutes (.docx, read back with python-docx) are compared with what was sent. Prints the
counts and exits 1 if any reply is missing, repeated or stale (see ``localslack/soak.py``).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from localslack.soak import main

if __name__ == "__main__":
    logging.basicConfig(level=logging.ERROR)  # retries are expected: their warnings are noise
    raise SystemExit(main())

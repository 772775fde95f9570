"""The forms suite (``test_e2e_forms``) again on the production server: there the notice's
button is stored and acked as it arrives and worked on in the work process, while the
入力する button, ``case new`` and ``decide`` open their forms, and submissions are validated
and recorded, in the serving process that received them (``bot.chat.slack.app.hands_over``).
Double clicks and re-submitted forms must still have one effect across the two."""

from __future__ import annotations

from test_e2e_forms import *  # noqa: F403 - the same tests, collected again for this server

PRODUCTION_SERVER = True

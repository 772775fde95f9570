"""The soak of ``benchmarks/soak_lost_input.py``, smaller: 120 replies, edits, previews and
deletions from four agencies over ten cases, 10% of users.info and chat.update calls
failing, the scheduler's opening raced by /shien open. Every reply must be in the database
and in the minutes exactly once (about 10 s)."""

from __future__ import annotations

import pytest

from localslack.soak import SoakSettings, run_soak


@pytest.mark.soak
def test_no_reply_is_lost_in_a_soak() -> None:
    report = run_soak(SoakSettings(operations=120, seed=11))
    assert report.ok, report.render()
    assert sum(report.operations.values()) == 120
    assert report.in_minutes_once == report.expected_inputs > 0
    assert report.failures_injected.get("users.info", 0) > 0
    assert report.failures_injected.get("chat.update", 0) > 0
    assert report.slack_retries > 0  # some replies were decided only when Slack resent them

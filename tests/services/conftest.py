"""Fixtures of the use-case tests: the world of ``services_world`` on the fakes.

Every test also checks, when it ends, that no chat call was made while a unit of work held
the database (on SQLite that would keep every other writer waiting for Slack).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from services_world import World, make_world


@pytest.fixture
def bare() -> Iterator[World]:
    """Nothing registered yet."""
    world = make_world()
    yield world
    assert world.chat.made_in_transaction() == []


@pytest.fixture
def world() -> Iterator[World]:
    """A coordinator, the meeting channel, houkatsu and csw with one member each; the calls
    and audit rows of the set-up are forgotten."""
    made = make_world().setup()
    made.mark()
    yield made
    assert made.chat.made_in_transaction() == []

"""Final documents are frozen: stored once, byte for byte, with their hash."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from storage_builders import seed

from bot.domain.errors import Duplicate
from bot.domain.model import FinalDocument
from storage import Database


def _document(meeting_id: str, data: bytes) -> FinalDocument:
    return FinalDocument(
        meeting_id=meeting_id,
        kind="minutes",
        filename="minutes-2026-12-08.docx",
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
        finalised_by="U0JIMU",
        finalised_at=datetime(2026, 12, 8, 6, 0, tzinfo=UTC),
    )


def test_a_final_document_round_trips_byte_for_byte(database: Database) -> None:
    world = seed(database)
    data = bytes(range(256)) * 100  # binary, including NUL bytes
    with database.unit_of_work() as uow:
        uow.final_documents.add(_document(world.meeting_id, data))
        uow.commit()
    with database.unit_of_work() as uow:
        stored = uow.final_documents.get(world.meeting_id, "minutes")
        assert uow.final_documents.get(world.meeting_id, "roles") is None
    assert stored == _document(world.meeting_id, data)


def test_finalising_twice_keeps_the_first_version(database: Database) -> None:
    world = seed(database)
    with database.unit_of_work() as uow:
        uow.final_documents.add(_document(world.meeting_id, b"first"))
        uow.commit()
    with database.unit_of_work() as uow:
        with pytest.raises(Duplicate) as raised:
            uow.final_documents.add(_document(world.meeting_id, b"second"))
        assert "確定" in raised.value.message
        uow.commit()
    with database.unit_of_work() as uow:
        stored = uow.final_documents.get(world.meeting_id, "minutes")
    assert stored is not None and stored.data == b"first"

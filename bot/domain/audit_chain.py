"""The audit trail's hash chain: tamper evidence for an append-only log.

Every audit event carries ``prev_hash`` (the hash of the event before it, or ``GENESIS`` for
the first) and ``chain_hash``, a SHA-256 over ``prev_hash`` and the event's whole content,
its position (``seq``) included. Changing, replacing, inserting, deleting or reordering a
stored event therefore breaks the chain at that event or at the one after it, and
:func:`verify_chain` names the first event that does not match. A separately stored chain
head (the last position and hash) shows a deleted or added tail.

Anyone who can rewrite the whole table *and* recompute every hash can forge a consistent
chain: the chain shows tampering done with SQL, and the privacy officer can keep the head
hash that ``shienbot audit --verify`` prints (on paper, in a ticket) to compare later.

Pure functions: the storage layer reads the rows, this module judges them.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

# The hash before the first event.
GENESIS = "0" * 64
# Part of every hashed content: a later change of the format gets a new version.
CHAIN_VERSION = "shienbot-audit-v1"
# How many recent events verification remembers to tell an insertion from a deletion.
_RECENT = 10_000


def _instant(at: datetime) -> str:
    """The instant as UTC with microseconds; naive values are UTC (as SQLite returns them)."""
    if at.tzinfo is None or at.tzinfo.utcoffset(at) is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(
    prev_hash: str,
    *,
    seq: int,
    event_id: str,
    at: datetime,
    actor: str,
    action: str,
    target_type: str,
    target_id: str,
    allowed: bool,
    detail: str,
) -> str:
    """SHA-256 (hex) over the previous hash and every field of one event."""
    content = json.dumps(
        [
            CHAIN_VERSION,
            int(seq),
            event_id,
            _instant(at),
            actor,
            action,
            target_type,
            target_id,
            bool(allowed),
            detail,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(f"{prev_hash}\n{content}".encode()).hexdigest()


@dataclass(frozen=True)
class ChainedEvent:
    """One stored event as the chain sees it."""

    seq: int
    event_id: str
    at: datetime
    actor: str
    action: str
    target_type: str
    target_id: str
    allowed: bool
    detail: str
    prev_hash: str
    chain_hash: str

    def computed_hash(self) -> str:
        """The hash this event's content and its stored ``prev_hash`` give."""
        return event_hash(
            self.prev_hash,
            seq=self.seq,
            event_id=self.event_id,
            at=self.at,
            actor=self.actor,
            action=self.action,
            target_type=self.target_type,
            target_id=self.target_id,
            allowed=self.allowed,
            detail=self.detail,
        )


class BreakKind(StrEnum):
    CHANGED = "changed"  # the event's content (or its hashes) no longer match each other
    RELINKED = "relinked"  # intact itself, but not linked to the event before it
    INSERTED = "inserted"  # events slipped in between two linked events: the first of them
    TAIL_DELETED = "tail_deleted"  # the chain head names a later event than the last one
    UNRECORDED = "unrecorded"  # events after the chain head: added outside the bot
    NO_HEAD = "no_head"  # the chain head is missing


@dataclass(frozen=True)
class ChainBreak:
    """The first place where the stored trail and its chain disagree."""

    kind: BreakKind
    event: ChainedEvent | None  # the first event that does not match (None: a cut tail)
    expected_last_seq: int | None = None  # for a cut tail: the last position the head knows


@dataclass(frozen=True)
class ChainReport:
    count: int  # events checked
    last_seq: int
    last_hash: str  # the chain's head hash (GENESIS when empty)
    problem: ChainBreak | None
    anchor_seq: int | None = None  # the event whose hash starts with the anchor, if asked

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify_chain(
    events: Iterable[ChainedEvent], head: tuple[int, str] | None, anchor: str = ""
) -> ChainReport:
    """Check ``events`` (in ``seq`` order) and the stored chain ``head`` (last seq, last hash).

    Stops at the first event that does not match: its own hashes disagree with its content
    (changed or replaced), or it does not follow from the event before it (an event was
    inserted, deleted or moved before it). With ``anchor`` (the start of a hash noted from an
    earlier verification), also finds the event that carries it: a trail rewritten and
    re-hashed as a whole no longer does.
    """
    prev_hash, last_seq, count = GENESIS, 0, 0
    last: ChainedEvent | None = None
    anchor_seq: int | None = None
    # For recent events: the hash of the event before each one → that event. An event that
    # links to an earlier event than the one just before it shows that the events in
    # between were inserted.
    followers: OrderedDict[str, ChainedEvent] = OrderedDict()
    for event in events:
        if event.computed_hash() != event.chain_hash:
            return ChainReport(count, last_seq, prev_hash, ChainBreak(BreakKind.CHANGED, event))
        if event.prev_hash != prev_hash or event.seq <= last_seq:
            first_inserted = followers.get(event.prev_hash)
            if first_inserted is not None and event.prev_hash != prev_hash:
                problem = ChainBreak(BreakKind.INSERTED, first_inserted)
            else:
                problem = ChainBreak(BreakKind.RELINKED, event)
            return ChainReport(count, last_seq, prev_hash, problem)
        if head is not None and event.seq > head[0]:
            return ChainReport(
                count, last_seq, prev_hash, ChainBreak(BreakKind.UNRECORDED, event, head[0])
            )
        if anchor and anchor_seq is None and event.chain_hash.startswith(anchor):
            anchor_seq = event.seq
        followers[prev_hash] = event
        if len(followers) > _RECENT:
            followers.popitem(last=False)
        prev_hash, last_seq, count, last = event.chain_hash, event.seq, count + 1, event
    if head is None:
        return ChainReport(count, last_seq, prev_hash, ChainBreak(BreakKind.NO_HEAD, None))
    if head[0] > last_seq:
        return ChainReport(
            count, last_seq, prev_hash, ChainBreak(BreakKind.TAIL_DELETED, None, head[0])
        )
    if head[1] != prev_hash:  # same position, another hash: the last event was rewritten
        return ChainReport(count, last_seq, prev_hash, ChainBreak(BreakKind.CHANGED, last))
    return ChainReport(count, last_seq, prev_hash, None, anchor_seq)

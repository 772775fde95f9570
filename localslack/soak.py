"""A soak of the real bot on the local workspace: no agency input may be lost.

Four agencies (two members each) answer ten cases the way people use the bot: the
scheduler's opening (paced) raced by a coordinator typing ``/shien open``, members replying
while the thread heads are still being posted, several members at once, edits (also ones
that only add a link preview), deletions, replies with files, a file alone, a reply to the
secrecy notice, replies before confirming the notice. A fraction of ``users.info`` and
``chat.update`` calls fail (``inject_failure(..., times=None, fraction=...)``). At the end,
the database's inputs and the minutes (.docx, read back with python-docx) are compared with
what was sent: every reply's latest text once, nothing deleted or overwritten, and every
message that is not an answer answered to its author.

Run from ``benchmarks/soak_lost_input.py``; a smaller soak runs in the test suite.
Every person here is fictional; texts are markers, not case content.
"""

from __future__ import annotations

import io
import random
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from docx import Document

from bot.chat.slack.gateway import SlackGateway
from bot.domain.calendar import JapaneseCalendar
from bot.domain.model import AgencyInput, InputSource, InputState
from bot.scheduling import PacedChat, Pacer
from bot.services import scheduled
from bot.services.messages import ACK_ACTION
from localslack.harness import LocalWorkspace

CHANNEL = "C0SOAK01"
COORDINATOR = "U0JIMU"
AGENCIES = {
    "houkatsu": "架空市中央地域包括支援センター",
    "shogai": "架空市基幹相談支援センター",
    "konkyu": "架空市くらし自立相談センター",
    "csw": "架空市社会福祉協議会",
}
# What members do, by weight (the rest of the mix: acks, which each member does once).
MIX = {
    "reply": 52,
    "reply_with_files": 5,
    "file_only": 4,
    "other_thread": 3,
    "edit": 20,
    "preview": 5,
    "delete": 11,
}


@dataclass(frozen=True)
class SoakSettings:
    """How big and how hostile a soak is."""

    operations: int = 500  # thread replies, edits, previews and deletions
    cases: int = 10
    members_per_agency: int = 2
    failure_fraction: float = 0.1  # of users.info and chat.update calls
    users_info_failure: str = "ratelimited"
    chat_update_failure: str = "internal_error"
    pace: float = 0.05  # seconds between the scheduler's posts (Slack: 1)
    seed: int = 7


@dataclass
class Sent:
    """One message a member posted in the channel, as it stands now."""

    ts: str
    user: str
    kind: str  # reply, reply_with_files, file_only, other_thread
    thread_ts: str
    text: str
    versions: list[str] = field(default_factory=list)  # every text it ever had
    deleted: bool = False
    held: bool = False  # posted before its author confirmed the notice

    @property
    def answers(self) -> bool:
        """Whether it must be an input: a case thread reply with text."""
        return self.kind != "other_thread" and bool(self.text)


@dataclass
class SoakReport:
    """What was sent, what the bot kept, and where they differ (empty lists: nothing lost)."""

    seconds: float = 0.0
    operations: Counter[str] = field(default_factory=Counter)
    held_replies: int = 0
    heads_per_case: dict[str, int] = field(default_factory=dict)
    notices: int = 0
    expected_inputs: int = 0
    expected_withdrawn: int = 0
    recorded: int = 0
    withdrawn: int = 0
    in_minutes_once: int = 0
    missing_in_database: list[str] = field(default_factory=list)
    wrong_in_database: list[str] = field(default_factory=list)
    extra_in_database: list[str] = field(default_factory=list)
    missing_in_minutes: list[str] = field(default_factory=list)
    repeated_in_minutes: list[str] = field(default_factory=list)
    stale_in_minutes: list[str] = field(default_factory=list)
    authors_to_tell: int = 0
    authors_told: int = 0
    failures_injected: dict[str, int] = field(default_factory=dict)
    slack_retries: int = 0
    slowest_ack: float = 0.0  # seconds, of every request the bot answered
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            all(n == 1 for n in self.heads_per_case.values())
            and self.notices == 1
            and not self.missing_in_database
            and not self.wrong_in_database
            and not self.extra_in_database
            and not self.missing_in_minutes
            and not self.repeated_in_minutes
            and not self.stale_in_minutes
            and self.authors_told >= self.authors_to_tell
            and not self.problems
        )

    def render(self) -> str:
        ops = ", ".join(f"{k} {v}" for k, v in sorted(self.operations.items()))
        lines = [
            f"operations: {sum(self.operations.values())} ({ops})",
            f"replies held until their author confirmed: {self.held_replies}",
            f"thread heads per case: {sorted(self.heads_per_case.values())}; "
            f"notices: {self.notices}",
            f"inputs expected: {self.expected_inputs} recorded + "
            f"{self.expected_withdrawn} withdrawn; in the database: {self.recorded} recorded + "
            f"{self.withdrawn} withdrawn",
            f"in the minutes exactly once: {self.in_minutes_once} of {self.expected_inputs}",
            f"missing/wrong/extra in the database: {len(self.missing_in_database)}/"
            f"{len(self.wrong_in_database)}/{len(self.extra_in_database)}",
            f"missing/repeated/stale in the minutes: {len(self.missing_in_minutes)}/"
            f"{len(self.repeated_in_minutes)}/{len(self.stale_in_minutes)}",
            f"authors told why a message is not an answer: {self.authors_told} "
            f"(expected at least {self.authors_to_tell})",
            f"failures injected: {dict(sorted(self.failures_injected.items()))}; "
            f"events Slack sent again: {self.slack_retries}",
            f"slowest ack: {self.slowest_ack * 1000:.0f} ms; "
            f"problems Slack would have shown: {len(self.problems)}",
            f"seconds: {self.seconds:.1f}",
            "OK: every reply is in the minutes exactly once" if self.ok else "FAILED",
        ]
        return "\n".join(lines)


class _Member(threading.Thread):
    """One member answering, in their own thread, as fast as the bot lets them."""

    def __init__(self, soak: _Soak, user: str, plan: list[tuple[str, int]], ack_at: int) -> None:
        super().__init__(name=f"member-{user}", daemon=True)
        self.soak, self.user, self.plan, self.ack_at = soak, user, plan, ack_at
        self.rng = random.Random(f"{soak.settings.seed}:{user}")
        self.sent: list[Sent] = []
        self.confirmed = False
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            # A member reaches the case threads only by confirming the notice, which brings
            # them into the meeting's own channel (issue 11): no reply comes before it.
            self._ack()
            for what, case in self.plan:
                self._do(what, case)
        except BaseException as error:  # reported by the soak
            self.error = error

    def _ack(self) -> None:
        ws = self.soak.ws
        if self.rng.random() < 0.5:
            # Not ws.command: other answers to this member (about earlier replies) may come
            # first; wait for the one about the confirmation.
            before = len(ws.server.ephemerals(self.user))
            ws.slack.slash_command(self.user, CHANNEL, "/shien", "ack")
            ws.wait_until(
                lambda: any(
                    "確認" in str(e.get("text")) for e in ws.server.ephemerals(self.user)[before:]
                ),
                timeout=60,
            )
        else:
            dm = ws.server.dm_channel_id(self.user)
            button = ws.wait_until(
                lambda: next(
                    (
                        str(m["ts"])
                        for m in ws.server.messages(dm)
                        if ACK_ACTION in str(m.get("blocks"))
                    ),
                    None,
                ),
                timeout=60,
            )
            ws.slack.click_button(self.user, dm, button, ACK_ACTION)
        room = self.soak.room()
        ws.wait_until(lambda: self.user in ws.server.channel(room).members, timeout=60)
        self.confirmed = True

    def _do(self, what: str, case: int) -> None:
        slack = self.soak.ws.slack
        own = [m for m in self.sent if not m.deleted]
        if what in ("edit", "preview", "delete") and not own:
            what = "reply"
        if what == "edit":
            message = self.rng.choice(own)
            text = self.soak.marker()
            slack.user_edits(self.soak.room(), message.ts, text)
            message.text = text
            message.versions.append(text)
        elif what == "preview":
            message = self.rng.choice(own)
            slack.link_preview(self.soak.room(), message.ts, "https://example.jp/soak")
        elif what == "delete":
            message = self.rng.choice(own)
            slack.user_deletes(self.soak.room(), message.ts)
            message.deleted = True
        else:
            thread = (
                self.soak.wait_for_notice()
                if what == "other_thread"
                else self.soak.wait_for_head(case)
            )
            text = "" if what == "file_only" else self.soak.marker()
            files = ["kiroku.pdf"] if what in ("file_only", "reply_with_files") else []
            ts = slack.user_posts(self.user, self.soak.room(), text, thread_ts=thread, files=files)
            held = not self.confirmed and what != "other_thread"
            self.sent.append(
                Sent(ts, self.user, what, thread, text, [text] if text else [], held=held)
            )
        self.soak.count(what)


class _Soak:
    def __init__(self, settings: SoakSettings, ws: LocalWorkspace) -> None:
        self.settings = settings
        self.ws = ws
        self.rng = random.Random(settings.seed)
        self._lock = threading.Lock()
        self._markers = 0
        self.operations: Counter[str] = Counter()
        self.codes: list[str] = []
        self.members: dict[str, list[str]] = {}

    def marker(self) -> str:
        """A unique text (no digits that look like a phone number or a postal code)."""
        with self._lock:
            self._markers += 1
            return f"〔soak{self._markers}〕の入力"

    def count(self, what: str) -> None:
        with self._lock:
            self.operations[what] += 1

    def wait_for_head(self, case: int) -> str:
        code = self.codes[case]
        return str(self.ws.wait_until(lambda: self._message_ts(f"事例 {code}"), timeout=60))

    def wait_for_notice(self) -> str:
        return str(self.ws.wait_until(lambda: self._message_ts("守秘義務"), timeout=60))

    def room(self) -> str:
        """The meeting's own private channel, where the notice and the threads are."""
        created = self.ws.wait_until(self.ws.server.channels_created_by_bot, timeout=60)
        return str(created[-1].id)

    def _message_ts(self, words: str) -> str | None:
        created = self.ws.server.channels_created_by_bot()
        if not created:
            return None
        for message in self.ws.server.messages(created[-1].id):
            if message.get("bot_id") and words in str(message.get("text", "")):
                return str(message["ts"])
        return None

    # ------------------------------------------------------------------ the cycle

    def set_up(self) -> date:
        ws = self.ws
        server = ws.server
        server.add_user(COORDINATOR, "事務局 架空花子")
        people = [COORDINATOR]
        for key in AGENCIES:
            self.members[key] = []
            for n in range(1, self.settings.members_per_agency + 1):
                user = f"U0{key.upper()}{n}"
                server.add_user(user, f"{key} 架空{n}")
                self.members[key].append(user)
                people.append(user)
        server.add_channel(CHANNEL, "kaigi-soak", members=[*people, server.bot_user_id])
        self._expect(ws.command(COORDINATOR, CHANNEL, "setup"), "会議チャンネルに設定")
        for key, name in AGENCIES.items():
            mentions = " ".join(f"<@{u}>" for u in self.members[key])
            self._expect(
                ws.command(COORDINATOR, CHANNEL, f"agency add {key} {name} {mentions}"),
                "登録しました",
            )
        day = JapaneseCalendar().next_working_day(date.today() + timedelta(days=7))
        self._expect(ws.command(COORDINATOR, CHANNEL, f"adhoc {day} 14:00"), "会議を登録しました")
        for _ in range(self.settings.cases):
            answer = ws.command(COORDINATOR, CHANNEL, "case new " + " ".join(AGENCIES))
            self._expect(answer, "を登録しました")
            code = answer.split("事例 ", 1)[1].split(" ", 1)[0]
            self._expect(ws.command(COORDINATOR, CHANNEL, f"agenda add {code}"), "議題に追加")
            self.codes.append(code)
        return day

    def open_raced(self, day: date) -> threading.Thread:
        """The scheduler's opening, paced, with ``/shien open`` typed right after it began."""
        runtime = self.ws.runtime
        assert runtime is not None
        with runtime.database.unit_of_work() as uow:
            meeting = uow.meetings.on_date(CHANNEL, day)
            assert meeting is not None
        paced = replace(
            runtime.context, chat=PacedChat(runtime.context.chat, Pacer(self.settings.pace))
        )
        job = threading.Thread(target=scheduled.open_due, args=(paced, meeting.id), daemon=True)
        job.start()
        time.sleep(self.settings.pace * 2)
        self._expect(self.ws.command(COORDINATOR, CHANNEL, "open"), "情報収集")
        return job

    def plans(self) -> list[_Member]:
        users = [u for members in self.members.values() for u in members]
        kinds, weights = list(MIX), list(MIX.values())
        members = []
        for index, user in enumerate(users):
            share = self.settings.operations // len(users)
            if index < self.settings.operations % len(users):
                share += 1
            plan = [
                (self.rng.choices(kinds, weights)[0], self.rng.randrange(self.settings.cases))
                for _ in range(share)
            ]
            # Half confirm the notice first; the others after a third of their messages.
            ack_at = 0 if index % 2 == 0 else max(1, share // 3)
            members.append(_Member(self, user, plan, ack_at))
        return members

    @staticmethod
    def _expect(answer: str, words: str) -> None:
        if words not in answer:
            raise AssertionError(f"expected {words!r}, the bot answered: {answer}")


def run_soak(settings: SoakSettings | None = None, database_url: str | None = None) -> SoakReport:
    """Run one soak (a throwaway SQLite database unless ``database_url``)."""
    settings = settings or SoakSettings()
    with tempfile.TemporaryDirectory(prefix="shien-soak-") as tmp:
        url = database_url or f"sqlite:///{Path(tmp) / 'soak.sqlite3'}"
        with LocalWorkspace(url, coordinators=(COORDINATOR,)) as ws:
            return _run(settings, ws)


def _run(settings: SoakSettings, ws: LocalWorkspace) -> SoakReport:
    started = time.monotonic()
    soak = _Soak(settings, ws)
    day = soak.set_up()
    assert ws.runtime is not None
    gateway = ws.runtime.context.chat
    assert isinstance(gateway, SlackGateway)
    gateway.user_cache_seconds = 0  # every reply asks Slack about its author
    for method, kind, seed in (
        ("users.info", settings.users_info_failure, settings.seed),
        ("chat.update", settings.chat_update_failure, settings.seed + 1),
    ):
        ws.server.inject_failure(
            method, kind, times=None, fraction=settings.failure_fraction, seed=seed
        )
    members = soak.plans()
    opening = soak.open_raced(day)
    for member in members:  # replies start while the heads are still being posted
        member.start()
    for member in members:
        member.join(timeout=600)
    opening.join(timeout=60)
    errors = [m.error for m in members if m.error is not None]
    if errors:
        raise errors[0]
    ws.settle(timeout=120)
    ws.server.clear_failures()  # the minutes are fetched from a calm Slack
    report = SoakReport(operations=soak.operations)
    sent = [message for member in members for message in member.sent]
    _compare(ws, soak, day, sent, report)
    report.failures_injected = dict(ws.server.failures_injected)
    report.slack_retries = ws.slack.retries_sent
    report.slowest_ack = max((r.latency for r in ws.slack.responses), default=0.0)
    report.problems = list(ws.server.problems)
    report.seconds = time.monotonic() - started
    return report


def _compare(
    ws: LocalWorkspace, soak: _Soak, day: date, sent: list[Sent], report: SoakReport
) -> None:
    runtime = ws.runtime
    assert runtime is not None
    # One head per case, one notice.
    bot_posts = [m for m in ws.server.messages(soak.room()) if m.get("bot_id")]
    report.heads_per_case = {
        code: sum(f"事例 {code}" in str(m.get("text", "")) for m in bot_posts)
        for code in soak.codes
    }
    report.notices = sum("守秘義務" in str(m.get("text", "")) for m in bot_posts)
    # The database against what was sent.
    with runtime.database.unit_of_work() as uow:
        meeting = uow.meetings.on_date(CHANNEL, day)
        assert meeting is not None
        stored: dict[str, AgencyInput] = {
            i.source_ref: i
            for i in uow.inputs.for_meeting(meeting.id)
            if i.source is InputSource.THREAD
        }
    expected = {f"{soak.room()}:{m.ts}": m for m in sent if m.answers}
    report.held_replies = sum(m.held for m in expected.values())
    for ref, message in expected.items():
        state = InputState.WITHDRAWN if message.deleted else InputState.RECORDED
        if message.deleted:
            report.expected_withdrawn += 1
        else:
            report.expected_inputs += 1
        found = stored.get(ref)
        if found is None:
            # A reply deleted while Slack was still resending it is rightly never recorded.
            if not message.deleted:
                report.missing_in_database.append(ref)
            continue
        if found.state is not state or (not message.deleted and found.text != message.text):
            report.wrong_in_database.append(ref)
    report.extra_in_database = sorted(set(stored) - set(expected))
    report.recorded = sum(i.state is InputState.RECORDED for i in stored.values())
    report.withdrawn = sum(i.state is InputState.WITHDRAWN for i in stored.values())
    # The minutes, as the coordinator gets them.
    before = len(ws.server.files_shared_with(COORDINATOR))
    soak._expect(ws.command(COORDINATOR, CHANNEL, f"minutes {day}"), "議事録")
    files = ws.wait_until(
        lambda: (f := ws.server.files_shared_with(COORDINATOR)) and len(f) > before and f,
        timeout=60,
    )
    minutes = _docx_text(files[-1].bytes)
    for message in sent:
        current = message.text if message.answers and not message.deleted else None
        for version in message.versions:
            seen = minutes.count(version)
            if version == current:
                if seen == 1:
                    report.in_minutes_once += 1
                elif seen == 0:
                    report.missing_in_minutes.append(version)
                else:
                    report.repeated_in_minutes.append(version)
            elif seen:
                report.stale_in_minutes.append(version)
    # Messages that are not answers: their authors were told, in the thread.
    to_tell: Counter[tuple[str, str]] = Counter()
    for message in sent:
        # Those that stayed what they were: one deleted, or written out as text, before its
        # own event was handled rightly tells nobody anything.
        stayed = message.kind == "other_thread" or not message.text
        if message.kind in ("other_thread", "file_only") and not message.deleted and stayed:
            to_tell[(message.user, message.thread_ts)] += 1
    report.authors_to_tell = sum(to_tell.values())
    told = 0
    for (user, thread_ts), wanted in to_tell.items():
        answers = [
            e
            for e in ws.server.ephemerals(user, soak.room())
            if e.get("thread_ts") == thread_ts
            and ("事例のスレッドではない" in str(e) or "添付ファイルだけ" in str(e))
        ]
        told += min(wanted, len(answers))
    report.authors_told = told


def _docx_text(data: bytes) -> str:
    """Every paragraph and table cell once (python-docx lists a merged cell once per column
    it spans, which would count its text twice)."""
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    seen: set[Any] = set()  # the cells' XML elements (kept alive, so compared by identity)
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                if cell._tc not in seen:
                    seen.add(cell._tc)
                    parts.append(cell.text)
    return "\n".join(parts)


def main(argv: list[str] | None = None, run: Callable[..., SoakReport] = run_soak) -> int:
    """``benchmarks/soak_lost_input.py``: run a soak and print its counts."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--operations", type=int, default=500)
    parser.add_argument("--cases", type=int, default=10)
    parser.add_argument("--fraction", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)
    settings = SoakSettings(
        operations=args.operations,
        cases=args.cases,
        failure_fraction=args.fraction,
        seed=args.seed,
    )
    report: Any = run(settings, args.database_url)
    print(report.render())
    return 0 if report.ok else 1

"""The real bot (``bot.bootstrap_teams``) on a local port, against Teams' side: the Agents
Playground when it is installed (``use_playground``), else our own connector alone. Either
way :mod:`teamslocal.connector` provides the OneDrive upload sessions of file consent.

``TeamsHarness`` delivers activities as people of 架空市 (``command``, ``act``,
``accept_file``…), waits until the bot has handled them and finished its background work
(``settle``), and reads back what the bot sent to each person's 1:1 chat.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from bot.bootstrap_teams import TeamsRuntime, build_teams_runtime
from bot.settings import load_settings
from teamslocal import activities
from teamslocal.connector import LocalConnector, Recorded
from teamslocal.playground import Playground
from teamslocal.roster import CHANNEL_ID, COORDINATOR, TENANT_ID, Person


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class TrackingExecutor(ThreadPoolExecutor):
    """A pool that can say when all the work handed to it is done."""

    def __init__(self) -> None:
        super().__init__(max_workers=8, thread_name_prefix="shien-teams")
        self._pending = 0
        self._idle = threading.Condition()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._idle:
            self._pending += 1

        def run() -> Any:
            try:
                return fn(*args, **kwargs)
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

        return super().submit(run)

    def wait_idle(self, timeout: float) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)


@dataclass
class Card:
    """A message the bot sent to a 1:1 chat, as it reads now (after any updates)."""

    conversation_id: str
    activity_id: str
    body: dict[str, Any]

    @property
    def text(self) -> str:
        return card_text(self.body)

    @property
    def content(self) -> dict[str, Any] | None:
        for attachment in self.body.get("attachments") or []:
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
                return dict(attachment.get("content") or {})
        return None

    def attachment(self, content_type: str) -> dict[str, Any] | None:
        for attachment in self.body.get("attachments") or []:
            if attachment.get("contentType") == content_type:
                return dict(attachment)
        return None

    def action(self, verb: str) -> dict[str, Any] | None:
        for action in (self.content or {}).get("actions") or []:
            if action.get("verb") == verb:
                return dict(action)
        return None


def _input_values(node: Any) -> dict[str, Any]:
    """The ``value`` of every ``Input.*`` element of a card that has one."""
    found: dict[str, Any] = {}
    if isinstance(node, dict):
        if str(node.get("type", "")).startswith("Input.") and "id" in node and "value" in node:
            found[str(node["id"])] = node["value"]
        for value in node.values():
            found.update(_input_values(value))
    elif isinstance(node, list):
        for value in node:
            found.update(_input_values(value))
    return found


def card_text(body: dict[str, Any]) -> str:
    """Every word of an activity: its text and its card's text runs, labels and actions."""
    words = [str(body.get("text") or "")]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key in ("text", "title", "label", "value", "description", "name"):
                if isinstance(node.get(key), str):
                    words.append(node[key])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(body.get("attachments") or [])
    return "\n".join(w for w in words if w)


class TeamsHarness:
    """Start with :meth:`start` (or as a context manager)."""

    def __init__(
        self, folder: Path, *, use_playground: bool, clock: Callable[[], datetime]
    ) -> None:
        self.folder = folder
        self.use_playground = use_playground
        self.clock = clock
        self.connector = LocalConnector()
        self.playground: Playground | None = None
        self.runtime: TeamsRuntime | None = None
        self.executor = TrackingExecutor()
        self._server: uvicorn.Server | None = None
        self._delivered = 0
        self._handled = 0
        self._lock = threading.Lock()
        self._http = httpx.Client(timeout=15)

    # ------------------------------------------------------------------ life

    def __enter__(self) -> TeamsHarness:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def service_url(self) -> str:
        return self.playground.service_url if self.playground else self.connector.service_url

    def start(self) -> TeamsHarness:
        self.connector.start()
        bot_port = free_port()
        endpoint = f"http://127.0.0.1:{bot_port}/api/messages"
        if self.use_playground:
            self.playground = Playground(self.folder, free_port(), endpoint)
        settings = load_settings(
            SHIEN_DATA_DIR=str(self.folder / "data"),
            SHIEN_TEAMS_ALLOW_UNAUTHENTICATED=True,
            TEAMS_TENANT_ID=TENANT_ID,
            TEAMS_SERVICE_URL=self.service_url,
            SHIEN_COORDINATORS=COORDINATOR.user_id,
            SHIEN_MUNICIPALITY="架空市",
            TEAMS_BOT_NAME="shienbot",
        )
        self.runtime = build_teams_runtime(settings, clock=self.clock, background=self.executor)
        handle = self.runtime.bot.handle

        def counted(activity: dict[str, Any]) -> dict[str, Any]:
            try:
                return handle(activity)
            finally:
                with self._lock:
                    self._handled += 1

        self.runtime.bot.handle = counted  # type: ignore[method-assign]
        config = uvicorn.Config(
            self.runtime.asgi, host="127.0.0.1", port=bot_port, lifespan="off", log_level="warning"
        )
        self._server = uvicorn.Server(config)
        threading.Thread(target=self._server.run, daemon=True).start()
        deadline = time.monotonic() + 20
        while not self._server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        self.endpoint = endpoint
        if self.playground is not None:
            self.playground.start()
        return self

    def stop(self) -> None:
        if self.playground is not None:
            self.playground.stop()
        if self._server is not None:
            self._server.should_exit = True
        self.executor.shutdown(wait=True)
        if self.runtime is not None:
            self.runtime.close()
        self.connector.stop()
        self._http.close()

    # ------------------------------------------------------------------ delivering

    def deliver(self, activity: dict[str, Any], conversation_id: str) -> dict[str, Any] | None:
        """Send ``activity`` to the bot as Teams would. Returns the bot's answer when it went
        straight to the bot (without the playground)."""
        with self._lock:
            self._delivered += 1
        if self.playground is not None:
            self.playground.custom_activity(conversation_id, activity)
            return None
        response = self._http.post(self.endpoint, json=activity)
        return dict(response.json()) if response.content else {"status": response.status_code}

    def settle(self, timeout: float = 30.0) -> None:
        """Wait until the bot has received every activity delivered and finished its work."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                handled = self._handled >= self._delivered
            if handled and self.executor.wait_idle(timeout=0.5):
                before = len(self.recorded())
                time.sleep(0.25 if self.playground else 0.05)
                with self._lock:
                    again = self._handled >= self._delivered
                if again and self.executor.wait_idle(0) and len(self.recorded()) == before:
                    return
            else:
                time.sleep(0.05)
        raise TimeoutError("the bot did not finish in time")

    def command(self, person: Person, text: str, *mentions: Person) -> None:
        """``@shienbot <text> @someone…`` in the team's meeting channel."""
        if self.playground is not None and person == COORDINATOR:
            # The current user types it, through the playground's own client route.
            said = " ".join(["<at>shienbot</at>", text, *(f"<at>{p.name}</at>" for p in mentions)])
            entities = [
                {"mentioned": {"id": self._bot_id()}, "text": "<at>shienbot</at>"},
                *(
                    {"mentioned": {"id": p.teams_id}, "text": f"<at>{p.name}</at>"}
                    for p in mentions
                ),
            ]
            with self._lock:
                self._delivered += 1
            self.playground.type_message(CHANNEL_ID, person.teams_id, said, entities)
        else:
            self.deliver(
                activities.channel_message(
                    person,
                    text,
                    self.service_url,
                    mentions=mentions,
                    thread=self.playground is None,  # the playground knows only its own
                ),
                CHANNEL_ID,
            )
        self.settle()

    @staticmethod
    def _bot_id() -> str:
        from teamslocal.roster import BOT_ID

        return BOT_ID

    def personal_message(self, person: Person, text: str) -> None:
        conversation = self.conversation_of(person)
        assert conversation is not None, f"{person.key} has no 1:1 chat with the bot yet"
        self.deliver(
            activities.personal_message(person, conversation, text, self.service_url), conversation
        )
        self.settle()

    def act(self, person: Person, card: Card, verb: str, data: dict[str, Any]) -> None:
        """``Action.Execute`` on ``card`` by ``person``. As a Teams client does, the card's
        inputs are submitted with their values as shown (pre-filled ones included), and
        ``data`` holds what the person changed."""
        shown = _input_values(card.content or {})
        self.deliver(
            activities.card_action(
                person,
                card.conversation_id,
                card.activity_id,
                verb,
                {**shown, **data},
                self.service_url,
            ),
            card.conversation_id,
        )
        self.settle()

    def answer_file(self, person: Person, card: Card, *, accept: bool) -> dict[str, Any] | None:
        """Accept (with an upload session of our connector) or decline a FileConsentCard.
        Returns the upload session when accepted."""
        consent = card.attachment("application/vnd.microsoft.teams.card.file.consent")
        assert consent is not None
        content = consent.get("content") or {}
        session = self.connector.upload_session(str(consent.get("name"))) if accept else None
        context = content.get("acceptContext" if accept else "declineContext") or {}
        self.deliver(
            activities.file_consent(
                person,
                card.conversation_id,
                card.activity_id,
                "accept" if accept else "decline",
                context,
                session,
                self.service_url,
            ),
            card.conversation_id,
        )
        self.settle()
        return session

    # ------------------------------------------------------------------ reading

    def recorded(self) -> list[Recorded]:
        if self.playground is not None:
            return self.playground.recorded()
        with self.connector._lock:
            return list(self.connector.recorded)

    def conversations(self) -> dict[str, str]:
        """Each person's 1:1 conversation with the bot (by 29:… id), as the bot created it."""
        found: dict[str, str] = {}
        for call in self.recorded():
            if call.method == "POST" and not call.conversation_id and call.body.get("created"):
                member = (call.body.get("members") or [{}])[0].get("id")
                if member:
                    found[str(member)] = str(call.body["created"])
        return found

    def conversation_of(self, person: Person) -> str | None:
        return self.conversations().get(person.teams_id)

    def personal_conversations(self) -> set[str]:
        return set(self.conversations().values())

    def messages(self, person: Person) -> list[Card]:
        """What ``person``'s 1:1 chat holds now, oldest first (each as last updated)."""
        conversation = self.conversation_of(person)
        shown: dict[str, Card] = {}
        for call in self.recorded():
            if call.conversation_id != conversation or conversation is None:
                continue
            if call.method == "POST" or (call.method == "PUT" and call.activity_id in shown):
                shown[call.activity_id] = Card(conversation, call.activity_id, call.body)
        return list(shown.values())

    def texts(self, person: Person) -> list[str]:
        return [m.text for m in self.messages(person)]

    def last_text(self, person: Person) -> str:
        texts = self.texts(person)
        return texts[-1] if texts else ""

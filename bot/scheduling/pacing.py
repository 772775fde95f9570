"""Pacing of scheduled sends: about one post per second per conversation.

Slack allows ``chat.postMessage`` about once per second per channel (short bursts
tolerated). Scheduled work (a collection opening with many case threads, a burst of
reminders) runs in the scheduler's threads, never in a request's ack, so it can simply wait
its turn here; a 429 that still happens is retried by slack_sdk's
``RateLimitErrorRetryHandler`` with ``Retry-After``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from bot.domain.model import ChannelFacts
from bot.services.chat import ChatGateway, FileToSend, Form, Message, MessageRef


class Pacer:
    """Spaces calls per key at least ``interval`` seconds apart, in order of arrival.

    Args:
        interval: Seconds between two calls with the same key.
        clock: Monotonic seconds.
        sleep: How to wait (tests record instead of sleeping).
    """

    def __init__(
        self,
        interval: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = interval
        self._clock = clock
        self._sleep = sleep
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, key: str) -> float:
        """Block until ``key`` may be used again; returns the seconds waited."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next.get(key, now))
            self._next[key] = slot + self.interval
            if len(self._next) > 10_000:  # forget conversations that are idle anyway
                self._next = {k: t for k, t in self._next.items() if t > now}
        delay = slot - now
        if delay > 0:
            self._sleep(delay)
        return max(delay, 0.0)


class PacedChat:
    """A ``ChatGateway`` whose posts wait for their conversation's turn (see ``Pacer``)."""

    def __init__(self, inner: ChatGateway, pacer: Pacer | None = None) -> None:
        self.inner = inner
        self.pacer = pacer or Pacer()

    def post(
        self, channel_id: str, message: Message, *, thread: MessageRef | None = None
    ) -> MessageRef:
        self.pacer.wait(channel_id)
        return self.inner.post(channel_id, message, thread=thread)

    def update(self, ref: MessageRef, message: Message) -> None:
        self.pacer.wait(ref.channel_id)
        self.inner.update(ref, message)

    def post_ephemeral(
        self,
        channel_id: str,
        user_id: str,
        message: Message,
        *,
        thread: MessageRef | None = None,
    ) -> None:
        self.pacer.wait(channel_id)
        self.inner.post_ephemeral(channel_id, user_id, message, thread=thread)

    def send_direct(self, user_id: str, message: Message) -> MessageRef:
        self.pacer.wait(f"dm:{user_id}")
        return self.inner.send_direct(user_id, message)

    def send_file(self, user_id: str, file: FileToSend, comment: str) -> None:
        self.pacer.wait(f"dm:{user_id}")
        self.inner.send_file(user_id, file, comment)

    def add_reaction(self, ref: MessageRef, name: str) -> None:
        self.inner.add_reaction(ref, name)

    def channel_facts(self, channel_id: str) -> ChannelFacts:
        return self.inner.channel_facts(channel_id)

    def user_is_active(self, user_id: str) -> bool:
        return self.inner.user_is_active(user_id)

    def display_name(self, user_id: str) -> str:
        return self.inner.display_name(user_id)

    def open_form(self, interaction_ref: str, form: Form) -> None:
        self.inner.open_form(interaction_ref, form)

    # Managing a meeting's channel is rare (a few calls per meeting): not paced.

    def create_private_channel(self, name: str) -> str:
        return self.inner.create_private_channel(name)

    def set_topic(self, channel_id: str, topic: str) -> None:
        self.inner.set_topic(channel_id, topic)

    def invite(self, channel_id: str, user_id: str) -> None:
        self.inner.invite(channel_id, user_id)

    def kick(self, channel_id: str, user_id: str) -> None:
        self.inner.kick(channel_id, user_id)

    def archive(self, channel_id: str) -> None:
        self.inner.archive(channel_id)


def _conforms(chat: PacedChat) -> ChatGateway:
    """Never called: mypy checks here that PacedChat implements the port."""
    return chat

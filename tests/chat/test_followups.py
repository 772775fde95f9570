"""Follow-ups: work done after the ack, retried when the chat platform refuses it."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from fakes.context import fake_context

from bot.chat.followups import FollowUps
from bot.services.chat import ChatUnavailable
from bot.services.context import ServiceContext


def _wait(followups: FollowUps) -> None:
    deadline = time.monotonic() + 5
    while not followups.idle:
        assert time.monotonic() < deadline, "follow-ups still running"
        time.sleep(0.01)


def test_refused_work_is_tried_again_and_permanent_refusals_are_not() -> None:
    fakes = fake_context()
    attempts = {"transient": 0, "permanent": 0, "nested": 0}

    def transient(ctx: ServiceContext) -> None:
        attempts["transient"] += 1
        if attempts["transient"] < 3:
            raise ChatUnavailable("chat.update: ratelimited", "ratelimited")

    def permanent(ctx: ServiceContext) -> None:
        attempts["permanent"] += 1
        raise ChatUnavailable("reactions.add: message_not_found", "x", transient=False)

    def outer(ctx: ServiceContext) -> None:
        # A follow-up's own follow-ups are retried on their own: the outer one is done.
        ctx.later("nested", lambda c: attempts.__setitem__("nested", attempts["nested"] + 1))

    with ThreadPoolExecutor(max_workers=2) as pool:
        followups = FollowUps(fakes.ctx, pool, delays=(0.01, 0.01, 0.01))
        followups.submit("transient", transient)
        followups.submit("permanent", permanent)
        followups.submit("outer", outer)
        _wait(followups)
    assert attempts == {"transient": 3, "permanent": 1, "nested": 1}


def test_work_is_given_up_after_the_last_delay() -> None:
    fakes = fake_context()
    attempts = []

    def never(ctx: ServiceContext) -> None:
        attempts.append(1)
        raise ChatUnavailable("chat.postEphemeral: network", "network")

    with ThreadPoolExecutor(max_workers=1) as pool:
        followups = FollowUps(fakes.ctx, pool, delays=(0.01, 0.01))
        followups.submit("never", never)
        _wait(followups)
    assert len(attempts) == 3

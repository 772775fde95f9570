"""The gateway keeps what Slack already told it, and only that: DM channels found by posting
to a user, user facts for a bounded time, never a failure taken for an answer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.chat.slack.gateway import SlackGateway, make_client
from bot.services.chat import ChatUnavailable, FileToSend, Message, Paragraph
from localslack import LocalSlackServer

USER = "U0HOUKATSU"


@pytest.fixture
def slack() -> Iterator[LocalSlackServer]:
    with LocalSlackServer() as server:
        server.add_user(USER, "包括 架空一郎")
        yield server


def _gateway(slack: LocalSlackServer) -> SlackGateway:
    return SlackGateway(make_client(slack.bot_token, slack.api_url), slack.bot_user_id)


def test_dms_need_no_conversations_open_and_files_reuse_the_channel(
    slack: LocalSlackServer,
) -> None:
    gateway = _gateway(slack)
    message = Message("お知らせ", (Paragraph("お知らせ"),))
    first = gateway.send_direct(USER, message)
    second = gateway.send_direct(USER, message)
    assert first.channel_id == second.channel_id == slack.dm_channel_id(USER)
    gateway.send_file(USER, FileToSend("a.docx", b"PK", "議事録"), "議事録です")
    assert slack.api_call_count("conversations.open") == 0
    assert len(slack.dms(USER)) == 3


def test_a_failed_users_info_is_not_remembered_as_deactivated(slack: LocalSlackServer) -> None:
    gateway = _gateway(slack)
    slack.inject_failure("users.info", "fatal_error", times=1)
    with pytest.raises(ChatUnavailable):  # not an answer: the caller retries or defers
        gateway.user_is_active(USER)
    assert gateway.user_is_active(USER) is True  # the next one asks Slack again
    assert gateway.user_is_active(USER) is True  # and that real answer is kept
    assert slack.api_call_count("users.info") == 2

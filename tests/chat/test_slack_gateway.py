"""The Slack gateway against the local workspace: whatever slack_sdk or urllib raises becomes
the bot's own ``ChatUnavailable``, and a failed question about a user is never taken for an
answer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.chat.slack.gateway import SlackGateway, make_client
from bot.services.chat import ChatUnavailable, FileToSend, Message
from localslack.manifest import manifest_scopes
from localslack.server import UPLOAD, LocalSlackServer

ALICE, BOB = "U0ALICE", "U0BOB"
KAIGI = "C0KAIGI01"


@pytest.fixture
def server() -> Iterator[LocalSlackServer]:
    with LocalSlackServer(scopes=manifest_scopes()) as server:
        server.add_user(ALICE, "alice")
        server.add_user(BOB, "bob")
        server.add_channel(KAIGI, "kaigi-01", members=[ALICE, BOB, server.bot_user_id])
        yield server


@pytest.fixture
def gateway(server: LocalSlackServer) -> SlackGateway:
    return SlackGateway(make_client(server.bot_token, server.api_url), server.bot_user_id)


# --------------------------------------------------------------------------- users.info


@pytest.mark.parametrize("kind", ["invalid_auth", "fatal_error", "network", "server_error"])
def test_a_failed_users_info_is_not_an_answer(
    server: LocalSlackServer, gateway: SlackGateway, kind: str
) -> None:
    # More failures than slack_sdk's own retries absorb (dropped connections and 5xx answers
    # are retried twice; Slack's error codes are answers and not retried).
    server.inject_failure("users.info", kind, times=3 if kind in ("network", "server_error") else 1)
    with pytest.raises(ChatUnavailable):
        gateway.user_is_active(ALICE)
    # Nothing was cached: the next question is asked again, and answered.
    assert gateway.user_is_active(ALICE) is True


def test_a_deactivated_or_unknown_account_is_a_real_answer(
    server: LocalSlackServer, gateway: SlackGateway
) -> None:
    server.deactivate_user(BOB)
    assert gateway.user_is_active(BOB) is False
    assert gateway.user_is_active("U0NOBODY") is False
    calls = server.api_call_count("users.info")
    assert gateway.user_is_active(BOB) is False  # cached: no second question
    assert server.api_call_count("users.info") == calls


def test_a_display_name_falls_back_to_the_id_without_caching_the_failure(
    server: LocalSlackServer, gateway: SlackGateway
) -> None:
    server.inject_failure("users.info", "invalid_auth")
    assert gateway.display_name(ALICE) == ALICE
    assert gateway.display_name(ALICE) == "alice"


# --------------------------------------------------------------------------- every other call


@pytest.mark.parametrize("kind", ["server_error", "network", "invalid_auth"])
def test_a_failed_upload_is_chat_unavailable(
    server: LocalSlackServer, gateway: SlackGateway, kind: str
) -> None:
    # slack_sdk's upload step POSTs the bytes with urllib: HTTPError, URLError or a dropped
    # connection, never SlackApiError.
    server.inject_failure(
        UPLOAD if kind != "invalid_auth" else "files.completeUploadExternal", kind
    )
    with pytest.raises(ChatUnavailable):
        gateway.send_file(ALICE, FileToSend("a.docx", b"data", "title"), "comment")
    assert server.files_shared_with(ALICE) == []
    gateway.send_file(ALICE, FileToSend("a.docx", b"data", "title"), "comment")
    assert len(server.files_shared_with(ALICE)) == 1


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        ("server_error", "service_unavailable"),
        ("network", "network"),
        ("missing_scope", "missing_scope"),
        ("is_archived", "is_archived"),
    ],
)
def test_a_failed_post_is_chat_unavailable_with_slacks_code(
    server: LocalSlackServer, gateway: SlackGateway, kind: str, code: str
) -> None:
    server.inject_failure("chat.postMessage", kind, times=3)
    with pytest.raises(ChatUnavailable) as caught:
        gateway.post(KAIGI, Message("text"))
    assert caught.value.code == code


def test_an_unreachable_workspace_is_chat_unavailable(server: LocalSlackServer) -> None:
    client = make_client(server.bot_token, "http://127.0.0.1:9/api/")
    gateway = SlackGateway(client, server.bot_user_id)
    with pytest.raises(ChatUnavailable) as caught:
        gateway.user_is_active(ALICE)
    assert caught.value.code == "network"


# --------------------------------------------------------------------------- conversations


def test_a_direct_message_is_known_without_reading_it(
    server: LocalSlackServer, gateway: SlackGateway
) -> None:
    calls = server.api_call_count()
    facts = gateway.channel_facts(server.dm_channel_id(ALICE))
    assert facts.is_direct and server.api_call_count() == calls


def test_a_group_dm_is_known_by_the_scope_slack_says_it_needs(
    server: LocalSlackServer, gateway: SlackGateway
) -> None:
    server.add_channel("C0MPIM01", "mpdm-alice--bob-1", is_mpim=True, members=[ALICE, BOB])
    assert gateway.channel_facts("C0MPIM01").is_direct


def test_a_private_channel_is_read(server: LocalSlackServer, gateway: SlackGateway) -> None:
    facts = gateway.channel_facts(KAIGI)
    assert facts.is_private and not facts.is_direct
    assert facts.member_ids == {ALICE, BOB}

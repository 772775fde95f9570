"""Activities as Teams sends them to a bot (the shapes of Bot Framework's schema and of
what the Agents Playground forwards), for the people of :mod:`teamslocal.roster`."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime
from typing import Any

from teamslocal.roster import BOT_ID, BOT_NAME, CHANNEL_ID, TEAM_ID, TENANT_ID, Person

_ids = itertools.count(1)


def _base(person: Person, conversation: dict[str, Any], service_url: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "timestamp": datetime.now(UTC).isoformat(),
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": person.teams_id, "name": person.name, "aadObjectId": person.aad},
        "recipient": {"id": BOT_ID, "name": BOT_NAME},
        "conversation": {"tenantId": TENANT_ID, **conversation},
        "channelData": {"tenant": {"id": TENANT_ID}},
        "locale": "ja-JP",
    }


def personal(conversation_id: str) -> dict[str, Any]:
    return {"id": conversation_id, "conversationType": "personal"}


def mention_entity(person: Person | None) -> dict[str, Any]:
    """``<at>Name</at>`` of a person, or of the bot (None)."""
    name = person.name if person else BOT_NAME
    return {
        "type": "mention",
        "mentioned": {"id": person.teams_id if person else BOT_ID, "name": name},
        "text": f"<at>{name}</at>",
    }


def channel_message(
    person: Person,
    text: str,
    service_url: str,
    *,
    mentions: tuple[Person, ...] = (),
    thread: bool = True,
) -> dict[str, Any]:
    """``@shienbot <text> <at>someone</at>…`` typed in the team's meeting channel."""
    body = " ".join([f"<at>{BOT_NAME}</at>", text, *(f"<at>{p.name}</at>" for p in mentions)])
    activity = _base(
        person,
        {
            # A new post in a channel arrives as the thread it starts.
            "id": f"{CHANNEL_ID};messageid={next(_ids)}" if thread else CHANNEL_ID,
            "conversationType": "channel",
            "isGroup": True,
        },
        service_url,
    )
    activity.update(
        type="message",
        text=body,
        textFormat="xml",
        entities=[mention_entity(None), *(mention_entity(p) for p in mentions)],
    )
    activity["channelData"].update(
        team={"id": TEAM_ID},
        channel={"id": CHANNEL_ID},
        teamsTeamId=TEAM_ID,
        teamsChannelId=CHANNEL_ID,
    )
    return activity


def personal_message(
    person: Person, conversation_id: str, text: str, service_url: str
) -> dict[str, Any]:
    activity = _base(person, personal(conversation_id), service_url)
    activity.update(type="message", text=text, textFormat="plain")
    return activity


def group_message(
    person: Person, conversation_id: str, text: str, service_url: str
) -> dict[str, Any]:
    activity = _base(
        person,
        {"id": conversation_id, "conversationType": "groupChat", "isGroup": True},
        service_url,
    )
    activity.update(
        type="message",
        text=f"<at>{BOT_NAME}</at> {text}",
        textFormat="xml",
        entities=[mention_entity(None)],
    )
    return activity


def card_action(
    person: Person,
    conversation_id: str,
    reply_to: str,
    verb: str,
    data: dict[str, Any],
    service_url: str,
) -> dict[str, Any]:
    """``Action.Execute`` on a card the bot sent to ``person``'s 1:1 chat."""
    activity = _base(person, personal(conversation_id), service_url)
    activity.update(
        type="invoke",
        name="adaptiveCard/action",
        replyToId=reply_to,
        value={
            "action": {"type": "Action.Execute", "verb": verb, "data": data},
            "trigger": "manual",
        },
    )
    return activity


def file_consent(
    person: Person,
    conversation_id: str,
    reply_to: str,
    action: str,
    context: dict[str, Any],
    upload_info: dict[str, Any] | None,
    service_url: str,
) -> dict[str, Any]:
    """The person's answer to a FileConsentCard: ``accept`` (with an upload session in their
    OneDrive) or ``decline``."""
    activity = _base(person, personal(conversation_id), service_url)
    value: dict[str, Any] = {"type": "fileUpload", "action": action, "context": context}
    if upload_info is not None:
        value["uploadInfo"] = upload_info
    activity.update(type="invoke", name="fileConsent/invoke", replyToId=reply_to, value=value)
    return activity

"""Each meeting's own private channel (issue 11), the model Netflix Dispatch uses for
incidents.

The coordinators' channel (where ``/shien setup`` ran) keeps commands, scheduling and status;
case content lives only in the meeting's channel. The bot creates it when collection opens
(an opaque name, the meeting's name and date as its topic), invites the coordinators, and
invites each member of an agency asked for a case once they confirm the meeting's current
secrecy notice. Nobody else stays: a member no longer entitled is removed and told why, an
outsider (a person or another app) is removed and the coordinators told. Before case
content is posted the channel is checked; if it is no longer private, is shared, or someone
who may not be there cannot be removed, posting stops for that meeting and the coordinators
are told what to do. After the meeting the channel is archived.

Chat calls happen outside any unit of work (SQLite's write lock must not wait for Slack).
"""

from __future__ import annotations

import contextlib
import secrets
import string
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial

from bot import texts
from bot.domain.calendar import format_wareki
from bot.domain.errors import DomainError
from bot.domain.model import AuditAction, Meeting, MeetingChannel, MeetingState
from bot.services import claims
from bot.services.access import SYSTEM, Actor
from bot.services.audit import audit
from bot.services.chat import (
    Button,
    Buttons,
    ChatUnavailable,
    Message,
    Note,
    Paragraph,
    channel_link,
    mention,
)
from bot.services.context import ServiceContext
from bot.services.messages import ACK_ACTION, ack_value, meeting_label, notice_message
from bot.services.ports import UnitOfWork

# A claim on creating a meeting's channel; taken over if its holder died mid-way.
ROOM_CLAIM_TIMEOUT = timedelta(minutes=10)
_TOKEN_ALPHABET = string.ascii_lowercase + string.digits


def room_name(meeting: Meeting, token: str | None = None) -> str:
    """An opaque channel name: the meeting's date and a random token, no personal data
    (Slack channel names and topics are metadata no encryption covers)."""
    token = token or "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(4))
    return f"shien-{meeting.date:%Y%m%d}-{token}"


def room_key(meeting_id: str) -> str:
    return f"room:{meeting_id}"


def notice_posted_key(meeting_id: str, version: str) -> str:
    """Marks that a notice version was posted in the meeting's channel."""
    return f"room-notice:{meeting_id}:{version}"


# --------------------------------------------------------------------------- who may be in


def asked_users(uow: UnitOfWork, meeting_id: str) -> set[str]:
    """Active members of the agencies asked for a case on the meeting's agenda."""
    users: set[str] = set()
    for item in uow.agenda.for_meeting(meeting_id):
        case = uow.cases.get(item.case_id)
        if case is None:  # pragma: no cover - foreign keys make this impossible
            continue
        for agency_id in case.asked_agency_ids:
            users.update(m.user_id for m in uow.memberships.for_agency(agency_id, active_only=True))
    return users


def confirmed_users(ctx: ServiceContext, uow: UnitOfWork, meeting: Meeting) -> set[str]:
    """Who confirmed the meeting's current notice version (an older one does not count)."""
    version = ctx.notice(meeting).version
    return {
        a.user_id
        for a in uow.acknowledgements.for_meeting(meeting.id)
        if a.notice_version == version
    }


def coordinator_ids(uow: UnitOfWork) -> set[str]:
    return {c.user_id for c in uow.coordinators.list(active_only=True)}


def entitled(ctx: ServiceContext, uow: UnitOfWork, meeting: Meeting) -> set[str]:
    """Who may be in the meeting's channel: the coordinators, and the members asked for a
    case on it who confirmed its current notice."""
    return coordinator_ids(uow) | (
        asked_users(uow, meeting.id) & confirmed_users(ctx, uow, meeting)
    )


def _was_member(uow: UnitOfWork, user_id: str) -> bool:
    """Someone the bot knows as an agency member (now or before): removing them is told to
    them, not reported as an intrusion."""
    return bool(uow.memberships.for_user(user_id, active_only=False))


# --------------------------------------------------------------------------- the channel


def ensure_room(ctx: ServiceContext, meeting_id: str) -> str | None:
    """The meeting's channel, created (private, opaque name, topic, coordinators invited)
    if it has none yet. One creation however many callers: it is claimed first (None while
    another caller is creating it: that caller goes on to post). Raises
    ``DomainError`` with what the coordinator can do when the workspace refuses."""
    with ctx.uow() as uow:
        meeting = uow.meetings.get(meeting_id)
        assert meeting is not None
        if meeting.room_id is not None:
            return meeting.room_id
        if not uow.processed.claim(room_key(meeting_id), take_over_after=ROOM_CLAIM_TIMEOUT):
            return None
        uow.commit()
        label = meeting_label(meeting, ctx.tz)
    try:
        room_id = _create(ctx, meeting)
        ctx.chat.set_topic(room_id, texts.ROOMS.topic.format(label=label))
    except ChatUnavailable as error:
        claims.release(ctx, room_key(meeting_id))
        if error.code in {"restricted_action", "missing_scope", "invalid_name_specials"}:
            raise DomainError(
                texts.ROOMS.create_refused.format(
                    code=error.code,
                    date=f"{meeting.date:%Y%m%d}",
                    day=meeting.date.isoformat(),
                )
            ) from None
        raise
    with ctx.uow() as uow:
        current = uow.meetings.get(meeting_id)
        assert current is not None
        current.room_id = room_id
        uow.meetings.save(current)
        audit(ctx, uow, SYSTEM, AuditAction.ROOM_CREATED, "meeting", meeting_id)
        uow.commit()
        coordinators = sorted(coordinator_ids(uow))
    for user_id in coordinators:
        _invite(ctx, meeting_id, room_id, user_id)
    return room_id


def _create(ctx: ServiceContext, meeting: Meeting) -> str:
    for _ in range(4):  # a random token taken already: draw another
        try:
            return ctx.chat.create_private_channel(room_name(meeting))
        except ChatUnavailable as error:
            if error.code != "name_taken":
                raise
    raise ChatUnavailable("no free channel name", "name_taken", transient=False)


def adopt_room(ctx: ServiceContext, actor: Actor, room_id: str, day: date | None) -> Meeting:
    """Where the workspace forbids apps to create channels: a coordinator made an empty
    private channel, invited the bot and ran ``/shien open <date>`` there. It becomes the
    meeting's channel only if nobody but coordinators is in it. Returns the meeting."""
    facts = ctx.chat.channel_facts(room_id)
    MeetingChannel.check_suitable(facts)
    if day is None:
        raise DomainError(texts.ROOMS.adopt_needs_day)
    with ctx.uow() as uow:
        found = [
            m
            for c in uow.channels.list()
            if (m := uow.meetings.on_date(c.channel_id, day)) is not None
            and m.state is not MeetingState.CANCELLED
        ]
        if not found:
            raise DomainError(texts.ROOMS.adopt_no_meeting.format(day=format_wareki(day)))
        meeting = found[0]
        if meeting.room_id is not None and meeting.room_id != room_id:
            raise DomainError(
                texts.ROOMS.adopt_has_room.format(
                    label=meeting_label(meeting, ctx.tz), room=channel_link(meeting.room_id)
                )
            )
        others = sorted(facts.member_ids - coordinator_ids(uow))
        if others:
            raise DomainError(
                texts.ROOMS.adopt_not_empty.format(people="、".join(mention(u) for u in others))
            )
        if meeting.room_id is None:
            meeting.room_id = room_id
            uow.meetings.save(meeting)
            audit(ctx, uow, actor, AuditAction.ROOM_CREATED, "meeting", meeting.id, "adopted")
            uow.commit()
        label = meeting_label(meeting, ctx.tz)
    with contextlib.suppress(ChatUnavailable):  # a courtesy: the channel is already right
        ctx.chat.set_topic(room_id, texts.ROOMS.topic.format(label=label))
    return meeting


def _invite(ctx: ServiceContext, meeting_id: str, room_id: str, user_id: str) -> bool:
    try:
        ctx.chat.invite(room_id, user_id)
    except ChatUnavailable as error:
        if error.code == "cant_invite_self":
            return True
        raise
    with ctx.uow() as uow:
        audit(ctx, uow, Actor(user_id), AuditAction.ROOM_INVITED, "meeting", meeting_id)
        uow.commit()
    return True


def post_notice(ctx: ServiceContext, meeting_id: str) -> bool:
    """Post the meeting's current notice version in its channel, once per version. True if
    this call posted it."""
    with ctx.uow() as uow:
        meeting = uow.meetings.get(meeting_id)
        assert meeting is not None and meeting.room_id is not None
        notice = ctx.notice(meeting)
        key = notice_posted_key(meeting_id, notice.version)
        if not uow.processed.claim(key):
            return False
        uow.commit()
        items = len(uow.agenda.for_meeting(meeting_id))
        message = notice_message(meeting, meeting_label(meeting, ctx.tz), items, notice)
    try:
        ref = ctx.chat.post(meeting.room_id, message)
    except ChatUnavailable:
        claims.release(ctx, key)
        raise
    with ctx.uow() as uow:
        current = uow.meetings.get(meeting_id)
        assert current is not None
        if current.notice_ref is None:
            current.notice_ref = ref.key()
            uow.meetings.save(current)
        uow.commit()
    return True


def invite_confirmed(ctx: ServiceContext, meeting_id: str, user_id: str) -> None:
    """After a member confirms: into the meeting's channel if they may be there, and a DM
    linking to it."""
    with ctx.uow() as uow:
        meeting = uow.meetings.get(meeting_id)
        if (
            meeting is None
            or meeting.room_id is None
            or meeting.room_archived_at is not None
            or meeting.room_stopped
            or user_id in coordinator_ids(uow)  # invited when the channel was made
            or user_id not in entitled(ctx, uow, meeting)
        ):
            return
        room_id = meeting.room_id
        one_line = ctx.notice(meeting).one_line
    _invite(ctx, meeting_id, room_id, user_id)
    ctx.chat.send_direct(
        user_id,
        Message(
            texts.ROOMS.invited.format(room=channel_link(room_id)),
            (Paragraph(texts.ROOMS.invited.format(room=channel_link(room_id))), Note(one_line)),
        ),
    )


# --------------------------------------------------------------------------- keeping it right


@dataclass(frozen=True)
class Check:
    """What a check of a meeting's channel found: whether case content may be posted."""

    may_post: bool
    removed: tuple[str, ...] = ()


def check_room(ctx: ServiceContext, meeting_id: str) -> Check:
    """Before case content is posted, and whenever who may be there changes: the channel
    must be private, unshared, and hold only the coordinators and confirmed members asked.
    Anyone else is removed (a former member told why by DM, an outsider reported to the
    coordinators). If the channel is converted or shared, or a removal is refused, posting
    stops for the meeting and the coordinators are told. Audited as ``room.removed`` per
    person and ``room.stopped``."""
    with ctx.uow() as uow:
        meeting = uow.meetings.get(meeting_id)
        if meeting is None or meeting.room_id is None or meeting.room_archived_at is not None:
            return Check(False)
        if meeting.room_stopped:
            return Check(False)
        room_id = meeting.room_id
    facts = ctx.chat.channel_facts(room_id)
    if not facts.is_private:
        _stop(ctx, meeting_id, texts.ROOMS.reason_public, "public")
        return Check(False)
    if facts.is_shared_externally:
        _stop(ctx, meeting_id, texts.ROOMS.reason_shared, "shared")
        return Check(False)
    with ctx.uow() as uow:
        meeting = uow.meetings.get(meeting_id)
        assert meeting is not None
        allowed = entitled(ctx, uow, meeting)
        asked = asked_users(uow, meeting_id)
        unwanted = sorted(facts.member_ids - allowed)
        former = {u for u in unwanted if u in asked or _was_member(uow, u)}
        label = meeting_label(meeting, ctx.tz)
        version = ctx.notice(meeting).version
    removed: list[str] = []
    for user_id in unwanted:
        try:
            ctx.chat.kick(room_id, user_id)
        except ChatUnavailable as error:
            if error.transient:
                raise
            _stop(
                ctx,
                meeting_id,
                texts.ROOMS.reason_kick_refused.format(user=mention(user_id), code=error.code),
                f"kick_refused:{error.code}",
            )
            return Check(False, tuple(removed))
        removed.append(user_id)
        reason = (
            "not_confirmed"
            if user_id in asked
            else "not_asked"
            if user_id in former
            else "outsider"
        )
        with ctx.uow() as uow:
            audit(
                ctx,
                uow,
                Actor(user_id),
                AuditAction.ROOM_REMOVED,
                "meeting",
                meeting_id,
                f"reason={reason}",
                allowed=reason != "outsider",
            )
            uow.commit()
            coordinators = sorted(coordinator_ids(uow))
        if reason == "not_confirmed":
            message = Message(
                texts.ROOMS.reconfirm_text,
                (
                    Paragraph(
                        texts.ROOMS.reconfirm.format(
                            label=label, version=version, room=channel_link(room_id)
                        )
                    ),
                    Buttons(
                        (
                            Button(
                                texts.MESSAGES.notice_button,
                                ACK_ACTION,
                                ack_value(meeting_id, version),
                                primary=True,
                            ),
                        )
                    ),
                ),
            )
            ctx.later("tell removed", partial(_tell, user_id, message))
        elif reason == "not_asked":
            message = Message(
                texts.ROOMS.removed_text, (Paragraph(texts.ROOMS.removed.format(label=label)),)
            )
            ctx.later("tell removed", partial(_tell, user_id, message))
        else:
            message = Message(
                texts.ROOMS.outsider_removed_text,
                (
                    Paragraph(
                        texts.ROOMS.outsider_removed.format(
                            label=label, room=channel_link(room_id), user=mention(user_id)
                        )
                    ),
                ),
            )
            for coordinator in coordinators:
                ctx.later("tell coordinator", partial(_tell, coordinator, message))
    return Check(True, tuple(removed))


def _stop(ctx: ServiceContext, meeting_id: str, reason: str, code: str) -> None:
    with ctx.uow() as uow:
        meeting = uow.meetings.get(meeting_id)
        assert meeting is not None and meeting.room_id is not None
        if meeting.room_stopped:
            return
        meeting.room_stopped = code
        uow.meetings.save(meeting)
        audit(
            ctx,
            uow,
            SYSTEM,
            AuditAction.ROOM_STOPPED,
            "meeting",
            meeting_id,
            f"reason={code.split(':')[0]}",
            allowed=False,
        )
        uow.commit()
        coordinators = sorted(coordinator_ids(uow))
        body = texts.ROOMS.stopped.format(
            label=meeting_label(meeting, ctx.tz),
            room=channel_link(meeting.room_id),
            reason=reason,
            day=meeting.date.isoformat(),
        )
    message = Message(texts.ROOMS.stopped_text, (Paragraph(body),))
    for coordinator in coordinators:
        ctx.later("tell coordinator", partial(_tell, coordinator, message))


def resume(ctx: ServiceContext, meeting_id: str) -> None:
    """``/shien open`` after the coordinators mended the channel: posting may go on again
    (the check that follows stops it again if the channel is still not right)."""
    with ctx.uow() as uow:
        meeting = uow.meetings.get(meeting_id)
        if meeting is None or not meeting.room_stopped:
            return
        meeting.room_stopped = ""
        uow.meetings.save(meeting)
        uow.commit()


def keep_rooms_right(ctx: ServiceContext) -> None:
    """After who may be in a meeting's channel changed (an agency member removed, a case
    taken off an agenda, consent withdrawn): check every open meeting channel."""
    with ctx.uow() as uow:
        ids = [m.id for m in uow.meetings.with_open_rooms() if not m.room_stopped]
    for meeting_id in ids:
        check_room(ctx, meeting_id)


def keep_rooms_right_later(ctx: ServiceContext) -> None:
    """``keep_rooms_right`` after the person's answer (a follow-up)."""
    ctx.later("meeting channels", keep_rooms_right)


def refresh_notices(ctx: ServiceContext) -> int:
    """A new notice version (the wording or the setting changed): posted to each meeting
    channel still open, and every member asked must confirm it again — until they do they
    are out of the channel (a button carries the version it showed and never confirms a
    newer one). Returns the channels it posted to."""
    with ctx.uow() as uow:
        ids = [
            m.id
            for m in uow.meetings.with_open_rooms()
            if not m.room_stopped
            and m.state is MeetingState.COLLECTING
            and not uow.processed.is_claimed(notice_posted_key(m.id, ctx.notice(m).version))
        ]
    posted = 0
    for meeting_id in ids:
        if post_notice(ctx, meeting_id):
            posted += 1
        check_room(ctx, meeting_id)
    return posted


def member_joined_room(ctx: ServiceContext, room_id: str, user_id: str) -> bool:
    """Someone joined a meeting's channel. Whoever may not be there is removed at once (see
    ``check_room``). False if ``room_id`` is no meeting's channel."""
    with ctx.uow() as uow:
        meeting = uow.meetings.by_room(room_id)
        if meeting is None:
            return False
        meeting_id = meeting.id
    check_room(ctx, meeting_id)
    return True


def archive_room(ctx: ServiceContext, meeting_id: str) -> bool:
    """After the meeting: the channel is archived (its history stays under the workspace's
    retention setting). Audited as ``room.archived``."""
    with ctx.uow() as uow:
        meeting = uow.meetings.get(meeting_id)
        if meeting is None or meeting.room_id is None or meeting.room_archived_at is not None:
            return False
        room_id = meeting.room_id
    ctx.chat.archive(room_id)
    with ctx.uow() as uow:
        current = uow.meetings.get(meeting_id)
        assert current is not None
        current.room_archived_at = ctx.clock()
        uow.meetings.save(current)
        audit(ctx, uow, SYSTEM, AuditAction.ROOM_ARCHIVED, "meeting", meeting_id)
        uow.commit()
    return True


def archive_due(ctx: ServiceContext) -> int:
    """Archive the channels of meetings whose minutes are final, or whose day is more than
    ``ctx.archive_after_days`` past. Returns how many it archived."""
    cutoff = ctx.today() - timedelta(days=ctx.archive_after_days)
    with ctx.uow() as uow:
        ids = [
            m.id
            for m in uow.meetings.with_open_rooms()
            if m.minutes_final or m.date <= cutoff or m.state is MeetingState.CANCELLED
        ]
    archived = 0
    for meeting_id in ids:
        try:
            if archive_room(ctx, meeting_id):
                archived += 1
        except ChatUnavailable:
            continue  # the next sweep tries again
    return archived


def _tell(user_id: str, message: Message, ctx: ServiceContext) -> None:
    if ctx.chat.user_is_active(user_id):
        ctx.chat.send_direct(user_id, message)

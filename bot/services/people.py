"""The names documents show: each chat user's display name, stored when the bot learns it.

Documents (the minutes' attendees, confirmations and input authors) render from the database
alone, so that a terminal on a closed network never asks the chat platform and is fast.
The bot learns a name through the chat gateway's ``display_name`` when it records something
a document names the person for — an input, a secrecy confirmation, a role, a registration:
``learn_name`` runs after that record is committed (as follow-up work, outside any
transaction, so a slow platform never holds the database's write lock), and the adapter has
usually just cached the same ``users.info`` answer for the access check.

One row per person (``people``), replaced when the name changes: a document rendered later
shows the name the person goes by now, a correction or an erasure is one row, and the name
is not copied into every input and confirmation. Names are personal data: they are shown in
documents and never logged.
"""

from __future__ import annotations

from bot.domain.model import Person
from bot.services.chat import clean_user_text
from bot.services.context import ServiceContext
from bot.services.ports import UnitOfWork

NAME_LIMIT = 200  # characters; chat platforms allow far fewer for a display name


def _ask(ctx: ServiceContext, user_id: str) -> str | None:
    """The platform's display name for ``user_id``, cleaned; None when it does not know one."""
    try:
        name = ctx.chat.display_name(user_id)
    except Exception:  # a name is a courtesy: it must never cost an input or a confirmation
        return None
    # A name disguised with bidi overrides or invisible marks must not disguise a document.
    cleaned = clean_user_text(name, max_length=NAME_LIMIT)
    return cleaned if cleaned and cleaned != user_id else None


def remember_name(ctx: ServiceContext, uow: UnitOfWork, user_id: str) -> str | None:
    """Store ``user_id``'s display name as the chat platform knows it now (in ``uow``, to be
    committed with what is being recorded) and return it. Nothing is written when the
    platform does not know a name (None is returned; a name learnt earlier is kept) or the
    stored one is the same."""
    name = _ask(ctx, user_id)
    if name is None:
        return None
    known = uow.people.get(user_id)
    if known is None or known.display_name != name:
        uow.people.put(Person(user_id=user_id, display_name=name, updated_at=ctx.clock()))
    return name


class Names:
    """Display names for one document, from the database. Someone whose name was never
    stored (a record older than the ``people`` table) is asked of the chat platform once, and
    remembered; from the terminal, where no platform is reachable, they are shown by their
    user ID."""

    def __init__(self, ctx: ServiceContext, uow: UnitOfWork) -> None:
        self._ctx, self._uow = ctx, uow
        self._found: dict[str, str] = {}

    def __call__(self, user_id: str) -> str:
        found = self._found.get(user_id)
        if found is None:
            known = self._uow.people.get(user_id)
            if known is not None:
                found = known.display_name
            else:
                found = remember_name(self._ctx, self._uow, user_id) or user_id
            self._found[user_id] = found
        return found


def learn_name(ctx: ServiceContext, user_id: str) -> None:
    """After something naming ``user_id`` was recorded: ask the platform for their display
    name outside any transaction, then store it in a short one of its own. Queued with
    ``ctx.later`` by the use cases, so it runs after the request is answered."""
    name = _ask(ctx, user_id)
    if name is None:
        return
    with ctx.uow() as uow:
        known = uow.people.get(user_id)
        if known is None or known.display_name != name:
            uow.people.put(Person(user_id=user_id, display_name=name, updated_at=ctx.clock()))
            uow.commit()


def learn_name_later(ctx: ServiceContext, user_id: str) -> None:
    ctx.later("learn name", lambda c: learn_name(c, user_id))

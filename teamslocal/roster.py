"""The 架空市 roster on Teams: a coordinator (the playground's current user), five people,
one team with a meeting channel, one group chat. All fictional."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

TENANT_ID = "7a1e5b00-0000-4000-8000-00000000a001"
BOT_ID = "7a1e5b00-0000-4000-8000-00000000b011"
BOT_NAME = "shienbot"
TEAM_ID = "19:kakuu-team@thread.tacv2"
CHANNEL_ID = "19:kakuu-kaigi01@thread.tacv2"
GROUP_CHAT_ID = "19:kakuu-group@thread.v2"
PERSONAL_CHAT_ID = "a:kakuu-personal-coordinator"


@dataclass(frozen=True)
class Person:
    key: str  # how tests name them
    teams_id: str  # 29:… as Teams gives it to the bot
    aad: str  # the Entra object id (the product's user id, upper-cased)
    name: str

    @property
    def user_id(self) -> str:
        return self.aad.upper()


COORDINATOR = Person(
    "coordinator", "29:kakuu-coordinator", "a0000000-0000-4000-8000-0000000000c0", "事務局 山田"
)
HOUKATSU = Person(
    "houkatsu", "29:kakuu-houkatsu", "a0000000-0000-4000-8000-000000000001", "包括 佐藤"
)
SHOGAI = Person("shogai", "29:kakuu-shogai", "a0000000-0000-4000-8000-000000000002", "障害 鈴木")
KONKYU = Person("konkyu", "29:kakuu-konkyu", "a0000000-0000-4000-8000-000000000003", "困窮 高橋")
CSW = Person("csw", "29:kakuu-csw", "a0000000-0000-4000-8000-000000000004", "社協 田中")
VISITOR = Person(
    "visitor", "29:kakuu-visitor", "a0000000-0000-4000-8000-000000000005", "来訪者 伊藤"
)
PEOPLE = (COORDINATOR, HOUKATSU, SHOGAI, KONKYU, CSW, VISITOR)
OTHERS = PEOPLE[1:]  # the playground's config holds exactly five besides the current user


def member_json(person: Person) -> dict[str, str]:
    """A team member as the connector's roster describes them."""
    return {
        "id": person.teams_id,
        "aadObjectId": person.aad,
        "name": person.name,
        "tenantId": TENANT_ID,
        "userRole": "user",
    }


def playground_config() -> str:
    """``.m365agentsplayground.yml`` (schema 0.1.1): the current user and exactly five users,
    one personal chat, one group chat, one team with the meeting channel."""

    lines = [
        'version: "0.1.1"',
        f"tenantId: {TENANT_ID}",
        "bot:",
        f"  id: {BOT_ID}",
        f"  name: {BOT_NAME}",
        "currentUser:",
    ]
    text = "\n".join(lines) + "\n"
    text += _fields(COORDINATOR, "  ")
    text += "users:\n"
    for person in OTHERS:
        text += _fields(person, "    ", first="  - ")
    text += (
        "personalChat:\n"
        f'  id: "{PERSONAL_CHAT_ID}"\n'
        "groupChat:\n"
        f'  id: "{GROUP_CHAT_ID}"\n'
        "  name: 架空市 連絡\n"
        "team:\n"
        f'  id: "{TEAM_ID}"\n'
        "  name: 架空市 支援会議\n"
        "  aadGroupId: a0000000-0000-4000-8000-0000000000f1\n"
        "  channels:\n"
        f'    - id: "{CHANNEL_ID}"\n'
        "      name: kaigi-01\n"
    )
    return text


def _fields(person: Person, indent: str, first: str | None = None) -> str:
    login = person.key + "@kakuu.example.jp"
    rows = [
        f'id: "{person.teams_id}"',
        f"name: {person.name}",
        f"userPrincipleName: {login}",
        f"aadObjectId: {person.aad}",
        f"givenName: {person.name.split()[-1]}",
        f"surname: {person.name.split()[0]}",
        f"email: {login}",
    ]
    out = ""
    for n, row in enumerate(rows):
        prefix = first if (first is not None and n == 0) else indent
        out += f"{prefix}{row}\n"
    return out


def write_playground_config(folder: Path) -> Path:
    path = folder / ".m365agentsplayground.yml"
    path.write_text(playground_config(), encoding="utf-8")
    return path

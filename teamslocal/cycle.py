"""A whole meeting cycle of 架空市 on Teams, as people do it: for the e2e tests and the demo.

The coordinator sets up the team, registers agencies and their members (mentioning them),
schedules a meeting, registers cases and opens collection; each member confirms the
secrecy notice on their card and answers each case on its card (once more to correct it);
a visitor from the same team asks for the status and is refused; a member removed from
their agency sees their cards withdrawn; the coordinator records roles and a decision,
receives the minutes and the role summary through file consent, finalises the minutes,
and a member declines their agency's extract.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from teamslocal.harness import Card, TeamsHarness
from teamslocal.roster import COORDINATOR, CSW, HOUKATSU, KONKYU, SHOGAI, VISITOR, Person

ACK = "shien_direct_ack"
INPUT = "shien_direct_input"
DECIDE = "shien_decision_form"
RECORD = "shien_record_form"
CONSENT = "application/vnd.microsoft.teams.card.file.consent"
MEETING_DAY = "2026-12-08"
CODE = re.compile(r"R\d+-\d{3}")

AGENCIES = (
    ("houkatsu", "架空市中央地域包括支援センター", HOUKATSU),
    ("shogai", "架空市基幹相談支援センター", SHOGAI),
    ("konkyu", "架空市くらし自立相談センター", KONKYU),
    ("csw", "架空市社会福祉協議会", CSW),
)
# Case A (the 8050 household) and case D (a young carer), scenarios.md; inputs by agency.
INPUTS = {
    "A": {
        HOUKATSU: ("母は物忘れが進み、服薬管理ができていない。", "要介護認定の申請を支援中。", ""),
        SHOGAI: ("長男は十年前に一度相談歴あり。その後は途絶。", "", ""),
        KONKYU: ("世帯収入は母の年金のみ。家賃の滞納が二か月。", "", "家計改善支援を提案"),
        CSW: ("民生委員から郵便物がたまっていると情報提供。", "長男は訪問に応じない。", ""),
    },
    "D": {
        HOUKATSU: ("祖母の介護サービス利用状況を確認する。", "", ""),
        CSW: ("本人は祖母の世話をしていると話した。", "", "ヤングケアラー支援の窓口につなぐ"),
    },
}


@dataclass
class CycleResult:
    codes: dict[str, str] = field(default_factory=dict)  # "A" → R8-001
    minutes: bytes = b""
    final_minutes: bytes = b""
    roles: bytes = b""
    steps: list[str] = field(default_factory=list)


def cards_with(h: TeamsHarness, person: Person, verb: str) -> list[Card]:
    return [m for m in h.messages(person) if m.action(verb) is not None]


def case_card(h: TeamsHarness, person: Person, code: str) -> Card:
    found = [m for m in cards_with(h, person, INPUT) if code in m.text]
    assert found, f"{person.key} has no card for {code}"
    return found[-1]


def submit(h: TeamsHarness, person: Person, card: Card, *parts: str) -> None:
    action = card.action(INPUT)
    assert action is not None
    values = dict(zip(("situation", "issues", "proposal"), parts, strict=False))
    h.act(person, card, INPUT, {**action["data"], **values})


def consent_card(h: TeamsHarness, person: Person) -> Card:
    found = [m for m in h.messages(person) if m.attachment(CONSENT) is not None]
    assert found, f"{person.key} was offered no file"
    return found[-1]


def receive_file(h: TeamsHarness, person: Person) -> bytes:
    session = h.answer_file(person, consent_card(h, person), accept=True)
    assert session is not None
    data = h.connector.uploaded(session)
    assert data, "the bot uploaded nothing"
    return data


def run_cycle(h: TeamsHarness, say: Callable[[str], None] = lambda _: None) -> CycleResult:
    result = CycleResult()

    def step(text: str) -> None:
        result.steps.append(text)
        say(text)

    step("事務局: チームのチャネルで @shienbot setup")
    h.command(COORDINATOR, "setup")
    for key, name, member in AGENCIES:
        h.command(COORDINATOR, f"agency add {key} {name}", member)
    step("事務局: 関係機関と構成員を登録（構成員はメンションで指定）")
    h.command(COORDINATOR, f"adhoc {MEETING_DAY} 14:00")
    h.command(COORDINATOR, "case new houkatsu shogai konkyu csw")
    result.codes["A"] = CODE.findall(h.last_text(COORDINATOR))[-1]
    h.command(COORDINATOR, "case new houkatsu csw 緊急")
    result.codes["D"] = CODE.findall(h.last_text(COORDINATOR))[-1]
    for code in result.codes.values():
        h.command(COORDINATOR, f"agenda add {code} {MEETING_DAY}")
    step(f"事務局: 事例 {'・'.join(result.codes.values())} を登録し、{MEETING_DAY} の会議の議題に")
    h.command(COORDINATOR, f"open {MEETING_DAY}")
    step("事務局: 情報収集を開始（チャネルには何も投稿されず、各自の個人チャットに通知）")

    for _, _, member in AGENCIES:
        notice = cards_with(h, member, ACK)[-1]
        action = notice.action(ACK)
        assert action is not None
        h.act(member, notice, ACK, action["data"])
    step("構成員4人: 個人チャットの通知カードで守秘義務を確認 → 事例ごとのカードが届く")

    for letter, answers in INPUTS.items():
        code = result.codes[letter]
        for member, parts in answers.items():
            submit(h, member, case_card(h, member, code), *parts)
    step("構成員: 事例カードの欄に入力して送信")
    houkatsu_a = case_card(h, HOUKATSU, result.codes["A"])
    submit(h, HOUKATSU, houkatsu_a, *INPUTS["A"][HOUKATSU][:2], "介護保険サービスの導入を提案")
    step("包括: 送信し直して入力を更新")

    h.command(VISITOR, "status")
    step("来訪者（チームの一員だが構成員ではない）: status → 断られる")

    h.command(COORDINATOR, "agency remove shogai", SHOGAI)
    step("事務局: 障害の構成員を機関から外す → その人のカードは直ちに取り下げ")

    a, d = result.codes["A"], result.codes["D"]
    h.command(COORDINATOR, f"role {a} houkatsu 母の介護保険サービス導入 期限:2026-12-25 主担当")
    h.command(COORDINATOR, f"role {a} csw 長男への手紙による継続的な働きかけ")
    h.command(COORDINATOR, f"role {d} houkatsu 祖母の介護サービスの見直し 主担当")
    h.command(COORDINATOR, f"decide {a}")
    form = cards_with(h, COORDINATOR, DECIDE)[-1]
    action = form.action(DECIDE)
    assert action is not None
    h.act(
        COORDINATOR,
        form,
        DECIDE,
        {
            **action["data"],
            "policy": "母の介護サービス導入を優先し、長男には手紙で継続的に働きかける。",
            "monitoring": "2027-01-19",
            "outcome": "continue",
            "notes": "次回、長男の反応を確認する。",
        },
    )
    step("事務局: 役割分担と決定事項を記録（決定事項はカードのフォーム）")

    h.command(COORDINATOR, f"record {MEETING_DAY}")
    form = cards_with(h, COORDINATOR, RECORD)[-1]
    action = form.action(RECORD)
    assert action is not None
    h.act(
        COORDINATOR,
        form,
        RECORD,
        {
            **action["data"],
            "place": "市役所第3会議室",
            "method": "in_person",
            "started": "14:00",
            "ended": "15:10",
        },
    )
    step("事務局: 会議記録（場所・時刻）をカードのフォームで記録")
    h.command(COORDINATOR, f"minutes {MEETING_DAY}")
    result.minutes = receive_file(h, COORDINATOR)
    step("事務局: 議事録（案）→ ファイルの受け取りを許可 → OneDrive に保存")
    h.command(COORDINATOR, f"minutes final {MEETING_DAY}")
    result.final_minutes = receive_file(h, COORDINATOR)
    step("事務局: 議事録を確定 → 確定版を受け取り")
    h.command(COORDINATOR, f"roles {MEETING_DAY}")
    result.roles = receive_file(h, COORDINATOR)
    extract = consent_card(h, HOUKATSU)
    h.answer_file(HOUKATSU, extract, accept=False)
    step("事務局: 役割分担表を受け取り／包括は自機関の抜粋の受け取りを見送る（記録される）")
    return result

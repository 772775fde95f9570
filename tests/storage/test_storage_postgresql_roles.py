"""PostgreSQL: the bot runs under a role that may only INSERT and SELECT the audit trail,
while the migration role owns it; ``shienbot check`` warns when the bot's role could alter
the audit table."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bot import cli
from bot.domain.model import Agency, AuditAction, AuditEvent
from storage import Database
from storage.audit_chain import verify_audit_trail


@pytest.fixture
def owner(database: Database) -> Database:
    if database.engine.dialect.name != "postgresql":
        pytest.skip("roles are PostgreSQL's")
    return database


def _schema(database: Database) -> str:
    with database.engine.connect() as connection:
        return str(connection.scalar(text("SELECT current_schema()")))


@pytest.fixture
def app_role(owner: Database, postgres_admin: tuple[str, Engine]) -> Iterator[str]:
    _, admin = postgres_admin
    role = f"shien_app_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER'))
    try:
        yield role
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP OWNED BY "{role}"'))
            connection.execute(text(f'DROP ROLE "{role}"'))


def _url(owner: Database, role: str | None = None) -> str:
    url = owner.engine.url
    if role is not None:
        url = url.set(username=role, password=None)
    url = url.update_query_dict({"options": f"-csearch_path={_schema(owner)}"})
    return url.render_as_string(hide_password=False)


def _as(owner: Database, role: str) -> Database:
    return Database(_url(owner, role))


def _event(n: int) -> AuditEvent:
    return AuditEvent("U0JIMU", AuditAction.CASE_VIEWED, "case", f"R8-{n:03d}")


ATTACKS = [
    "ALTER TABLE audit_events DISABLE TRIGGER USER",
    "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_or_delete",
    "DROP TRIGGER audit_events_no_update_or_delete ON audit_events",
    "DELETE FROM audit_events",
    "UPDATE audit_events SET detail = 'forged'",
    "TRUNCATE audit_events",
    "DROP TABLE audit_events",
    "DELETE FROM audit_chain",
    "UPDATE alembic_version SET version_num = '0001'",
    "ALTER TABLE audit_events OWNER TO CURRENT_USER",
]


def test_the_app_role_can_append_but_not_alter_the_trail(owner: Database, app_role: str) -> None:
    with owner.unit_of_work() as uow:
        uow.audit.append(_event(1))
        uow.commit()
    owner.grant_app_role(app_role)
    owner.grant_app_role(app_role)  # safe to repeat
    assert owner.audit_table_alterable() is True  # the test server's role is a superuser

    bot = _as(owner, app_role)
    try:
        bot.upgrade()  # what `serve` does on start: nothing to do, and allowed
        assert bot.audit_table_alterable() is False
        with bot.unit_of_work() as uow:  # the bot's ordinary work
            uow.agencies.add(Agency(key="houkatsu", name="地域包括支援センター"))
            uow.audit.append(_event(2))
            uow.audit.append(_event(3))
            uow.commit()
        for statement in ATTACKS:
            with bot.engine.begin() as connection, pytest.raises(DBAPIError) as refused:
                connection.execute(text(statement))
            message = str(refused.value.orig).lower()
            assert "must be owner" in message or "permission denied" in message, statement
    finally:
        bot.dispose()
    report = verify_audit_trail(owner.engine)
    assert report.ok and report.count == 3


def test_migrate_grants_the_role_and_check_warns_about_an_owner(
    owner: Database,
    app_role: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(cli, "configure_logging", lambda verbose=False: None)
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SHIEN_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "local-signing-secret")
    monkeypatch.setenv("SHIEN_COORDINATORS", "U0COORD")
    monkeypatch.setenv("DATABASE_URL", _url(owner))
    assert cli.main(["migrate", "--grant-app-role", "no_such_role_x"]) == cli.EXIT_PROBLEMS
    assert "no_such_role_x" in capsys.readouterr().err
    assert cli.main(["migrate", "--grant-app-role", app_role]) == cli.EXIT_OK
    assert f"ロール「{app_role}」に権限を設定しました" in capsys.readouterr().out

    cli.main(["check"])
    assert "監査記録のテーブルを変更できます" in capsys.readouterr().out
    monkeypatch.setenv("DATABASE_URL", _url(owner, app_role))
    cli.main(["check"])
    out = capsys.readouterr().out
    assert "監査記録のテーブルを変更できます" not in out
    assert "ファイルの権限・監査記録の保護: OK" in out
    assert make_url(_url(owner, app_role)).username == app_role

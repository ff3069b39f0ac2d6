"""Administering users: change role, region, enterprise and sign-in; passwords; a user's
tokens. Managing users is the administrator's; each change is audited without secrets."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.service.access import ForbiddenError
from citycarbon.service.actor import LOCAL_ADMIN
from citycarbon.service.roles import Role
from citycarbon.service.users import (
    AuthenticationError,
    UserError,
    actor_for_username,
    authenticate,
    create_user,
    get_user,
    issue_token,
    list_tokens,
    set_password,
    update_user,
)
from citycarbon.store.models import AuditEntry, Region

PASSWORD = "correct horse battery staple"


@pytest.fixture
def sessions(db_sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    with db_sessions.begin() as session:
        session.add(Region(code="321100", name_zh="镇江市", level="city", path="/321100/"))
        session.flush()
        for code, name in (("321102", "京口区"), ("321111", "润州区")):
            session.add(
                Region(code=code, name_zh=name, level="county", parent_code="321100",
                       path=f"/321100/{code}/")
            )  # fmt: skip
        session.flush()
        create_user(session, LOCAL_ADMIN, "root", Role.ADMIN, password=PASSWORD)
        create_user(session, LOCAL_ADMIN, "li", Role.DISTRICT_OFFICIAL, password=PASSWORD,
                    region_code="321102")  # fmt: skip
        create_user(session, LOCAL_ADMIN, "wang", Role.CITY_OFFICE, password=PASSWORD,
                    region_code="321100")  # fmt: skip
    return db_sessions


def _entries(session: Session, action: str) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_an_administrator_changes_role_and_region_and_it_is_audited(
    sessions: sessionmaker[Session],
):
    with sessions.begin() as session:
        root = actor_for_username(session, "root")
        user = update_user(session, root, "li", region_code="321111", display_name="李")
        assert user.region_code == "321111"
        update_user(session, root, "wang", role=Role.PROJECT_REVIEWER)
    with sessions() as session:
        assert actor_for_username(session, "li").region_path == "/321100/321111/"
        assert actor_for_username(session, "wang").role is Role.PROJECT_REVIEWER
        changes = _entries(session, "user.update")
        assert [e.entity_key for e in changes] == ["li", "wang"]
        assert changes[0].actor == "root"
        assert changes[0].before is not None
        assert changes[0].after is not None
        assert changes[0].before["region_code"] == "321102"
        assert changes[0].after["region_code"] == "321111"
        for entry in changes:
            assert "password_hash" not in (entry.before or {})
            assert "password_hash" not in (entry.after or {})


def test_nothing_changed_writes_no_audit_entry(sessions: sessionmaker[Session]):
    with sessions.begin() as session:
        update_user(session, actor_for_username(session, "root"), "li", region_code="321102")
        assert _entries(session, "user.update") == []


def test_only_an_administrator_manages_users(sessions: sessionmaker[Session]):
    with sessions.begin() as session:
        li = actor_for_username(session, "li")
        wang = actor_for_username(session, "wang")
        with pytest.raises(ForbiddenError):
            update_user(session, li, "wang", active=False)
        with pytest.raises(ForbiddenError):
            update_user(session, wang, "li", role=Role.ADMIN)
        with pytest.raises(ForbiddenError):
            set_password(session, wang, "li", "a new password")
        with pytest.raises(ForbiddenError):
            get_user(session, wang, "li")
        with pytest.raises(ForbiddenError):
            list_tokens(session, li, "wang")
        assert get_user(session, li, "li").username == "li"  # oneself


def test_the_rules_of_creation_hold_after_a_change(sessions: sessionmaker[Session]):
    with sessions.begin() as session:
        root = actor_for_username(session, "root")
        with pytest.raises(UserError, match="district official needs a region"):
            update_user(session, root, "li", region_code=None)
        with pytest.raises(UserError, match="enterprise reporter needs an enterprise"):
            update_user(session, root, "wang", role=Role.ENTERPRISE)
        with pytest.raises(UserError, match="unknown region"):
            update_user(session, root, "wang", region_code="999999")
        with pytest.raises(UserError, match="unknown enterprise"):
            update_user(session, root, "wang", credit_code="91321100MA0000000X")
        with pytest.raises(UserError, match="no user"):
            update_user(session, root, "nobody", active=False)


def test_an_administrator_cannot_lock_themselves_out(sessions: sessionmaker[Session]):
    with sessions.begin() as session:
        root = actor_for_username(session, "root")
        with pytest.raises(UserError, match="deactivate yourself"):
            update_user(session, root, "root", active=False)
        with pytest.raises(UserError, match="administrator role"):
            update_user(session, root, "root", role=Role.CITY_OFFICE)
        update_user(session, root, "root", display_name="管理员")  # other changes are fine


def test_a_deactivated_user_cannot_sign_in_and_is_audited_as_such(
    sessions: sessionmaker[Session],
):
    with sessions.begin() as session:
        update_user(session, actor_for_username(session, "root"), "li", active=False)
    with sessions() as session:
        with pytest.raises(AuthenticationError):
            authenticate(session, "li", PASSWORD)
        (entry,) = _entries(session, "user.deactivate")
        assert entry.before is not None
        assert entry.after is not None
        assert (entry.before["is_active"], entry.after["is_active"]) == (True, False)
    with sessions.begin() as session:
        update_user(session, actor_for_username(session, "root"), "li", active=True)
    with sessions() as session:
        assert authenticate(session, "li", PASSWORD).username == "li"


def test_a_user_changes_their_own_password_only_with_the_old_one(
    sessions: sessionmaker[Session],
):
    with sessions.begin() as session:
        li = actor_for_username(session, "li")
        with pytest.raises(AuthenticationError):
            set_password(session, li, "li", "a brand new secret", old_password="wrong")
        with pytest.raises(AuthenticationError):
            set_password(session, li, "li", "a brand new secret")
        with pytest.raises(UserError, match="at least 8"):
            set_password(session, li, "li", "short", old_password=PASSWORD)
        set_password(session, li, "li", "a brand new secret", old_password=PASSWORD)
    with sessions() as session:
        with pytest.raises(AuthenticationError):
            authenticate(session, "li", PASSWORD)
        assert authenticate(session, "li", "a brand new secret").username == "li"
        (entry,) = _entries(session, "user.password_change")
        text = f"{entry.before} {entry.after}"
        assert "secret" not in text
        assert "argon2" not in text


def test_an_administrator_resets_a_password_without_the_old_one(
    sessions: sessionmaker[Session],
):
    with sessions.begin() as session:
        set_password(session, actor_for_username(session, "root"), "wang", "reset by admin")
    with sessions() as session:
        assert authenticate(session, "wang", "reset by admin").username == "wang"
        (entry,) = _entries(session, "user.password_reset")
        assert entry.actor == "root"
        assert entry.entity_key == "wang"


def test_a_users_tokens_are_listed_for_them_and_the_administrator(
    sessions: sessionmaker[Session],
):
    with sessions.begin() as session:
        li = actor_for_username(session, "li")
        token = issue_token(session, li, "li", "feed", days=10)
        mine = list_tokens(session, li, "li")
        assert [t.name for t in mine] == ["feed"]
        assert token.startswith(mine[0].prefix)
        assert [t.id for t in list_tokens(session, actor_for_username(session, "root"), "li")] == [
            mine[0].id
        ]

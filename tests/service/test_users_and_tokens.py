"""Users, argon2 passwords and API tokens, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.service.access import ForbiddenError
from citycarbon.service.actor import LOCAL_ADMIN, Actor
from citycarbon.service.roles import Role
from citycarbon.service.users import (
    AuthenticationError,
    UserError,
    actor_for_token,
    authenticate,
    create_user,
    issue_token,
    revoke_token,
)
from citycarbon.store.models import ApiToken, AuditEntry, Region, User, utcnow

PASSWORD = "correct horse battery staple"


@pytest.fixture
def sessions(db_sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    with db_sessions.begin() as session:
        session.add(Region(code="321100", name_zh="镇江市", level="city", path="/321100/"))
        session.flush()
        session.add(
            Region(
                code="321102", name_zh="京口区", level="county", parent_code="321100",
                path="/321100/321102/",
            )
        )  # fmt: skip
        session.flush()
        create_user(session, LOCAL_ADMIN, "li", Role.DISTRICT_OFFICIAL, password=PASSWORD,
                    region_code="321102")  # fmt: skip
    return db_sessions


def test_password_is_stored_as_argon2id_and_checked(sessions: sessionmaker[Session]):
    with sessions() as session:
        stored = session.scalar(select(User.password_hash).where(User.username == "li"))
        assert stored is not None
        assert stored.startswith("$argon2id$")
        assert PASSWORD not in stored
        actor = authenticate(session, "li", PASSWORD)
        assert actor.role is Role.DISTRICT_OFFICIAL
        assert actor.region_path == "/321100/321102/"


@pytest.mark.parametrize(("username", "password"), [("li", "wrong"), ("nobody", PASSWORD)])
def test_wrong_name_or_password_says_the_same_thing(
    sessions: sessionmaker[Session], username: str, password: str
):
    with sessions() as session, pytest.raises(AuthenticationError) as caught:
        authenticate(session, username, password)
    assert caught.value.message.en == "wrong user name, password or token"


def test_a_deactivated_user_cannot_sign_in(sessions: sessionmaker[Session]):
    with sessions.begin() as session:
        session.execute(update(User).values(is_active=False))
    with sessions() as session, pytest.raises(AuthenticationError):
        authenticate(session, "li", PASSWORD)


def test_token_is_shown_once_and_stored_as_its_hash(sessions: sessionmaker[Session]):
    with sessions.begin() as session:
        token = issue_token(session, LOCAL_ADMIN, "li", name="ci")
    with sessions.begin() as session:
        row = session.scalars(select(ApiToken)).one()
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in (row.token_hash, row.prefix)
        assert token.startswith(row.prefix)
        assert actor_for_token(session, token).username == "li"
    with sessions() as session:
        assert session.scalars(select(ApiToken.last_used_at)).one() is not None
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "token.issue")).one()
        assert entry.after is not None
        assert "token_hash" not in entry.after


def test_revoked_expired_and_unknown_tokens_are_refused(sessions: sessionmaker[Session]):
    with sessions.begin() as session:
        revoked = issue_token(session, LOCAL_ADMIN, "li")
        expired = issue_token(session, LOCAL_ADMIN, "li")
    with sessions.begin() as session:
        first = session.scalar(select(ApiToken.id).order_by(ApiToken.id))
        assert first is not None
        revoke_token(session, LOCAL_ADMIN, first)
        session.execute(
            update(ApiToken)
            .where(ApiToken.id != first)
            .values(expires_at=utcnow() - dt.timedelta(seconds=1))
        )
    for token in (revoked, expired, revoked + "x", "cc_unknown"):
        with sessions() as session, pytest.raises(AuthenticationError):
            actor_for_token(session, token)


def test_only_user_managers_create_users_or_issue_tokens_for_others(
    sessions: sessionmaker[Session],
):
    with sessions() as session:
        li = authenticate(session, "li", PASSWORD)
        with pytest.raises(ForbiddenError):
            create_user(session, li, "wang", Role.PUBLIC)
        with pytest.raises(ForbiddenError):
            issue_token(session, Actor("x", Role.CITY_OFFICE), "li")
        # a user may issue a token for themself
        assert issue_token(session, li, "li").startswith("cc_")


@pytest.mark.parametrize(
    ("role", "kwargs", "reason"),
    [
        (Role.DISTRICT_OFFICIAL, {}, "a district official needs a region"),
        (Role.ENTERPRISE, {}, "an enterprise reporter needs an enterprise"),
        (Role.PUBLIC, {"region_code": "999999"}, "unknown region 999999"),
        (Role.ENTERPRISE, {"credit_code": "91321100MA1MXXXX01"}, "unknown enterprise"),
    ],
)
def test_a_user_needs_what_their_role_needs(
    sessions: sessionmaker[Session], role: Role, kwargs: dict[str, str], reason: str
):
    with sessions() as session:
        before = session.scalar(select(User.id).order_by(User.id.desc()))
        with pytest.raises(UserError, match=reason):
            create_user(session, LOCAL_ADMIN, "new", role, **kwargs)
        assert session.scalar(select(User.id).order_by(User.id.desc())) == before


def test_user_names_are_unique(sessions: sessionmaker[Session]):
    with sessions() as session, pytest.raises(UserError, match="exists"):
        create_user(session, LOCAL_ADMIN, "li", Role.PUBLIC)

"""Users, passwords (argon2id) and API tokens (only their SHA-256 is stored)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from citycarbon.errors import CitycarbonError, Message
from citycarbon.service import audit
from citycarbon.service.access import Permission, require
from citycarbon.service.actor import Actor
from citycarbon.service.roles import Role
from citycarbon.store.lookups import enterprise_by_credit_code
from citycarbon.store.models import ApiToken, Region, User, utcnow

TOKEN_PREFIX = "cc_"  # noqa: S105 - marks a citycarbon token, not a secret
_hasher = PasswordHasher()


class AuthenticationError(CitycarbonError):
    """Wrong user name, password or token (deliberately not saying which)."""


class UserError(CitycarbonError):
    """A user cannot be created or changed as asked."""


def _denied() -> AuthenticationError:
    return AuthenticationError(
        Message(zh="用户名、密码或令牌不正确", en="wrong user name, password or token")
    )


def actor_of(session: Session, user: User) -> Actor:
    path = None
    if user.region_code is not None:
        path = session.scalar(select(Region.path).where(Region.code == user.region_code))
    return Actor(
        username=user.username,
        role=Role(user.role),
        user_id=user.id,
        region_code=user.region_code,
        region_path=path,
        enterprise_id=user.enterprise_id,
    )


def actor_for_user_id(session: Session, user_id: int) -> Actor:
    """The actor of a signed-in user (a web session names its user by id)."""
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise _denied()
    return actor_of(session, user)


def actor_for_username(session: Session, username: str) -> Actor:
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.is_active:
        raise UserError(
            Message(zh=f"没有启用的用户 {username}", en=f"no active user called {username}")
        )
    return actor_of(session, user)


def create_user(
    session: Session,
    by: Actor,
    username: str,
    role: Role,
    *,
    password: str | None = None,
    display_name: str = "",
    region_code: str | None = None,
    credit_code: str | None = None,
) -> User:
    """Add a user. A district official needs a region, an enterprise reporter an enterprise
    (by 统一社会信用代码)."""
    require(by, Permission.MANAGE_USERS)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise UserError(Message(zh=f"用户 {username} 已存在", en=f"user {username} exists"))
    if region_code is not None and session.get(Region, region_code) is None:
        raise UserError(
            Message(zh=f"未知的地区代码 {region_code}", en=f"unknown region {region_code}")
        )
    if role is Role.DISTRICT_OFFICIAL and region_code is None:
        raise UserError(
            Message(zh="县区负责人必须指定地区", en="a district official needs a region")
        )
    enterprise_id = None
    if credit_code is not None:
        firm = enterprise_by_credit_code(session, credit_code)
        enterprise_id = None if firm is None else firm.id
        if enterprise_id is None:
            raise UserError(
                Message(zh=f"未知的企业 {credit_code}", en=f"unknown enterprise {credit_code}")
            )
    if role is Role.ENTERPRISE and enterprise_id is None:
        raise UserError(
            Message(zh="企业填报人必须指定企业", en="an enterprise reporter needs an enterprise")
        )
    user = User(
        username=username,
        display_name=display_name,
        role=role.value,
        region_code=region_code,
        enterprise_id=enterprise_id,
        password_hash=None if password is None else _hasher.hash(password),
        created_at=utcnow(),
    )
    session.add(user)
    session.flush()
    audit.record(
        session, by, "user.create", "user", user.username,
        after=audit.snapshot(user, exclude=("password_hash",)),
    )  # fmt: skip
    return user


def authenticate(session: Session, username: str, password: str) -> Actor:
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.is_active or user.password_hash is None:
        # hash anyway so that an unknown name takes as long as a wrong password
        _hasher.hash(password)
        raise _denied()
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise _denied() from None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return actor_of(session, user)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(
    session: Session, by: Actor, username: str, name: str = "", days: int | None = 365
) -> str:
    """A new API token for ``username``; the token itself is returned once, never stored."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise UserError(Message(zh=f"没有用户 {username}", en=f"no user called {username}"))
    if by.user_id != user.id:
        require(by, Permission.MANAGE_USERS)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    row = ApiToken(
        user_id=user.id,
        name=name,
        prefix=token[:10],
        token_hash=_digest(token),
        created_at=now,
        expires_at=None if days is None else now + dt.timedelta(days=days),
    )
    session.add(row)
    session.flush()
    audit.record(
        session, by, "token.issue", "api_token", row.id,
        after=audit.snapshot(row, exclude=("token_hash",)),
    )  # fmt: skip
    return token


def actor_for_token(session: Session, token: str) -> Actor:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    now = utcnow()
    if row is None or row.revoked_at is not None or (row.expires_at and row.expires_at < now):
        raise _denied()
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise _denied()
    row.last_used_at = now
    return actor_of(session, user)


def revoke_token(session: Session, by: Actor, token_id: int) -> None:
    row = session.get(ApiToken, token_id)
    if row is None:
        raise UserError(Message(zh=f"没有令牌 {token_id}", en=f"no token {token_id}"))
    if by.user_id != row.user_id:
        require(by, Permission.MANAGE_USERS)
    before = audit.snapshot(row, exclude=("token_hash",))
    row.revoked_at = utcnow()
    audit.record(
        session, by, "token.revoke", "api_token", row.id,
        before=before, after=audit.snapshot(row, exclude=("token_hash",)),
    )  # fmt: skip


def list_users(session: Session, by: Actor) -> list[User]:
    """Every user, by name (for whoever manages users)."""
    require(by, Permission.MANAGE_USERS)
    return list(session.scalars(select(User).order_by(User.username)))


# ---- administration: read one user, change a user, passwords, a user's tokens

MIN_PASSWORD_LENGTH = 8
_KEEP: object = object()  # "leave this field as it is" (None clears region or enterprise)


def _user_named(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise UserError(Message(zh=f"没有用户 {username}", en=f"no user called {username}"))
    return user


def get_user(session: Session, by: Actor, username: str) -> User:
    """One user, for themselves or for whoever manages users."""
    user = _user_named(session, username)
    if by.user_id != user.id:
        require(by, Permission.MANAGE_USERS)
    return user


def update_user(
    session: Session,
    by: Actor,
    username: str,
    *,
    role: Role | None = None,
    region_code: str | object | None = _KEEP,
    credit_code: str | object | None = _KEEP,
    display_name: str | None = None,
    active: bool | None = None,
) -> User:
    """Change a user's role, region, enterprise, display name or whether they may sign in.
    Arguments left out are kept; ``region_code=None`` / ``credit_code=None`` clear the
    region / enterprise. The same rules as :func:`create_user` hold afterwards, and an
    administrator cannot take away their own administration or sign-in (nobody would be
    left to give it back)."""
    require(by, Permission.MANAGE_USERS)
    user = _user_named(session, username)
    before = audit.snapshot(user, exclude=("password_hash",))
    if by.user_id == user.id and (
        (role is not None and role is not Role(user.role)) or active is False
    ):
        raise UserError(
            Message(
                zh="不能取消自己的管理员角色或停用自己的账号",
                en="you cannot remove your own administrator role or deactivate yourself",
            )
        )
    if role is not None:
        user.role = role.value
    if region_code is not _KEEP:
        if region_code is not None and session.get(Region, region_code) is None:
            raise UserError(
                Message(zh=f"未知的地区代码 {region_code}", en=f"unknown region {region_code}")
            )
        user.region_code = region_code if isinstance(region_code, str) else None
    if credit_code is not _KEEP:
        user.enterprise_id = None
        if isinstance(credit_code, str):
            firm = enterprise_by_credit_code(session, credit_code)
            if firm is None:
                raise UserError(
                    Message(zh=f"未知的企业 {credit_code}", en=f"unknown enterprise {credit_code}")
                )
            user.enterprise_id = firm.id
    if display_name is not None:
        user.display_name = display_name
    if active is not None:
        user.is_active = active
    if Role(user.role) is Role.DISTRICT_OFFICIAL and user.region_code is None:
        raise UserError(
            Message(zh="县区负责人必须指定地区", en="a district official needs a region")
        )
    if Role(user.role) is Role.ENTERPRISE and user.enterprise_id is None:
        raise UserError(
            Message(zh="企业填报人必须指定企业", en="an enterprise reporter needs an enterprise")
        )
    after = audit.snapshot(user, exclude=("password_hash",))
    if after != before:
        session.flush()
        action = "user.deactivate" if before["is_active"] and not user.is_active else "user.update"
        audit.record(session, by, action, "user", user.username, before=before, after=after)
    return user


def set_password(
    session: Session,
    by: Actor,
    username: str,
    new_password: str,
    *,
    old_password: str | None = None,
) -> None:
    """A user changes their own password (giving the old one), or whoever manages users
    sets another user's. The audit entry says that it changed, never what to."""
    user = _user_named(session, username)
    if by.user_id == user.id:
        if old_password is None or user.password_hash is None:
            raise _denied()
        try:
            _hasher.verify(user.password_hash, old_password)
        except (VerificationError, InvalidHashError):
            raise _denied() from None
        action = "user.password_change"
    else:
        require(by, Permission.MANAGE_USERS)
        action = "user.password_reset"
    if len(new_password) < MIN_PASSWORD_LENGTH:
        raise UserError(
            Message(
                zh=f"密码至少需要 {MIN_PASSWORD_LENGTH} 个字符",
                en=f"a password needs at least {MIN_PASSWORD_LENGTH} characters",
            )
        )
    had_password = user.password_hash is not None
    user.password_hash = _hasher.hash(new_password)
    audit.record(
        session, by, action, "user", user.username,
        before={"has_password": had_password}, after={"has_password": True},
    )  # fmt: skip


def list_tokens(session: Session, by: Actor, username: str) -> list[ApiToken]:
    """A user's API tokens (never the tokens themselves: only prefix, name and dates), for
    the user or whoever manages users."""
    user = get_user(session, by, username)
    return list(
        session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id))
    )

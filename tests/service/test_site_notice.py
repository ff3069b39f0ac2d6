"""The site-wide banner is data: set by who manages settings, audited, shown on every page."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.errors import Message
from citycarbon.service.access import ForbiddenError
from citycarbon.service.actor import LOCAL_ADMIN, Actor
from citycarbon.service.roles import Role
from citycarbon.service.site import set_site_notice, site_notice
from citycarbon.store.models import AuditEntry


def test_the_banner_is_set_cleared_and_audited(db_sessions: sessionmaker[Session]):
    with db_sessions.begin() as session:
        assert site_notice(session) is None
        set_site_notice(session, LOCAL_ADMIN, Message(zh="系统维护", en="maintenance"))
    with db_sessions.begin() as session:
        assert site_notice(session) == Message(zh="系统维护", en="maintenance")
        with pytest.raises(ForbiddenError):
            set_site_notice(session, Actor("d", Role.DISTRICT_OFFICIAL), None)
        set_site_notice(session, LOCAL_ADMIN, None)
    with db_sessions() as session:
        assert site_notice(session) is None
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.entity == "setting")
        ).all()
        assert actions == ["setting.update", "setting.update"]

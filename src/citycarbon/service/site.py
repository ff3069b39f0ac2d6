"""Platform-wide notices kept as data: a banner every page shows (the demo city says its
data are synthetic; an operator may announce maintenance)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from citycarbon.errors import Message
from citycarbon.service import audit
from citycarbon.service.access import Permission, require
from citycarbon.service.actor import Actor
from citycarbon.store.models import Setting

NOTICE_KEY = "site_notice"


def site_notice(session: Session) -> Message | None:
    row = session.get(Setting, NOTICE_KEY)
    if row is None or not row.value.get("zh"):
        return None
    return Message(zh=str(row.value["zh"]), en=str(row.value.get("en") or row.value["zh"]))


def set_site_notice(session: Session, actor: Actor, notice: Message | None) -> None:
    """Set (or with ``None`` clear) the banner; MANAGE_SETTINGS, audited."""
    require(actor, Permission.MANAGE_SETTINGS)
    row = session.get(Setting, NOTICE_KEY)
    before = None if row is None else dict(row.value)
    value = {} if notice is None else {"zh": notice.zh, "en": notice.en}
    if row is None:
        session.add(Setting(key=NOTICE_KEY, value=value))
    else:
        row.value = value
    audit.record(
        session, actor, "setting.update", "setting", NOTICE_KEY, before=before, after=value
    )

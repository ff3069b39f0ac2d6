"""The append-only audit log: who did what, when, to which record, before and after."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from citycarbon.service.actor import Actor
from citycarbon.store.models import AuditEntry, Base, utcnow


def _plain(value: object) -> object:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


def snapshot(row: Base, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """The column values of a row as JSON-ready data (binary content summarised)."""
    mapper = inspect(row).mapper
    return {
        attr.key: _plain(getattr(row, attr.key))
        for attr in mapper.column_attrs
        if attr.key not in exclude
    }


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_key: object,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction, so it commits with the change or not
    at all."""
    entry = AuditEntry(
        at=utcnow(),
        actor_id=actor.user_id,
        actor=actor.username,
        action=action,
        entity=entity,
        entity_key=str(entity_key),
        before=before,
        after=after,
        reason=reason,
    )
    session.add(entry)
    return entry

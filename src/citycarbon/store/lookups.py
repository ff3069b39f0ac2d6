"""Finding stored records by their natural keys, one way for every use case."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from citycarbon.enterprise.credit_code import normalise_credit_code
from citycarbon.store.models import Enterprise


def enterprise_by_credit_code(session: Session, credit_code: str) -> Enterprise | None:
    """The enterprise with this 统一社会信用代码, typed as a user types it (spaces,
    lower case and full-width characters are normalised first)."""
    code = normalise_credit_code(credit_code)
    return session.scalar(select(Enterprise).where(Enterprise.credit_code == code))

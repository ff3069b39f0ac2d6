"""Read models for the administration and reference-data pages: users with the names of
their region and enterprise, the region tree an actor may see, and the factor-set versions
registered in the database with the stored inventories that used them. Pure reads; access
is decided by :mod:`citycarbon.service.access` (through the functions called here)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from citycarbon.service.access import visible_inventories, visible_regions
from citycarbon.service.actor import Actor
from citycarbon.service.users import get_user, list_users
from citycarbon.store.models import Enterprise, FactorSetVersion, InventoryRun, Region, User


@dataclass(frozen=True)
class UserView:
    """A user as an administrator sees it (no password hash, by construction)."""

    id: int
    username: str
    display_name: str
    role: str
    region_code: str | None
    region_name_zh: str | None
    region_name_en: str | None
    credit_code: str | None
    enterprise_name_zh: str | None
    is_active: bool
    created_at: str
    has_password: bool


def _views(session: Session, users: list[User]) -> list[UserView]:
    region_codes = {u.region_code for u in users if u.region_code}
    firm_ids = {u.enterprise_id for u in users if u.enterprise_id is not None}
    regions = {
        r.code: r for r in session.scalars(select(Region).where(Region.code.in_(region_codes)))
    }
    firms = {
        f.id: f for f in session.scalars(select(Enterprise).where(Enterprise.id.in_(firm_ids)))
    }
    views = []
    for u in users:
        region = regions.get(u.region_code or "")
        firm = firms.get(u.enterprise_id) if u.enterprise_id is not None else None
        views.append(
            UserView(
                id=u.id,
                username=u.username,
                display_name=u.display_name,
                role=u.role,
                region_code=u.region_code,
                region_name_zh=region.name_zh if region else None,
                region_name_en=region.name_en if region else None,
                credit_code=firm.credit_code if firm else None,
                enterprise_name_zh=firm.name_zh if firm else None,
                is_active=u.is_active,
                created_at=u.created_at.isoformat(timespec="seconds"),
                has_password=u.password_hash is not None,
            )
        )
    return views


def user_views(session: Session, by: Actor) -> list[UserView]:
    """Every user (for whoever manages users)."""
    return _views(session, list_users(session, by))


def user_view(session: Session, by: Actor, username: str) -> UserView:
    """One user (for themselves or whoever manages users)."""
    return _views(session, [get_user(session, by, username)])[0]


def visible_region_list(session: Session, by: Actor) -> list[Region]:
    """The regions this actor may see, parents before children (by materialised path)."""
    return list(session.scalars(visible_regions(by, select(Region)).order_by(Region.path)))


@dataclass(frozen=True)
class RegisteredFactorSet:
    ref: str
    name: str
    version: str
    catalogue_sha256: str
    registered_at: str
    inventories: list[InventoryRun]


def registered_factor_sets(session: Session, by: Actor) -> list[RegisteredFactorSet]:
    """Factor-set versions pinned by stored inventories, with the inventories this actor
    may see (the public: published ones)."""
    runs = list(
        session.scalars(
            visible_inventories(by, select(InventoryRun)).order_by(
                InventoryRun.region_code, InventoryRun.year, InventoryRun.id
            )
        )
    )
    used: dict[str, list[InventoryRun]] = {}
    for run in runs:
        used.setdefault(run.factor_set, []).append(run)
    return [
        RegisteredFactorSet(
            ref=v.ref,
            name=v.name,
            version=v.version,
            catalogue_sha256=v.catalogue_sha256,
            registered_at=v.registered_at.isoformat(timespec="seconds"),
            inventories=used.get(v.ref, []),
        )
        for v in session.scalars(select(FactorSetVersion).order_by(FactorSetVersion.ref))
    ]

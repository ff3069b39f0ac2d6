"""Administration over HTTP: users, their passwords and API tokens, the roles with their
permissions, the region tree and the audit log.

Every decision is the service layer's: managing users needs ``user.manage`` (the
administrator); a user may read itself, change its own password (giving the old one) and
issue or revoke its own tokens; the audit log needs ``audit.read``; regions are filtered per
actor. Nothing here returns a password hash or a stored token hash."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from citycarbon.refdata.loader import load_codelist
from citycarbon.service.access import GRANTS, Permission
from citycarbon.service.directory import UserView, user_view, user_views, visible_region_list
from citycarbon.service.report_queries import list_audit
from citycarbon.service.roles import Role
from citycarbon.service.users import (
    create_user,
    issue_token,
    list_tokens,
    revoke_token,
    set_password,
    update_user,
)
from citycarbon.store.models import ApiToken, AuditEntry, Region
from citycarbon.web.api.refdata import csv_response
from citycarbon.web.auth import forget_actors
from citycarbon.web.deps import ActorDep, ReadSession, Sessions, SignedInDep
from citycarbon.web.responses import JsonResponse

router = APIRouter(tags=["administration"])

Format = Annotated[
    Literal["json", "csv"], Query(alias="format", description="json (default) or csv")
]



def user_dict(view: UserView) -> dict[str, Any]:
    role = Role(view.role)
    return {
        "id": view.id,
        "username": view.username,
        "display_name": view.display_name,
        "role": role.value,
        "role_zh": role.label.zh,
        "role_en": role.label.en,
        "region_code": view.region_code,
        "region_name_zh": view.region_name_zh,
        "region_name_en": view.region_name_en,
        "credit_code": view.credit_code,
        "enterprise_name_zh": view.enterprise_name_zh,
        "active": view.is_active,
        "has_password": view.has_password,
        "created_at": view.created_at,
    }


def token_dict(token: ApiToken) -> dict[str, Any]:
    def at(value: Any) -> str | None:
        return None if value is None else value.isoformat(timespec="seconds")

    return {
        "id": token.id,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": at(token.created_at),
        "expires_at": at(token.expires_at),
        "revoked_at": at(token.revoked_at),
        "last_used_at": at(token.last_used_at),
    }


def audit_dict(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": entry.at.isoformat(timespec="seconds"),
        "actor": entry.actor,
        "action": entry.action,
        "entity": entry.entity,
        "key": entry.entity_key,
        "before": entry.before,
        "after": entry.after,
        "reason": entry.reason,
    }


def role_matrix() -> list[dict[str, Any]]:
    return [
        {
            "role": role.value,
            "label_zh": role.label.zh,
            "label_en": role.label.en,
            "permissions": [p.value for p in Permission if p in GRANTS[role]],
        }
        for role in Role
    ]


def zone_labels() -> dict[str, dict[str, str]]:
    return {row["code"]: row for row in load_codelist("cn_main_function_zones")}


def region_tree(regions: list[Region]) -> list[dict[str, Any]]:
    """Nested regions; a region whose parent the actor cannot see is a root."""
    zones = zone_labels()
    nodes: dict[str, dict[str, Any]] = {}
    roots: list[dict[str, Any]] = []
    for r in regions:  # parents first: ordered by path
        zone = zones.get(r.function_zone or "")
        node: dict[str, Any] = {
            "code": r.code, "name_zh": r.name_zh, "name_en": r.name_en, "level": r.level,
            "parent_code": r.parent_code, "function_zone": r.function_zone,
            "function_zone_zh": zone["name_zh"] if zone else None,
            "function_zone_en": zone["name_en"] if zone else None,
            "children": [],
        }  # fmt: skip
        nodes[r.code] = node
        parent = nodes.get(r.parent_code or "")
        (parent["children"] if parent is not None else roots).append(node)
    return roots


# ---- users


@router.get("/users", summary="用户列表 / users (administrator)")
async def get_users(actor: SignedInDep, session: ReadSession, output: Format = "json") -> Response:
    users = [user_dict(v) for v in user_views(session, actor)]
    if output == "csv":
        return csv_response(users, "users")
    return JsonResponse({"users": users})


class NewUser(BaseModel):
    username: str = Field(min_length=1, max_length=80, pattern=r"^[\w.@-]+$")
    role: Role
    password: str | None = Field(default=None, min_length=8, max_length=200)
    display_name: str = Field(default="", max_length=200)
    region_code: str | None = Field(default=None, max_length=12)
    credit_code: str | None = Field(default=None, max_length=18)


@router.post("/users", summary="新增用户 / add a user (administrator)", status_code=201)
def post_user(body: NewUser, actor: SignedInDep, sessions: Sessions) -> Response:
    with sessions.begin() as session:
        user = create_user(
            session, actor, body.username, body.role, password=body.password,
            display_name=body.display_name, region_code=body.region_code or None,
            credit_code=body.credit_code or None,
        )  # fmt: skip
        view = user_view(session, actor, user.username)
    return JsonResponse(user_dict(view), status_code=201)


@router.get("/users/{username}", summary="一个用户 / one user (itself or administrator)")
async def get_one_user(username: str, actor: SignedInDep, session: ReadSession) -> Response:
    return JsonResponse(user_dict(user_view(session, actor, username)))


class UserChange(BaseModel):
    """Only the fields sent change; ``null`` clears region or enterprise."""

    role: Role | None = None
    region_code: str | None = Field(default=None, max_length=12)
    credit_code: str | None = Field(default=None, max_length=18)
    display_name: str | None = Field(default=None, max_length=200)
    active: bool | None = None


@router.patch("/users/{username}", summary="修改用户 / change a user (administrator)")
def patch_user(
    username: str, body: UserChange, request: Request, actor: SignedInDep, sessions: Sessions
) -> Response:
    sent = body.model_fields_set
    changes: dict[str, Any] = {
        k: getattr(body, k) for k in ("role", "display_name", "active") if k in sent
    }
    for k in ("region_code", "credit_code"):
        if k in sent:
            changes[k] = getattr(body, k) or None
    with sessions.begin() as session:
        update_user(session, actor, username, **changes)
        view = user_view(session, actor, username)
    forget_actors(request)
    return JsonResponse(user_dict(view))


class PasswordChange(BaseModel):
    new_password: str = Field(min_length=1, max_length=200)
    old_password: str | None = Field(default=None, max_length=200)


@router.post(
    "/users/{username}/password",
    summary="修改或重置密码 / change (own, with the old one) or reset (administrator) a password",
    status_code=204,
)
def post_password(
    username: str, body: PasswordChange, actor: SignedInDep, sessions: Sessions
) -> Response:
    with sessions.begin() as session:
        set_password(session, actor, username, body.new_password, old_password=body.old_password)
    return Response(status_code=204)


@router.get("/users/{username}/tokens", summary="用户的 API 令牌 / a user's API tokens")
async def get_tokens(username: str, actor: SignedInDep, session: ReadSession) -> Response:
    return JsonResponse({"tokens": [token_dict(t) for t in list_tokens(session, actor, username)]})


class NewToken(BaseModel):
    name: str = Field(default="", max_length=100)
    days: int = Field(default=90, ge=1, le=366)


@router.post(
    "/users/{username}/tokens",
    summary="签发 API 令牌 / issue an API token (own, or administrator)",
    status_code=201,
)
def post_token(username: str, body: NewToken, actor: SignedInDep, sessions: Sessions) -> Response:
    with sessions.begin() as session:
        token = issue_token(session, actor, username, body.name, body.days)
        # the newest of the user's tokens in this transaction is the one just issued
        data = token_dict(max(list_tokens(session, actor, username), key=lambda t: t.id))
    # the token itself is shown this once and never stored
    return JsonResponse(dict(data, token=token), status_code=201)


@router.delete(
    "/tokens/{token_id}",
    summary="吊销 API 令牌 / revoke an API token (own, or administrator)",
    status_code=204,
)
def delete_token(
    token_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    request: Request,
    actor: SignedInDep,
    sessions: Sessions,
) -> Response:
    with sessions.begin() as session:
        revoke_token(session, actor, token_id)
    forget_actors(request)
    return Response(status_code=204)


# ---- roles, regions, audit


@router.get("/roles", summary="角色及其权限 / roles with their permissions")
async def get_roles() -> Response:
    return JsonResponse(
        {
            "roles": role_matrix(),
            "permissions": [
                {
                    "permission": p.value,
                    "label_zh": p.label.zh,
                    "label_en": p.label.en,
                }
                for p in Permission
            ],
        }
    )


@router.get("/regions", summary="地区树（按用户可见范围）/ the region tree an actor may see")
async def get_regions(actor: ActorDep, session: ReadSession, output: Format = "json") -> Response:
    regions = visible_region_list(session, actor)
    if output == "csv":
        zones = zone_labels()
        return csv_response(
            (
                {"code": r.code, "name_zh": r.name_zh, "name_en": r.name_en, "level": r.level,
                 "parent_code": r.parent_code, "function_zone": r.function_zone,
                 "function_zone_zh": zones.get(r.function_zone or "", {}).get("name_zh")}
                for r in regions
            ),
            "regions",
        )  # fmt: skip
    return JsonResponse({"regions": region_tree(regions), "count": len(regions)})


@router.get("/audit", summary="审计日志 / the audit log (audit.read)")
async def get_audit(
    actor: SignedInDep,
    session: ReadSession,
    entity: Annotated[str | None, Query(max_length=40)] = None,
    key: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 100,
    output: Format = "json",
) -> Response:
    entries = list_audit(session, actor, entity=entity or None, key=key or None, limit=limit)
    rows = [audit_dict(e) for e in reversed(entries)]  # newest first
    if output == "csv":
        return csv_response(rows, "audit")
    return JsonResponse({"entries": rows})

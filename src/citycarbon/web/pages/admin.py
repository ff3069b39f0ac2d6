"""The administration pages: users (create, edit, deactivate, reset a password, tokens),
the role × permission matrix, the region tree with function zones and the audit log.

The page is for the administrator (``user.manage``); holders of ``audit.read`` (the city
office) see its read-only parts. A user's own page (password, tokens) is open to that user.
Forms post to these routes and work without JavaScript; htmx (``hx-boost``) makes them
swap in place. Every change is made, checked and audited by ``citycarbon.service.users``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from citycarbon.errors import Message
from citycarbon.service.access import ForbiddenError, Permission, may
from citycarbon.service.actor import Actor
from citycarbon.service.directory import user_view, user_views, visible_region_list
from citycarbon.service.report_queries import list_audit
from citycarbon.service.roles import Role
from citycarbon.service.users import (
    MIN_PASSWORD_LENGTH,
    AuthenticationError,
    UserError,
    create_user,
    issue_token,
    list_tokens,
    revoke_token,
    set_password,
    update_user,
)
from citycarbon.web.api.admin import audit_dict, region_tree, role_matrix
from citycarbon.web.auth import forget_actors
from citycarbon.web.deps import ReadSession, Sessions, SignedInDep
from citycarbon.web.templating import render

router = APIRouter(include_in_schema=False)

DONE: dict[str, Message] = {
    "created": Message(zh="已新增用户", en="user added"),
    "updated": Message(zh="已保存修改", en="changes saved"),
    "password": Message(zh="密码已更新", en="password updated"),
    "revoked": Message(zh="令牌已吊销", en="token revoked"),
}

Text = Annotated[str, Form(max_length=200)]
OptionalText = Annotated[str, Form(max_length=200)]


def _admin_context(
    session: Session, actor: Actor, entity: str | None, key: str | None, limit: int
) -> dict[str, Any]:
    can_manage = may(actor, Permission.MANAGE_USERS)
    can_audit = may(actor, Permission.READ_AUDIT)
    if not (can_manage or can_audit):
        raise ForbiddenError(
            Message(
                zh="系统管理页面仅供管理员和有审计权限的用户使用",
                en="the administration page is for administrators and audit readers",
            )
        )
    regions = visible_region_list(session, actor)
    audit = (
        [audit_dict(e) for e in reversed(list_audit(session, actor, entity=entity, key=key,
                                                    limit=limit))]
        if can_audit
        else []
    )  # fmt: skip
    return {
        "can_manage": can_manage,
        "can_audit": can_audit,
        "users": user_views(session, actor) if can_manage else [],
        "roles": list(Role),
        "matrix": role_matrix(),
        "permissions": [(p, p.label) for p in Permission],
        "tree": region_tree(regions),
        "regions": regions,
        "audit": audit,
        "filters": {"entity": entity or "", "key": key or "", "limit": limit},
        "error": None,
        "form": {},
    }


@router.get("/admin")
async def admin_page(
    request: Request,
    actor: SignedInDep,
    session: ReadSession,
    entity: Annotated[str | None, Query(max_length=40)] = None,
    key: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    done: str | None = None,
) -> Response:
    context = _admin_context(session, actor, entity or None, key or None, limit)
    context["done"] = DONE.get(done or "")
    return render(request, "admin.html", context)


@router.post("/admin/users")
def create_user_form(
    request: Request,
    actor: SignedInDep,
    sessions: Sessions,
    username: Annotated[str, Form(min_length=1, max_length=80, pattern=r"^[\w.@-]+$")],
    role: Annotated[Role, Form()],
    password: OptionalText = "",
    display_name: OptionalText = "",
    region_code: OptionalText = "",
    credit_code: OptionalText = "",
) -> Response:
    try:
        with sessions.begin() as session:
            create_user(
                session, actor, username, role, password=_check_password(password) or None,
                display_name=display_name, region_code=region_code or None,
                credit_code=credit_code or None,
            )  # fmt: skip
    except UserError as exc:
        with sessions() as session:
            context = _admin_context(session, actor, None, None, 100)
        context.update(error=exc.message, done=None, form={
            "username": username, "role": role.value, "display_name": display_name,
            "region_code": region_code, "credit_code": credit_code,
        })  # fmt: skip
        return render(request, "admin.html", context, _form_error_status(request))
    return RedirectResponse(f"/admin/users/{username}?done=created", status_code=303)


def _form_error_status(request: Request) -> int:
    """400 for a plain form post; 200 for htmx, which swaps no error response."""
    return 200 if request.headers.get("HX-Request") else 400


def _check_password(password: str) -> str:
    if password and len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(
            Message(
                zh=f"密码至少需要 {MIN_PASSWORD_LENGTH} 个字符",
                en=f"a password needs at least {MIN_PASSWORD_LENGTH} characters",
            )
        )
    return password


def _user_context(session: Session, actor: Actor, username: str) -> dict[str, Any]:
    view = user_view(session, actor, username)  # refuses anyone but the user or an admin
    can_manage = may(actor, Permission.MANAGE_USERS)
    return {
        "user": view,
        "role": Role(view.role),
        "is_self": actor.user_id == view.id,
        "can_manage": can_manage,
        "roles": list(Role),
        "regions": visible_region_list(session, actor) if can_manage else [],
        "tokens": list_tokens(session, actor, username),
        "trail": [audit_dict(e) for e in reversed(list_audit(
            session, actor, entity="user", key=username, limit=50
        ))] if may(actor, Permission.READ_AUDIT) else [],
        "error": None,
        "new_token": None,
        "done": None,
    }  # fmt: skip


@router.get("/admin/users/{username}")
async def user_page(
    request: Request,
    username: str,
    actor: SignedInDep,
    session: ReadSession,
    done: str | None = None,
) -> Response:
    context = _user_context(session, actor, username)
    context["done"] = DONE.get(done or "")
    return render(request, "admin_user.html", context)


def _user_error(
    request: Request, sessions: Sessions, actor: Actor, username: str, error: Message
) -> Response:
    with sessions() as session:
        context = _user_context(session, actor, username)
    context["error"] = error
    return render(request, "admin_user.html", context, _form_error_status(request))


@router.post("/admin/users/{username}")
def edit_user_form(
    request: Request,
    username: str,
    actor: SignedInDep,
    sessions: Sessions,
    role: Annotated[Role, Form()],
    display_name: OptionalText = "",
    region_code: OptionalText = "",
    credit_code: OptionalText = "",
    active: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    try:
        with sessions.begin() as session:
            update_user(
                session, actor, username, role=role, display_name=display_name,
                region_code=region_code or None, credit_code=credit_code or None,
                active=active in ("on", "1", "true"),
            )  # fmt: skip
    except UserError as exc:
        return _user_error(request, sessions, actor, username, exc.message)
    forget_actors(request)
    return RedirectResponse(f"/admin/users/{username}?done=updated", status_code=303)


@router.post("/admin/users/{username}/active")
def set_active_form(
    username: str,
    actor: SignedInDep,
    sessions: Sessions,
    request: Request,
    active: Annotated[str, Form(max_length=5)],
) -> Response:
    try:
        with sessions.begin() as session:
            update_user(session, actor, username, active=active in ("on", "1", "true"))
    except UserError as exc:
        return _user_error(request, sessions, actor, username, exc.message)
    forget_actors(request)
    return RedirectResponse(f"/admin/users/{username}?done=updated", status_code=303)


@router.post("/admin/users/{username}/password")
def password_form(
    request: Request,
    username: str,
    actor: SignedInDep,
    sessions: Sessions,
    new_password: Text,
    old_password: OptionalText = "",
) -> Response:
    try:
        with sessions.begin() as session:
            set_password(
                session, actor, username, new_password, old_password=old_password or None
            )
    except (UserError, AuthenticationError) as exc:
        # a wrong old password is a form error here, not a reason to sign the user out
        return _user_error(request, sessions, actor, username, exc.message)
    return RedirectResponse(f"/admin/users/{username}?done=password", status_code=303)


@router.post("/admin/users/{username}/tokens")
def token_form(
    request: Request,
    username: str,
    actor: SignedInDep,
    sessions: Sessions,
    name: Annotated[str, Form(max_length=100)] = "",
    days: Annotated[int, Form(ge=1, le=366)] = 90,
) -> Response:
    try:
        with sessions.begin() as session:
            token = issue_token(session, actor, username, name, days)
    except UserError as exc:
        return _user_error(request, sessions, actor, username, exc.message)
    with sessions() as session:
        context = _user_context(session, actor, username)
    context["new_token"] = token  # shown this once; only its hash is stored
    response = render(request, "admin_user.html", context)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/admin/tokens/{token_id}/revoke")
def revoke_form(
    request: Request,
    token_id: int,
    actor: SignedInDep,
    sessions: Sessions,
    username: Annotated[str, Form(max_length=80)],
) -> Response:
    try:
        with sessions.begin() as session:
            revoke_token(session, actor, token_id)
    except UserError as exc:
        return _user_error(request, sessions, actor, username, exc.message)
    forget_actors(request)
    return RedirectResponse(f"/admin/users/{username}?done=revoked", status_code=303)

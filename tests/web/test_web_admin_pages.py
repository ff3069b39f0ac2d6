"""The administration pages: who may open them, and the forms (create, edit, deactivate,
reset a password, issue and revoke a token) working without JavaScript."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_clients import PASSWORD, csrf_of, signed_in

Client = Callable[[str | None], TestClient]


def test_the_administrator_sees_users_roles_regions_and_the_audit_log(client_as: Client):
    page = client_as("admin").get("/admin")
    assert page.status_code == 200
    html = page.text
    assert 'data-user="district-321102"' in html
    assert 'data-testid="create-user"' in html
    assert 'data-csv="role-permissions"' in html
    assert 'data-testid="region-tree"' in html
    assert 'data-region="321181"' in html
    assert 'id="audit"' in html
    assert "$argon2" not in html
    english = client_as("admin").get("/admin?lang=en").text
    assert "Roles and permissions" in english
    assert "read the audit log" in english


def test_the_city_office_sees_the_read_only_parts(client_as: Client):
    html = client_as("city").get("/admin").text
    assert 'id="audit"' in html
    assert 'id="roles"' in html
    assert 'data-testid="create-user"' not in html
    assert 'data-user="' not in html


def test_others_may_not_open_the_administration_page(client_as: Client):
    for who in ("district-321102", "firm-1", "verifier-a", "reviewer", "public"):
        page = client_as(who).get("/admin", headers={"accept": "text/html"})
        assert page.status_code == 403, who
        assert "系统管理页面仅供" in page.text
    anonymous = client_as(None).get(
        "/admin", headers={"accept": "text/html"}, follow_redirects=False
    )
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/login")


def test_the_audit_log_filters_on_the_page(client_as: Client):
    html = client_as("admin").get("/admin?entity=user&key=firm-1&limit=5").text
    section = html[html.index('id="audit"') :]
    assert "user.create" in section
    assert 'value="firm-1"' in section


def test_a_user_page_is_for_the_user_and_the_administrator(client_as: Client):
    own = client_as("firm-1").get("/admin/users/firm-1")
    assert own.status_code == 200
    assert 'name="old_password"' in own.text  # changing one's own password needs the old one
    assert 'data-testid="edit-user"' not in own.text
    assert client_as("firm-1").get("/admin/users/firm-2").status_code == 403
    admin = client_as("admin").get("/admin/users/firm-2").text
    assert 'data-testid="edit-user"' in admin
    assert 'name="old_password"' not in admin
    assert 'data-testid="deactivate"' in admin


def test_the_administrator_creates_edits_and_deactivates_through_forms(mutable_app: FastAPI):
    admin = signed_in(mutable_app, "admin")
    csrf = csrf_of(admin)
    created = admin.post(
        "/admin/users",
        data={"csrf_token": csrf, "username": "reviewer-2", "role": "project_reviewer",
              "region_code": "321100", "password": "long enough pw", "display_name": "评估"},
        follow_redirects=False,
    )  # fmt: skip
    assert created.status_code == 303, created.text
    assert created.headers["location"] == "/admin/users/reviewer-2?done=created"
    page = admin.get("/admin/users/reviewer-2").text
    assert "评估" in page
    edited = admin.post(
        "/admin/users/reviewer-2",
        data={"csrf_token": csrf, "role": "district_official", "region_code": "321181",
              "display_name": "丹阳", "credit_code": "", "active": "on"},
        follow_redirects=False,
    )  # fmt: skip
    assert edited.status_code == 303
    user = admin.get("/api/v1/users/reviewer-2").json()
    assert (user["role"], user["region_code"], user["active"]) == (
        "district_official", "321181", True,
    )  # fmt: skip
    off = admin.post(
        "/admin/users/reviewer-2/active", data={"csrf_token": csrf, "active": "0"},
        follow_redirects=False,
    )  # fmt: skip
    assert off.status_code == 303
    assert admin.get("/api/v1/users/reviewer-2").json()["active"] is False
    trail = admin.get("/admin/users/reviewer-2").text
    for action in ("user.create", "user.update", "user.deactivate"):
        assert action in trail


def test_a_form_error_is_shown_in_both_languages(mutable_app: FastAPI):
    admin = signed_in(mutable_app, "admin")
    csrf = csrf_of(admin)
    bad = admin.post(
        "/admin/users",
        data={"csrf_token": csrf, "username": "firm-x", "role": "enterprise"},
    )
    assert bad.status_code == 400
    assert "企业填报人必须指定企业" in bad.text
    assert "an enterprise reporter needs an enterprise" in bad.text
    assert 'value="firm-x"' in bad.text  # what was typed is kept
    htmx = admin.post(
        "/admin/users/firm-1",
        data={"csrf_token": csrf, "role": "district_official", "region_code": ""},
        headers={"HX-Request": "true"},
    )
    assert htmx.status_code == 200  # htmx swaps only successful responses
    assert "a district official needs a region" in htmx.text


def test_forms_need_the_csrf_token_and_the_right_role(mutable_app: FastAPI):
    admin = signed_in(mutable_app, "admin")
    forged = admin.post("/admin/users", data={"username": "x", "role": "public"})
    assert forged.status_code == 403
    official = signed_in(mutable_app, "district-321102")
    refused = official.post(
        "/admin/users",
        data={"csrf_token": csrf_of(official), "username": "x", "role": "admin"},
        headers={"accept": "text/html"},
    )
    assert refused.status_code == 403


def test_passwords_are_changed_and_reset_through_forms(mutable_app: FastAPI):
    firm = signed_in(mutable_app, "firm-6")
    csrf = csrf_of(firm)
    wrong = firm.post(
        "/admin/users/firm-6/password",
        data={"csrf_token": csrf, "old_password": "nope", "new_password": "changed pw 1"},
        follow_redirects=False,
    )
    assert wrong.status_code == 400  # a form error, not a sign-out
    assert "用户名、密码或令牌不正确" in wrong.text
    ok = firm.post(
        "/admin/users/firm-6/password",
        data={"csrf_token": csrf, "old_password": PASSWORD, "new_password": "changed pw 1"},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    assert ok.headers["location"].endswith("done=password")
    admin = signed_in(mutable_app, "admin")
    reset = admin.post(
        "/admin/users/firm-6/password",
        data={"csrf_token": csrf_of(admin), "new_password": "reset by admin"},
        follow_redirects=False,
    )
    assert reset.status_code == 303
    login = signed_in(mutable_app, None).post(
        "/login", data={"username": "firm-6", "password": "reset by admin"},
        follow_redirects=False,
    )  # fmt: skip
    assert login.status_code == 303


def test_a_token_is_shown_once_and_revoked_through_forms(mutable_app: FastAPI):
    firm = signed_in(mutable_app, "firm-1")
    csrf = csrf_of(firm)
    issued = firm.post(
        "/admin/users/firm-1/tokens", data={"csrf_token": csrf, "name": "feed", "days": "7"}
    )
    assert issued.status_code == 200
    assert issued.headers["cache-control"] == "no-store"
    token = re.search(r'data-testid="new-token">([^<]+)<', issued.text)
    assert token is not None
    assert token.group(1).startswith("cc_")
    page = firm.get("/admin/users/firm-1").text
    assert token.group(1) not in page  # shown once only
    token_id = re.search(r'data-token="(\d+)"', page)
    assert token_id is not None
    other = signed_in(mutable_app, "firm-2")
    stolen = other.post(
        f"/admin/tokens/{token_id.group(1)}/revoke",
        data={"csrf_token": csrf_of(other), "username": "firm-1"},
        headers={"accept": "text/html"},
    )
    assert stolen.status_code == 403
    revoked = firm.post(
        f"/admin/tokens/{token_id.group(1)}/revoke",
        data={"csrf_token": csrf, "username": "firm-1"},
        follow_redirects=False,
    )
    assert revoked.status_code == 303
    assert "已吊销" in firm.get("/admin/users/firm-1").text

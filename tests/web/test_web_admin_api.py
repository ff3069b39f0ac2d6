"""The administration API: users, passwords, tokens, roles, regions and the audit log,
with the roles allowed and refused on every route."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_clients import PASSWORD, csrf_of, signed_in

from citycarbon.web.app import create_app

Client = Callable[[str | None], TestClient]


def acting(app: FastAPI, username: str) -> TestClient:
    """A signed-in client that sends its CSRF token with every change."""
    client = signed_in(app, username)
    client.headers["X-CSRF-Token"] = csrf_of(client)
    return client


def never_secret(text: str) -> None:
    for secret in ("password_hash", "token_hash", "$argon2", PASSWORD):
        assert secret not in text


# ---- reading users


def test_only_the_administrator_lists_users_and_no_password_is_returned(client_as: Client):
    response = client_as("admin").get("/api/v1/users")
    assert response.status_code == 200
    users = {u["username"]: u for u in response.json()["users"]}
    assert users["district-321102"]["role"] == "district_official"
    assert users["district-321102"]["region_code"] == "321102"
    assert users["firm-1"]["credit_code"]
    assert users["admin"]["active"] is True
    never_secret(response.text)
    for who in ("city", "district-321102", "firm-1", "verifier-a", "reviewer", "public"):
        assert client_as(who).get("/api/v1/users").status_code == 403, who
    assert client_as(None).get("/api/v1/users").status_code == 401


def test_users_export_as_csv(client_as: Client):
    csv = client_as("admin").get("/api/v1/users?format=csv")
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.lstrip("\ufeff").startswith("id,username,display_name,role")
    assert "district-321183" in csv.text
    never_secret(csv.text)


def test_a_user_reads_itself_but_not_another(client_as: Client):
    me = client_as("firm-1").get("/api/v1/users/firm-1")
    assert me.status_code == 200
    assert me.json()["role"] == "enterprise"
    never_secret(me.text)
    assert client_as("firm-1").get("/api/v1/users/firm-2").status_code == 403
    assert client_as("admin").get("/api/v1/users/firm-2").status_code == 200
    assert client_as("admin").get("/api/v1/users/nobody-at-all").status_code == 400


# ---- changing users


def test_the_administrator_creates_a_user_and_the_audit_log_records_it(mutable_app: FastAPI):
    admin = acting(mutable_app, "admin")
    created = admin.post(
        "/api/v1/users",
        json={"username": "district-new", "role": "district_official", "region_code": "321112",
              "password": "a long password", "display_name": "新用户"},
    )  # fmt: skip
    assert created.status_code == 201, created.text
    assert created.json()["region_code"] == "321112"
    never_secret(created.text)
    assert "a long password" not in created.text
    log = admin.get("/api/v1/audit", params={"entity": "user", "key": "district-new"}).json()
    assert [e["action"] for e in log["entries"]] == ["user.create"]
    never_secret(str(log))
    fresh = signed_in(mutable_app, None)
    assert fresh.post(
        "/login", data={"username": "district-new", "password": "a long password"},
        follow_redirects=False,
    ).status_code == 303  # fmt: skip


def test_a_district_official_cannot_create_users(mutable_app: FastAPI):
    official = acting(mutable_app, "district-321102")
    refused = official.post(
        "/api/v1/users", json={"username": "mine", "role": "admin", "password": "12345678910"}
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["zh"]
    assert refused.json()["error"]["en"]
    city = acting(mutable_app, "city")
    assert city.post("/api/v1/users", json={"username": "x", "role": "public"}).status_code == 403


def test_creating_a_user_checks_its_input(mutable_app: FastAPI):
    admin = acting(mutable_app, "admin")
    assert admin.post("/api/v1/users", json={"username": "d", "role": "district_official"}).json()[
        "error"
    ]["en"] == "a district official needs a region"
    exists = admin.post("/api/v1/users", json={"username": "admin", "role": "public"})
    assert exists.status_code == 400
    spaced = admin.post("/api/v1/users", json={"username": "a b", "role": "public"})
    assert spaced.status_code == 422
    assert admin.post("/api/v1/users", json={"username": "p", "role": "king"}).status_code == 422


def test_the_administrator_changes_and_deactivates_a_user(mutable_app: FastAPI):
    admin = acting(mutable_app, "admin")
    changed = admin.patch(
        "/api/v1/users/district-321102", json={"region_code": "321111", "display_name": "改名"}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["region_code"] == "321111"
    assert changed.json()["display_name"] == "改名"
    assert changed.json()["role"] == "district_official"  # fields not sent are kept
    off = admin.patch("/api/v1/users/firm-3", json={"active": False})
    assert off.json()["active"] is False
    log = admin.get("/api/v1/audit?entity=user&limit=10").json()["entries"]
    actions = {(e["action"], e["key"]) for e in log}
    assert ("user.update", "district-321102") in actions
    assert ("user.deactivate", "firm-3") in actions
    entry = next(e for e in log if e["key"] == "district-321102")
    assert entry["before"]["region_code"] == "321102"
    assert entry["after"]["region_code"] == "321111"
    never_secret(str(log))
    login = signed_in(mutable_app, None).post(
        "/login", data={"username": "firm-3", "password": PASSWORD}
    )
    assert login.status_code == 401
    assert admin.patch("/api/v1/users/admin", json={"active": False}).status_code == 400


def test_only_the_administrator_changes_users(mutable_app: FastAPI):
    for who in ("city", "district-321102", "firm-1"):
        client = acting(mutable_app, who)
        assert client.patch(f"/api/v1/users/{who}", json={"role": "admin"}).status_code == 403
        assert client.patch("/api/v1/users/firm-2", json={"active": False}).status_code == 403


def test_a_session_change_without_the_csrf_token_is_refused(mutable_app: FastAPI):
    admin = signed_in(mutable_app, "admin")
    assert admin.patch("/api/v1/users/firm-2", json={"active": False}).status_code == 403


# ---- passwords


def test_a_user_changes_its_own_password_with_the_old_one(mutable_app: FastAPI):
    firm = acting(mutable_app, "firm-1")
    path = "/api/v1/users/firm-1/password"
    wrong = firm.post(path, json={"new_password": "another secret", "old_password": "nope"})
    assert wrong.status_code == 401
    short = firm.post(path, json={"new_password": "short", "old_password": PASSWORD})
    assert short.status_code == 400
    ok = firm.post(path, json={"new_password": "another secret", "old_password": PASSWORD})
    assert ok.status_code == 204
    assert ok.text == ""
    again = signed_in(mutable_app, None).post(
        "/login", data={"username": "firm-1", "password": "another secret"},
        follow_redirects=False,
    )  # fmt: skip
    assert again.status_code == 303


def test_the_administrator_resets_a_password_others_may_not(mutable_app: FastAPI):
    admin = acting(mutable_app, "admin")
    reset = admin.post("/api/v1/users/verifier-b/password", json={"new_password": "reset-12345"})
    assert reset.status_code == 204
    for who in ("city", "firm-1", "verifier-a"):
        refused = acting(mutable_app, who).post(
            "/api/v1/users/verifier-b/password", json={"new_password": "taken-over-1"}
        )
        assert refused.status_code == 403, who
    log = admin.get("/api/v1/audit?entity=user&key=verifier-b").json()["entries"]
    assert log[0]["action"] == "user.password_reset"  # newest first
    never_secret(str(log))
    assert "reset-12345" not in str(log)
    assert signed_in(mutable_app, None).post(
        "/api/v1/users/verifier-b/password", json={"new_password": "x" * 10}
    ).status_code == 401  # fmt: skip


# ---- tokens


def test_a_user_issues_lists_and_revokes_its_own_token(mutable_app: FastAPI):
    firm = acting(mutable_app, "firm-2")
    issued = firm.post("/api/v1/users/firm-2/tokens", json={"name": "erp feed", "days": 5})
    assert issued.status_code == 201
    body = issued.json()
    token = body["token"]
    assert token.startswith(body["prefix"])
    bearer = TestClient(mutable_app, base_url="https://testserver")
    bearer.headers["Authorization"] = f"Bearer {token}"
    assert bearer.get("/api/v1/me").json()["username"] == "firm-2"
    listed = firm.get("/api/v1/users/firm-2/tokens")
    assert listed.status_code == 200
    assert [t["name"] for t in listed.json()["tokens"]] == ["erp feed"]
    assert token not in listed.text
    never_secret(listed.text)
    assert firm.delete(f"/api/v1/tokens/{body['id']}").status_code == 204
    # credentials are cached for a few seconds (web.auth.ACTOR_TTL_S): a fresh application
    # on the same database stands for "after that"
    later_app = create_app(mutable_app.state.settings)
    later = TestClient(later_app, base_url="https://testserver")
    later.headers["Authorization"] = f"Bearer {token}"
    assert later.get("/api/v1/me").status_code == 401
    later_app.state.sessions.kw["bind"].dispose()
    revoked = firm.get("/api/v1/users/firm-2/tokens").json()["tokens"][0]
    assert revoked["revoked_at"] is not None


def test_a_user_may_not_issue_list_or_revoke_another_users_token(mutable_app: FastAPI):
    owner = acting(mutable_app, "firm-4")
    token_id = owner.post("/api/v1/users/firm-4/tokens", json={"name": "x"}).json()["id"]
    other = acting(mutable_app, "firm-5")
    assert other.post("/api/v1/users/firm-4/tokens", json={}).status_code == 403
    assert other.get("/api/v1/users/firm-4/tokens").status_code == 403
    assert other.delete(f"/api/v1/tokens/{token_id}").status_code == 403
    district = acting(mutable_app, "district-321102")
    assert district.delete(f"/api/v1/tokens/{token_id}").status_code == 403
    admin = acting(mutable_app, "admin")
    assert admin.get("/api/v1/users/firm-4/tokens").json()["tokens"][0]["id"] == token_id
    assert admin.post("/api/v1/users/firm-4/tokens", json={"name": "by admin"}).status_code == 201
    assert admin.delete(f"/api/v1/tokens/{token_id}").status_code == 204
    assert admin.delete("/api/v1/tokens/987654").status_code == 400
    assert signed_in(mutable_app, None).delete(f"/api/v1/tokens/{token_id}").status_code == 401


# ---- roles, regions, audit


@pytest.mark.parametrize("who", [None, "firm-1", "admin"])
def test_roles_and_their_permissions_are_published(client_as: Client, who: str | None):
    body = client_as(who).get("/api/v1/roles").json()
    roles = {r["role"]: r for r in body["roles"]}
    assert roles["admin"]["label_zh"] == "系统管理员"
    assert "user.manage" in roles["admin"]["permissions"]
    assert roles["public"]["permissions"] == ["region.read"]
    assert "user.manage" not in roles["city_office"]["permissions"]
    labels = {p["permission"]: p for p in body["permissions"]}
    assert labels["audit.read"]["label_en"] == "read the audit log"


def test_regions_form_a_tree_with_function_zones(client_as: Client):
    body = client_as(None).get("/api/v1/regions").json()
    codes: list[str] = []
    zoned: list[dict[str, object]] = []

    def walk(nodes: list[dict[str, object]]) -> None:
        for node in nodes:
            codes.append(str(node["code"]))
            if node["function_zone"]:
                zoned.append(node)
            walk(node["children"])  # type: ignore[arg-type]

    walk(body["regions"])
    assert {"321100", "321102", "321111", "321112", "321181", "321182", "321183"} <= set(codes)
    assert body["count"] == len(codes)
    assert zoned, "townships carry their main function zone"
    assert zoned[0]["function_zone_zh"]


def test_a_district_official_sees_its_own_part_of_the_tree(client_as: Client):
    body = client_as("district-321102").get("/api/v1/regions").json()
    (root,) = body["regions"]
    assert root["code"] == "321102"
    flat = client_as("district-321102").get("/api/v1/regions?format=csv").text
    assert "321111" not in flat
    assert flat.lstrip("\ufeff").startswith("code,name_zh,name_en,level")


def test_the_audit_log_is_for_audit_readers(client_as: Client):
    for who in ("admin", "city"):
        response = client_as(who).get("/api/v1/audit", params={"limit": 5})
        assert response.status_code == 200, who
        entries = response.json()["entries"]
        assert 0 < len(entries) <= 5
        assert entries[0]["id"] > entries[-1]["id"]  # newest first
    for who in ("district-321102", "firm-1", "verifier-a", "reviewer", "public"):
        assert client_as(who).get("/api/v1/audit").status_code == 403, who
    assert client_as(None).get("/api/v1/audit").status_code == 401


def test_the_audit_log_filters_exports_csv_and_holds_no_secret(client_as: Client):
    admin = client_as("admin")
    users = admin.get("/api/v1/audit", params={"entity": "user", "limit": 5000}).json()
    assert users["entries"]
    assert {e["entity"] for e in users["entries"]} == {"user"}
    never_secret(admin.get("/api/v1/audit?limit=5000").text)
    csv = admin.get("/api/v1/audit?format=csv&entity=user&limit=3")
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.lstrip("\ufeff").startswith("id,at,actor,action,entity,key")
    assert len(csv.text.strip().splitlines()) >= 2
    assert admin.get("/api/v1/audit?limit=0").status_code == 422

"""Signing in and out, sessions, CSRF, the login rate limit, API tokens, open redirects."""

from __future__ import annotations

import re
from importlib import resources

from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_clients import PASSWORD, csrf_of, signed_in


def test_login_sets_a_hardened_session_cookie_and_lands_on_the_users_home(web_app: FastAPI):
    client = TestClient(web_app, base_url="https://testserver")
    response = client.post(
        "/login", data={"username": "firm-1", "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/portal"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "secure" in cookie
    assert "samesite=lax" in cookie
    assert client.get("/api/v1/me").json()["role"] == "enterprise"


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(web_app: FastAPI):
    client = TestClient(web_app, base_url="https://testserver")
    response = client.post("/login", data={"username": "city", "password": "nope"})
    assert response.status_code == 401
    assert "用户名、密码或令牌不正确" in response.text
    assert client.get("/api/v1/me").json()["role"] == "public"


def test_logins_are_rate_limited_per_client_and_user(mutable_app: FastAPI):
    client = TestClient(mutable_app, base_url="https://testserver")
    for _ in range(5):
        assert client.post("/login", data={"username": "city", "password": "x"}).status_code == 401
    blocked = client.post("/login", data={"username": "city", "password": PASSWORD})
    assert blocked.status_code == 429
    assert "登录失败次数过多" in blocked.text
    # another user name from the same client is not blocked
    other = client.post(
        "/login", data={"username": "admin", "password": PASSWORD}, follow_redirects=False
    )
    assert other.status_code == 303
    api = client.post("/api/v1/auth/token", json={"username": "city", "password": PASSWORD})
    assert api.status_code == 429
    assert int(api.headers["retry-after"]) > 0


def test_changes_through_a_session_need_the_csrf_token(mutable_app: FastAPI):
    client = signed_in(mutable_app, "city")
    assert client.post("/logout", follow_redirects=False).status_code == 403
    token = csrf_of(client)
    assert client.post("/logout", headers={"X-CSRF-Token": "forged"}).status_code == 403
    out = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303
    assert "cc_session=" in out.headers["set-cookie"]


def test_a_tampered_session_cookie_is_the_public(web_app: FastAPI):
    client = signed_in(web_app, "admin")
    value = client.cookies.get("cc_session")
    assert value
    client.cookies.clear()
    client.cookies.set("cc_session", value[:-3] + "AAA")
    assert client.get("/api/v1/me").json()["role"] == "public"


def test_api_tokens_authenticate_machines_and_wrong_tokens_are_401(web_app: FastAPI):
    client = TestClient(web_app, base_url="https://testserver")
    issued = client.post(
        "/api/v1/auth/token", json={"username": "verifier-a", "password": PASSWORD, "days": 1}
    )
    assert issued.status_code == 200
    token = issued.json()["token"]
    assert token.startswith("cc_")
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["username"] == "verifier-a"
    assert "report.verify" in me.json()["permissions"]
    wrong = client.get("/api/v1/me", headers={"Authorization": "Bearer cc_not-a-token"})
    assert wrong.status_code == 401
    assert wrong.headers["www-authenticate"] == "Bearer"
    assert wrong.json()["error"]["en"] == "wrong user name, password or token"


def test_login_redirects_only_to_local_paths(web_app: FastAPI):
    client = TestClient(web_app, base_url="https://testserver")
    for target, expected in (
        ("/explorer", "/explorer"),
        ("https://evil.example/", "/cockpit"),
        ("//evil.example/", "/cockpit"),
    ):
        response = client.post(
            "/login",
            data={"username": "city", "password": PASSWORD, "next": target},
            follow_redirects=False,
        )
        assert response.headers["location"] == expected


def test_language_switch_and_security_headers(web_app: FastAPI):
    client = TestClient(web_app, base_url="https://testserver")
    page = client.get("/login")
    assert "用户名" in page.text
    assert page.headers["x-frame-options"] == "DENY"
    switched = client.get("/lang/en?next=/login")
    assert "User name" in switched.text
    assert client.cookies.get("cc_lang") == "en"


def test_no_template_has_chinese_text_outside_tr():
    """Every label exists in both languages: Chinese appears only as tr()'s first argument."""
    han = re.compile(r"[\u4e00-\u9fff]")
    quoted = r"""(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""
    call = re.compile(rf"tr\({quoted},\s*{quoted}\)")
    folder = resources.files("citycarbon.web").joinpath("templates")
    offenders = []
    for entry in folder.iterdir():
        if not entry.name.endswith(".html"):
            continue
        for number, line in enumerate(entry.read_text(encoding="utf-8").splitlines(), 1):
            if han.search(call.sub("", line)):
                offenders.append(f"{entry.name}:{number}: {line.strip()}")
    assert offenders == []


def test_the_trivial_endpoint_and_the_openapi_document(web_app: FastAPI):
    client = TestClient(web_app, base_url="https://testserver")
    assert client.get("/api/v1/ping").json() == {"status": "ok"}
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "citycarbon"
    operations = [op for path in schema["paths"].values() for op in path.values()]
    assert operations
    # every operation says what it does in both languages: "中文 / English"
    han, latin = re.compile(r"[\u4e00-\u9fff]"), re.compile(r"[A-Za-z]{2,}")
    unlabelled = [
        op.get("summary")
        for op in operations
        if not (han.search(op.get("summary", "")) and latin.search(op.get("summary", "")))
    ]
    assert unlabelled == []


def test_a_revoked_token_is_refused_at_once(mutable_app: FastAPI):
    client = TestClient(mutable_app, base_url="https://testserver")
    issued = client.post(
        "/api/v1/auth/token", json={"username": "firm-2", "password": PASSWORD}
    ).json()["token"]
    auth = {"Authorization": f"Bearer {issued}"}
    assert client.get("/api/v1/me", headers=auth).json()["username"] == "firm-2"
    tokens = client.get("/api/v1/users/firm-2/tokens", headers=auth).json()["tokens"]
    newest = max(t["id"] for t in tokens)
    assert client.delete(f"/api/v1/tokens/{newest}", headers=auth).status_code == 204
    assert client.get("/api/v1/me", headers=auth).status_code == 401


def test_the_demo_database_brings_its_own_synthetic_data_banner(demo_dir):
    from citycarbon.web.app import create_app
    from citycarbon.web.settings import WebSettings

    app = create_app(WebSettings(data_dir=demo_dir, secret_key="k"))  # no notice given
    with TestClient(app, base_url="https://testserver") as client:
        page = client.get("/login")
    assert 'role="note"' in page.text
    assert "合成演示数据" in page.text


def test_the_api_docs_load_nothing_from_another_host(web_app: FastAPI):
    client = TestClient(web_app, base_url="https://testserver")
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assert "/static/vendor/swagger-ui-bundle.js" in page.text
    external = re.findall(r"""(?:src|href)=["']?(https?://[^"' >]+)""", page.text)
    assert external == []
    bundle = re.search(r"/static/vendor/swagger-ui-bundle\.js\?v=\w+", page.text)
    assert bundle
    assert client.get(bundle.group(0)).status_code == 200

"""The web application runs on either backend: the same sign-in and reads on SQLite and on
PostgreSQL (the rest of the web tests use the SQLite demo database)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import sessionmaker

from citycarbon.service.actor import LOCAL_ADMIN
from citycarbon.service.roles import Role
from citycarbon.service.users import create_user
from citycarbon.store.models import Region
from citycarbon.web.app import create_app
from citycarbon.web.settings import WebSettings


def _url(engine: Engine) -> str:
    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name != "postgresql":
        return url
    with engine.connect() as connection:
        schema = connection.execute(text("SHOW search_path")).scalar_one()
    return f"{url}?options={quote(f'-csearch_path={schema}')}"


def test_sign_in_and_read_on_each_backend(db_engine: Engine, tmp_path: Path):
    with sessionmaker(db_engine).begin() as session:
        session.add(Region(code="321100", name_zh="镇江市", name_en="Zhenjiang", level="city",
                           path="/321100/"))  # fmt: skip
        session.flush()
        create_user(session, LOCAL_ADMIN, "city", Role.CITY_OFFICE, password="pw-city-123",
                    region_code="321100")  # fmt: skip
    app = create_app(WebSettings(database_url=_url(db_engine), data_dir=tmp_path, secret_key="k"))
    with TestClient(app, base_url="https://testserver") as client:
        _sign_in_and_read(client)


def _sign_in_and_read(client: TestClient) -> None:
    assert client.get("/api/v1/me").json()["role"] == "public"
    signed = client.post(
        "/login", data={"username": "city", "password": "pw-city-123"}, follow_redirects=False
    )
    assert signed.status_code == 303
    me = client.get("/api/v1/me").json()
    assert (me["username"], me["region_code"]) == ("city", "321100")
    token = client.post(
        "/api/v1/auth/token", json={"username": "city", "password": "pw-city-123"}
    ).json()["token"]
    client.cookies.clear()
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["role"] == "city_office"

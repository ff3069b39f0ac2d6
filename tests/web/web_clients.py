"""Clients of the web application signed in as a demo user (imported by name: tests have
no packages)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

PASSWORD = "citycarbon-demo"


def signed_in(app: FastAPI, username: str | None) -> TestClient:
    """A client with a browser session for ``username`` (None: the public)."""
    client = TestClient(app, base_url="https://testserver")
    if username is not None:
        response = client.post(
            "/login", data={"username": username, "password": PASSWORD}, follow_redirects=False
        )
        assert response.status_code == 303, response.text
    return client


def csrf_of(client: TestClient) -> str:
    """The CSRF token of a signed-in client, as the pages embed it."""
    page = client.get("/login").text
    marker = '"X-CSRF-Token": "'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]

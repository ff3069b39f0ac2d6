"""Property-based test of the API against its own OpenAPI document (schemathesis): no
request the document allows, nor near-misses of it, makes the server fail (5xx).

Every operation is called as the public and with an administrator's bearer token, so that
the generated requests get past authorisation into the handlers. The application is this
test's own copy of the demo database: the administrator's requests change data.
"""

from __future__ import annotations

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from web_clients import PASSWORD

OPENAPI = "/api/v1/openapi.json"
EXAMPLES = 12  # per operation and mode: the whole run stays within a minute on two cores
# password hashing is slow on purpose (argon2): fewer examples where every call pays it
SLOW = {"POST /api/v1/auth/token": 4}


@pytest.fixture
def admin_token(mutable_app: FastAPI) -> str:
    with TestClient(mutable_app, base_url="https://testserver") as client:
        response = client.post(
            "/api/v1/auth/token",
            json={"username": "admin", "password": PASSWORD, "name": "fuzz", "days": 1},
        )
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


def fuzz(operation: schemathesis.APIOperation, mode: GenerationMode, tokens: list[str]) -> None:
    """Up to ``EXAMPLES`` generated requests for one operation, each sent as the public and
    with each token. (Not ``schema.parametrize``: its fixture-based form, which a per-test
    application needs, fails under pytest 9 with schemathesis 4.32.)"""
    credentials = [None, *({"Authorization": f"Bearer {t}"} for t in tokens)]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=SLOW.get(operation.label, EXAMPLES),
        deadline=None,  # the first call of an operation pays its imports and caches
        derandomize=True,  # the same requests each run: a failure is a regression, not luck
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: it can take minutes per failure
        # patterns on path and query parameters make Hypothesis reject many drafts
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def calls(case: schemathesis.Case) -> None:
        for headers in credentials:
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

    calls()


def test_no_request_makes_the_server_fail(mutable_app: FastAPI, admin_token: str) -> None:
    schema = schemathesis.openapi.from_asgi(OPENAPI, mutable_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 10  # the document lists the API, not just the ping
    failures: list[str] = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                fuzz(operation, mode, [admin_token])
            except Unsatisfiable:
                pass  # nothing to break: e.g. no parameter a negative case could violate
            except Exception as exc:  # noqa: BLE001 - collected: one report for all operations
                failures.append(f"{operation.label} ({mode}): {exc}")
    assert not failures, "\n\n".join(failures)

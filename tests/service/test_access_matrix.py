"""The authorisation matrix, role by role: who may read and who may change which report.

Firm A is in a township of 京口区 (321102), firm B in 润州区 (321111). Firm A's report is
assigned to ``verifier_a``, firm B's to ``verifier_other``. The district official answers
for 京口区 only; the enterprise user is firm A's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from mrv_city import COAL, FIRM_A, FIRM_B, USERS, build_city, report_in_state
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.service import report_contents as contents
from citycarbon.service import report_queries as queries
from citycarbon.service import report_workflow as workflow
from citycarbon.service.access import ForbiddenError, Permission, may
from citycarbon.service.actor import Actor
from citycarbon.service.reports import open_report, set_deadline_policy
from citycarbon.store.models import AuditEntry, Report

ROLES = tuple(USERS)
BOTH, A, NONE = frozenset("AB"), frozenset("A"), frozenset()
VERIFIERS = {"A": "verifier_a", "B": "verifier_other"}
CODES = {"A": FIRM_A, "B": FIRM_B}

# who may read a report of each firm
READERS = {
    "admin": BOTH,
    "city": BOTH,
    "district": A,
    "firm_a": A,
    "verifier_a": A,
    "verifier_other": frozenset("B"),
    "reviewer": NONE,
    "public": NONE,
}

Action = Callable[[Session, Actor, int], object]
# action → (state the report must be in, what the actor does, firms each role may do it to)
ACTIONS: dict[str, tuple[str, Action, dict[str, frozenset[str]]]] = {
    "put_lines": ("draft", lambda s, a, r: contents.put_lines(s, a, r, [COAL]), {}),
    "remove_line": (
        "draft",
        lambda s, a, r: contents.remove_line(s, a, r, "1.A.2", "raw_coal"),
        {},
    ),
    "attach": ("draft", lambda s, a, r: contents.attach(s, a, r, "m.txt", b"meter"), {}),
    "submit": ("draft", workflow.submit, {}),
    "check": ("submitted", workflow.check, {"district": A}),
    "return_submitted": (
        "submitted",
        lambda s, a, r: workflow.return_report(s, a, r, "数据有误"),
        {"district": A},
    ),
    "assign": (
        "submitted",
        lambda s, a, r: workflow.assign_verifier(s, a, r, "verifier_a"),
        {"city": BOTH},
    ),
    "verify": (
        "checked",
        workflow.verify,
        {"verifier_a": A, "verifier_other": frozenset("B")},
    ),
    "return_checked": (
        "checked",
        lambda s, a, r: workflow.return_report(s, a, r, "核查不符"),
        {"verifier_a": A, "verifier_other": frozenset("B")},
    ),
    "lock": ("verified", workflow.lock, {"city": BOTH}),
    "restate": ("verified", lambda s, a, r: workflow.restate(s, a, r, "更正"), {}),
}
# the enterprise edits its own reports; the district also checks; the admin does anything
for _name, (_state, _call, _allowed) in ACTIONS.items():
    _allowed.setdefault("admin", BOTH)
    if _name in {"put_lines", "remove_line", "attach", "submit", "restate"}:
        _allowed["firm_a"] = A
    if _name in {"check", "return_submitted"}:
        _allowed["city"] = BOTH


@pytest.mark.parametrize("role", ROLES)
def test_who_reads_which_report(db_sessions: sessionmaker[Session], role: str):
    city = build_city(db_sessions)
    ids = {
        firm: report_in_state(db_sessions, CODES[firm], "checked", verifier=VERIFIERS[firm])
        for firm in "AB"
    }
    actor = city.actors[role]
    with db_sessions() as s:
        listed = {r.id for r in queries.list_reports(s, actor, today=dt.date(2024, 5, 1))}
        assert listed == {ids[f] for f in READERS[role]}
        for firm, rid in ids.items():
            if firm in READERS[role]:
                assert queries.get_report(s, actor, rid).summary.id == rid
            else:
                with pytest.raises(ForbiddenError):
                    queries.get_report(s, actor, rid)
        # reading is the same question as listing: one policy, two forms
        for firm, rid in ids.items():
            report = s.get(Report, rid)
            assert report is not None
            from citycarbon.service.reports import target_of

            assert may(actor, Permission.READ_REPORT, target_of(s, report)) == (
                firm in READERS[role]
            )


MATRIX = [
    (role, action, allowed.get(role, NONE))
    for action, (_, _, allowed) in ACTIONS.items()
    for role in ROLES
]


@pytest.mark.parametrize(("role", "action", "firms"), MATRIX)
def test_who_changes_which_report(
    db_sessions: sessionmaker[Session], role: str, action: str, firms: frozenset[str]
):
    city = build_city(db_sessions)
    state, call, _ = ACTIONS[action]
    ids = {
        firm: report_in_state(db_sessions, CODES[firm], state, verifier=VERIFIERS[firm])
        for firm in "AB"
    }
    actor = city.actors[role]
    for firm, rid in ids.items():
        with db_sessions() as s:
            entries = s.scalar(select(func.count()).select_from(AuditEntry))
            if firm in firms:
                call(s, actor, rid)
                assert s.scalar(select(func.count()).select_from(AuditEntry)) > entries  # type: ignore[operator]
            else:
                with pytest.raises(ForbiddenError):
                    call(s, actor, rid)
                # refused before anything was added to the transaction
                assert s.scalar(select(func.count()).select_from(AuditEntry)) == entries
                assert s.get(Report, rid).state == state  # type: ignore[union-attr]


OPENERS = {"admin": BOTH, "firm_a": A}


@pytest.mark.parametrize("role", ROLES)
def test_who_opens_a_new_report(db_sessions: sessionmaker[Session], role: str):
    city = build_city(db_sessions)
    for firm, code in CODES.items():
        with db_sessions() as s:
            if firm in OPENERS.get(role, NONE):
                assert open_report(s, city.actors[role], code, 2024, 1).state == "draft"
            else:
                with pytest.raises(ForbiddenError):
                    open_report(s, city.actors[role], code, 2024, 1)
                assert s.scalar(select(func.count()).select_from(Report)) == 0


AUDITORS = {"admin", "city"}
SETTERS = {"admin", "city"}


@pytest.mark.parametrize("role", ROLES)
def test_who_reads_the_audit_log_and_sets_deadlines(db_sessions: sessionmaker[Session], role: str):
    city = build_city(db_sessions)
    actor = city.actors[role]
    with db_sessions() as s:
        if role in AUDITORS:
            assert [e.action for e in queries.list_audit(s, actor)].count("user.create") == len(
                USERS
            )
        else:
            with pytest.raises(ForbiddenError):
                queries.list_audit(s, actor)
            with pytest.raises(ForbiddenError):
                queries.audit_trail(s, actor, "user", "admin")
        if role in SETTERS:
            assert set_deadline_policy(s, actor, {"monthly_day": 15}).monthly_day == 15
        else:
            with pytest.raises(ForbiddenError):
                set_deadline_policy(s, actor, {"monthly_day": 15})


def test_the_matrix_covers_every_role_and_report_permission():
    """A new role or a new report permission must get a row here."""
    from citycarbon.service.roles import Role

    assert {Role(USERS[name][0]) for name in ROLES} == set(Role)
    steps = {workflow.permission_for(a, s) for a, s in _action_states()}
    assert steps | {Permission.READ_REPORT, Permission.ASSIGN_VERIFIER} == {
        p for p in Permission if p.value.startswith("report.")
    }


def _action_states():  # type: ignore[no-untyped-def]
    from citycarbon.enterprise.workflow import TRANSITIONS

    return [(action, state) for (state, action) in TRANSITIONS]


def test_every_permission_says_what_it_allows_in_both_languages():
    from citycarbon.service.access import Permission

    for permission in Permission:
        assert permission.label.zh
        assert permission.label.en

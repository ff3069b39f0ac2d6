"""The decision workflow of a proposed project (项目碳评估审批):

    submitted ──assess──> assessed ──approve──────────────────> approved
                            │  ^   ──approve_with_conditions──> approved_with_conditions
                            └──┘   ──reject───────────────────> rejected
                          (re-assess)

Decisions are taken only on an assessed project; approving with conditions needs the
conditions, rejecting needs a reason. A step out of turn is a
:class:`ProjectWorkflowError` (a :class:`~citycarbon.enterprise.workflow.WorkflowError`,
HTTP 409). Pure domain.
"""

from __future__ import annotations

from enum import StrEnum

from citycarbon.enterprise.workflow import WorkflowError
from citycarbon.errors import Message


class ProjectWorkflowError(WorkflowError):
    """The step does not fit the project's state (a conflict, HTTP 409)."""


# ── the decision workflow ────────────────────────────────────────────────────────────────


class ProjectState(StrEnum):
    SUBMITTED = "submitted"
    ASSESSED = "assessed"
    APPROVED = "approved"
    APPROVED_WITH_CONDITIONS = "approved_with_conditions"
    REJECTED = "rejected"

    @property
    def label(self) -> Message:
        return STATE_LABELS[self]


STATE_LABELS = {
    ProjectState.SUBMITTED: Message("已申报，待评估", "submitted, awaiting assessment"),
    ProjectState.ASSESSED: Message("已评估，待决定", "assessed, awaiting decision"),
    ProjectState.APPROVED: Message("同意", "approved"),
    ProjectState.APPROVED_WITH_CONDITIONS: Message("有条件同意", "approved with conditions"),
    ProjectState.REJECTED: Message("不同意", "rejected"),
}


class ProjectAction(StrEnum):
    ASSESS = "assess"
    APPROVE = "approve"
    APPROVE_WITH_CONDITIONS = "approve_with_conditions"
    REJECT = "reject"


_S, _A = ProjectState, ProjectAction
PROJECT_TRANSITIONS: dict[tuple[ProjectState, ProjectAction], ProjectState] = {
    (_S.SUBMITTED, _A.ASSESS): _S.ASSESSED,
    (_S.ASSESSED, _A.ASSESS): _S.ASSESSED,  # re-assess (new data, new factors) before deciding
    (_S.ASSESSED, _A.APPROVE): _S.APPROVED,
    (_S.ASSESSED, _A.APPROVE_WITH_CONDITIONS): _S.APPROVED_WITH_CONDITIONS,
    (_S.ASSESSED, _A.REJECT): _S.REJECTED,
}
DECISIONS = frozenset({_A.APPROVE, _A.APPROVE_WITH_CONDITIONS, _A.REJECT})


def project_step(
    state: ProjectState, action: ProjectAction, *, conditions: str = "", reason: str = ""
) -> ProjectState:
    """The state after ``action``. Conditions are required to approve with conditions, a
    reason to reject; anything out of turn is a :class:`ProjectWorkflowError`."""
    after = PROJECT_TRANSITIONS.get((state, action))
    if after is None:
        allowed = sorted(a.value for (s, a) in PROJECT_TRANSITIONS if s is state)
        raise ProjectWorkflowError(
            Message(
                zh=f"项目处于“{state.label.zh}”状态，不能执行 {action.value}"
                f"（可执行：{', '.join(allowed) or '无'}）",
                en=f"a project that is {state.label.en} cannot take the step {action.value}"
                f" (possible: {', '.join(allowed) or 'nothing'})",
            ),
            field="status",
        )
    if action is ProjectAction.APPROVE_WITH_CONDITIONS and not conditions.strip():
        raise ProjectWorkflowError(
            Message("有条件同意须写明条件", "approving with conditions needs the conditions"),
            field="conditions",
        )
    if action is ProjectAction.REJECT and not reason.strip():
        raise ProjectWorkflowError(
            Message("不同意须说明理由", "rejecting a project needs a reason"), field="reason"
        )
    return after

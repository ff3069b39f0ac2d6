"""The life of an enterprise report (measurable, reportable, verifiable).

    draft ──submit──> submitted ──check──> checked ──verify──> verified ──lock──> locked
      ^                   │                   │                   │                 │
      └─────return────────┴───────return──────┘                   └──restate────────┘
      (returned, with a reason)                          (a new draft version; old kept)

A report is returned with a reason at either review step (the district check, the
third-party verification); the enterprise edits the returned report and submits again.
Once verified, a report's numbers never change: a correction is a restatement, a new
version that goes through the whole cycle while the verified one is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from citycarbon.errors import CitycarbonError, Message


class ReportState(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHECKED = "checked"
    VERIFIED = "verified"
    LOCKED = "locked"
    RETURNED = "returned"

    @property
    def label(self) -> Message:
        return STATE_LABELS[self]


class ReportAction(StrEnum):
    SUBMIT = "submit"
    CHECK = "check"
    RETURN = "return"
    VERIFY = "verify"
    LOCK = "lock"
    RESTATE = "restate"


STATE_LABELS = {
    ReportState.DRAFT: Message(zh="草稿", en="draft"),
    ReportState.SUBMITTED: Message(
        zh="已提交，待县区审核", en="submitted, awaiting district check"
    ),
    ReportState.CHECKED: Message(
        zh="县区已审核，待第三方核查", en="checked, awaiting verification"
    ),
    ReportState.VERIFIED: Message(zh="已核查", en="verified"),
    ReportState.LOCKED: Message(zh="已锁定", en="locked"),
    ReportState.RETURNED: Message(zh="已退回修改", en="returned for correction"),
}

# States whose lines and attachments the enterprise may still change.
EDITABLE = frozenset({ReportState.DRAFT, ReportState.RETURNED})
# States whose numbers are final (the database refuses changes to their lines too).
FROZEN = frozenset({ReportState.VERIFIED, ReportState.LOCKED})

S, A = ReportState, ReportAction
TRANSITIONS: dict[tuple[ReportState, ReportAction], ReportState] = {
    (S.DRAFT, A.SUBMIT): S.SUBMITTED,
    (S.RETURNED, A.SUBMIT): S.SUBMITTED,
    (S.SUBMITTED, A.CHECK): S.CHECKED,
    (S.SUBMITTED, A.RETURN): S.RETURNED,
    (S.CHECKED, A.VERIFY): S.VERIFIED,
    (S.CHECKED, A.RETURN): S.RETURNED,
    (S.VERIFIED, A.LOCK): S.LOCKED,
    # a restatement leaves the old version as it is and starts a new draft
    (S.VERIFIED, A.RESTATE): S.DRAFT,
    (S.LOCKED, A.RESTATE): S.DRAFT,
}


class WorkflowError(CitycarbonError):
    """The action is not possible in the report's current state."""


@dataclass(frozen=True, slots=True)
class Transition:
    action: ReportAction
    before: ReportState
    after: ReportState


def next_state(state: ReportState, action: ReportAction, reason: str | None = None) -> Transition:
    """The state after ``action``; a return needs a reason the enterprise can act on."""
    after = TRANSITIONS.get((state, action))
    if after is None:
        allowed = sorted(a.value for (s, a) in TRANSITIONS if s is state)
        raise WorkflowError(
            Message(
                zh=f"报告处于“{state.label.zh}”状态，不能执行 {action.value}"
                f"（可执行：{', '.join(allowed) or '无'}）",
                en=f"a report that is {state.label.en} cannot be {action.value}ed"
                f" (possible: {', '.join(allowed) or 'nothing'})",
            ),
            field="state",
        )
    if action is ReportAction.RETURN and not (reason and reason.strip()):
        raise WorkflowError(
            Message(zh="退回报告必须说明理由", en="returning a report needs a reason"),
            field="reason",
        )
    return Transition(action, state, after)


def require_editable(state: ReportState) -> None:
    if state not in EDITABLE:
        raise WorkflowError(
            Message(
                zh=f"报告处于“{state.label.zh}”状态，数据不能修改"
                + ("；如需更正请提交更正版本（restate）" if state in FROZEN else ""),
                en=f"a report that is {state.label.en} cannot be changed"
                + ("; to correct it, restate it as a new version" if state in FROZEN else ""),
            ),
            field="state",
        )

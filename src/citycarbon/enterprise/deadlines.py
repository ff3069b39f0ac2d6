"""Reporting deadlines, which are data: the defaults are the platform's, a deployment
stores its own (setting ``deadlines``).

Defaults: monthly data by the 20th of the following month; the annual report by 1 February
of the following year; the district check within 5 days of submission; a restatement within
30 days of being opened.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from citycarbon.enterprise.workflow import EDITABLE, ReportState
from citycarbon.errors import CitycarbonError, Message


@dataclass(frozen=True, slots=True)
class DeadlinePolicy:
    monthly_day: int = 20  # day of the month after the reporting month
    annual_month: int = 2  # month of the year after the reporting year
    annual_day: int = 1
    district_check_days: int = 5
    # a restatement (a corrected version of a verified report) is due this many days after
    # it is opened: it corrects figures already reported, so the original due date is past
    restatement_days: int = 30

    @classmethod
    def from_mapping(cls, values: Mapping[str, object]) -> DeadlinePolicy:
        known = set(cls.__dataclass_fields__)
        unknown = set(values) - known
        if unknown:
            raise CitycarbonError(
                Message(
                    zh=f"未知的期限设置：{', '.join(sorted(unknown))}",
                    en=f"unknown deadline settings: {', '.join(sorted(unknown))}",
                ),
                field="deadlines",
            )
        policy = cls(**{k: int(str(v)) for k, v in values.items()})
        for month in range(13):  # a day that does not exist (30 February) fails here, not later
            policy.due_date(2024, month)
        return policy

    def as_mapping(self) -> dict[str, int]:
        return asdict(self)

    def due_date(self, year: int, month: int) -> dt.date:
        """When the report of ``month`` (0 = the whole year) of ``year`` is due."""
        try:
            if month == 0:
                return dt.date(year + 1, self.annual_month, self.annual_day)
            if month == 12:
                return dt.date(year + 1, 1, self.monthly_day)
            return dt.date(year, month + 1, self.monthly_day)
        except ValueError as exc:
            raise CitycarbonError(
                Message(zh=f"期限设置无效：{exc}", en=f"invalid deadline setting: {exc}"),
                field="deadlines",
            ) from None

    def restatement_due(self, opened_on: dt.date) -> dt.date:
        return opened_on + dt.timedelta(days=self.restatement_days)

    def check_due(self, submitted_on: dt.date) -> dt.date:
        return submitted_on + dt.timedelta(days=self.district_check_days)


def overdue(
    policy: DeadlinePolicy,
    state: ReportState,
    due: dt.date,
    today: dt.date,
    submitted_on: dt.date | None = None,
) -> Message | None:
    """Why a report is overdue today, or ``None``: not submitted by its due date, or
    submitted but not checked by the district within the allowed days."""
    if state in EDITABLE and today > due:
        days = (today - due).days
        return Message(zh=f"逾期未报 {days} 天", en=f"{days} days overdue")
    if state is ReportState.SUBMITTED and submitted_on is not None:
        check_due = policy.check_due(submitted_on)
        if today > check_due:
            days = (today - check_due).days
            return Message(zh=f"县区审核逾期 {days} 天", en=f"district check {days} days overdue")
    return None

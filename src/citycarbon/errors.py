"""Exception hierarchy. Every message a user can see exists in zh-CN and en.

Errors about input data name where the problem is (file, row, field) and why, so that a
district official or an analyst can fix the row without reading code.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Message:
    """A user-facing text in both languages; zh-CN is the default."""

    zh: str
    en: str

    def text(self, lang: str = "zh") -> str:
        return self.en if lang.startswith("en") else self.zh

    def __str__(self) -> str:
        return f"{self.zh} / {self.en}"


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found in input data: where it is and why it is a problem.

    ``fatal`` issues stop a strict run; non-fatal ones become warnings listed in the output.
    """

    reason: Message
    field: str | None = None
    row: int | None = None
    file: str | None = None
    value: object = None
    fatal: bool = True
    code: str = "invalid"
    sheet: str | None = None  # the worksheet of an xlsx file

    def location(self) -> str:
        parts = []
        if self.file is not None:
            parts.append(self.file)
        if self.sheet is not None:
            parts.append(f"sheet {self.sheet}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.field is not None:
            parts.append(f"field {self.field}")
        return ", ".join(parts)

    def describe(self, lang: str = "zh") -> str:
        where = self.location()
        shown = "" if self.value is None else f" [{self.value!r}]"
        text = self.reason.text(lang)
        return f"{where}: {text}{shown}" if where else f"{text}{shown}"

    def __str__(self) -> str:
        return f"{self.describe('zh')} | {self.describe('en')}"


class CitycarbonError(Exception):
    """Base of every error this package raises on purpose.

    ``field`` names the input field the error is about (``unit``, ``activity`` …) when the
    raise site knows it, so that record validation can say which field of a row is wrong.
    """

    def __init__(self, message: Message, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


class UnitError(CitycarbonError):
    """A quantity has the wrong dimension or an unknown unit."""


class GwpMixError(CitycarbonError):
    """CO2e values computed with different GWP sets were combined."""


class ReferenceDataError(CitycarbonError):
    """Packaged reference data is missing, malformed or does not match its catalogue."""


class FactorNotFoundError(ReferenceDataError):
    """No factor for the requested parameter, subject and qualifier."""


class ParameterBoundsError(CitycarbonError):
    """A parameter lies outside its physical bounds (e.g. an oxidation factor above 1)."""


@dataclass
class InputDataError(CitycarbonError):
    """Input data failed validation. Carries every issue found, not just the first."""

    issues: list[Issue] = field(default_factory=list)

    def __post_init__(self) -> None:
        shown = "\n".join(str(i) for i in self.issues[:20])
        more = len(self.issues) - 20
        if more > 0:
            shown += f"\n… {more} more / 另有 {more} 条"
        CitycarbonError.__init__(
            self,
            Message(
                zh=f"输入数据有 {len(self.issues)} 处错误：\n{shown}",
                en=f"input data has {len(self.issues)} problem(s):\n{shown}",
            ),
        )

    def __str__(self) -> str:
        return str(self.message.zh) + "\n" + str(self.message.en)

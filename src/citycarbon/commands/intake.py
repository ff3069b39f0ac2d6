"""``citycarbon import`` and ``citycarbon template``: data intake from the command line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from citycarbon.commands.common import actor, console, err, fail, sessions, state, tr
from citycarbon.errors import CitycarbonError, InputDataError, Issue

if TYPE_CHECKING:
    from citycarbon.ingest.commit import ImportSummary

PHASES = {
    "read": ("读取", "reading"),
    "validate": ("校验", "validating"),
    "write": ("写入数据库", "writing to the database"),
    "done": ("完成", "done"),
}
REPORT_COLUMNS = ("file", "sheet", "row", "column", "reason_zh", "reason_en", "value", "fatal")


def template(
    kind: Annotated[str, typer.Argument(help="数据类型 / kind of data")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="输出文件")] = None,
    csv: Annotated[bool, typer.Option("--csv", help="CSV 表头而非 xlsx / a CSV header")] = False,
) -> None:
    """下载导入模板 / write an import template (xlsx with drop-down lists, or CSV)."""
    from citycarbon.ingest.kinds import get_kind
    from citycarbon.ingest.templates import write_template

    try:
        spec = get_kind(kind)
    except CitycarbonError as exc:
        fail(exc)
    path = output or Path(f"{kind}.{'csv' if csv else 'xlsx'}")
    write_template(spec, path, csv=csv)
    console.print(f"{tr('已写入模板', 'template written')}: {path}", markup=False)


def import_command(
    file: Annotated[Path, typer.Argument(help="xlsx 或 CSV 文件 / xlsx or CSV file")],
    kind: Annotated[str, typer.Option("--kind", help="数据类型 / kind of data")],
    report_out: Annotated[
        Path | None,
        typer.Option(help="校验报告输出（.csv 或 .xlsx）/ write the validation report here"),
    ] = None,
) -> None:
    """导入数据：校验后全部写入或全部不写 / import a file: validate, then write all or nothing."""
    from citycarbon.ingest.commit import import_file

    factory = sessions()
    who = actor()
    try:
        summary = _with_progress(lambda progress: import_file(factory, who, file, kind, progress))
    except InputDataError as exc:
        _print_report(exc.issues)
        if report_out is not None:
            write_report(exc.issues, report_out)
        raise typer.Exit(code=2) from None
    except CitycarbonError as exc:
        fail(exc)
    finally:
        factory.kw["bind"].dispose()
    if summary.warnings:
        _print_report(summary.warnings)
    if report_out is not None:
        write_report(summary.warnings, report_out)
    _print_summary(summary)


def _with_progress(run: Callable[[Callable[[str, int], None]], ImportSummary]) -> ImportSummary:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    interactive = err.is_terminal
    phase_seen: set[str] = set()
    bar = Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:,} rows"),
        TimeElapsedColumn(), console=err, disable=not interactive,
    )  # fmt: skip
    task = bar.add_task(tr(*PHASES["read"]), total=None)

    def progress(phase: str, rows: int) -> None:
        if phase not in phase_seen:
            phase_seen.add(phase)
            # a plain line per phase, also when not on a terminal (logs, tests)
            if not interactive:
                err.print(f"[{phase}] {tr(*PHASES.get(phase, (phase, phase)))}", markup=False)
            bar.update(task, description=tr(*PHASES.get(phase, (phase, phase))))
        if phase == "write" and rows and not interactive:
            err.print(f"[write] {rows}", markup=False)
        bar.update(task, completed=rows)

    with bar:
        result: ImportSummary = run(progress)
    return result


def _print_report(issues: list[Issue]) -> None:
    from rich.table import Table

    lang = state.lang
    other = "en" if lang == "zh" else "zh"
    fatal = sum(i.fatal for i in issues)
    title = tr(f"校验报告：{fatal} 处错误，{len(issues) - fatal} 条提示",
               f"validation report: {fatal} errors, {len(issues) - fatal} warnings")  # fmt: skip
    grid = Table(title=title, show_lines=False)
    for zh, en in (("文件", "file"), ("工作表", "sheet"), ("行", "row"), ("列", "column"),
                   ("原因", "reason")):  # fmt: skip
        grid.add_column(tr(zh, en), overflow="fold")
    for issue in issues[:200]:
        reason = issue.reason.text(lang) + "\n" + issue.reason.text(other)
        if issue.value is not None:
            reason += f"\n[{issue.value}]"
        if not issue.fatal:
            reason = tr("提示：", "warning: ") + reason
        grid.add_row(
            Path(issue.file).name if issue.file else "", issue.sheet or "",
            "" if issue.row is None else str(issue.row), issue.field or "", reason,
        )  # fmt: skip
    err.print(grid)
    if len(issues) > 200:
        err.print(tr(f"… 另有 {len(issues) - 200} 条", f"… {len(issues) - 200} more"))


def write_report(issues: list[Issue], path: Path) -> None:
    """The validation report as CSV (UTF-8 with BOM) or xlsx."""
    rows = [
        (i.file or "", i.sheet or "", "" if i.row is None else i.row, i.field or "",
         i.reason.zh, i.reason.en, "" if i.value is None else str(i.value), int(i.fatal))
        for i in issues
    ]  # fmt: skip
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook  # type: ignore[import-untyped]

        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(list(REPORT_COLUMNS))
        for row in rows:
            sheet.append(list(row))
        book.save(path)
        return
    import csv

    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(REPORT_COLUMNS)
        writer.writerows(rows)


def _print_summary(summary: ImportSummary) -> None:
    console.print(
        tr(
            f"已导入 {summary.rows} 行：新增 {summary.inserted}，更新 {summary.updated}，"
            f"未变 {summary.unchanged}；新建报告 {summary.reports_created}；"
            f"批次 {summary.batch_id}，SHA-256 {summary.sha256[:12]}…",
            f"imported {summary.rows} rows: {summary.inserted} inserted, {summary.updated} "
            f"updated, {summary.unchanged} unchanged; {summary.reports_created} reports created; "
            f"batch {summary.batch_id}, SHA-256 {summary.sha256[:12]}…",
        ),
        markup=False,
    )

"""``citycarbon inventory export RUN --format pdf|xlsx -o FILE``: a stored inventory as a
document (see :mod:`citycarbon.reports`).

Mounted on the ``inventory`` group by one line in ``cli.py``."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from citycarbon.commands.common import actor, console, fail, sessions, state
from citycarbon.errors import CitycarbonError, Message

if TYPE_CHECKING:
    from citycarbon.reports.inventory_document import InventoryDocument

# What ``citycarbon demo`` writes into its data directory, first line: the database there
# holds the synthetic demo city.
DEMO_README = ("README.txt", "citycarbon demo city")


class Format(StrEnum):
    pdf = "pdf"
    xlsx = "xlsx"


class Lang(StrEnum):
    zh = "zh"
    en = "en"


def _demo_notice() -> Message | None:
    """The synthetic-data notice when the command works on the demo's embedded database."""
    if state.db_url is not None:
        return None
    from citycarbon.store.db import default_data_dir

    folder = state.data_dir or default_data_dir()
    name, first_line = DEMO_README
    try:
        head = (folder / name).read_text(encoding="utf-8").splitlines()[:1]
    except OSError:
        return None
    if head and head[0].startswith(first_line):
        from citycarbon.reports.inventory_document import synthetic_notice

        return synthetic_notice()
    return None


def render(doc: InventoryDocument, fmt: Format) -> bytes:
    if fmt is Format.pdf:
        from citycarbon.reports.pdf import render_inventory_pdf

        return render_inventory_pdf(doc)
    from citycarbon.reports.xlsx import render_inventory_xlsx

    return render_inventory_xlsx(doc)


def inventory_export(
    run_id: Annotated[int, typer.Argument(help="清单编号 / run id")],
    fmt: Annotated[Format, typer.Option("--format", "-f", help="pdf 或 xlsx / pdf or xlsx")],
    out: Annotated[Path, typer.Option("--out", "-o", help="输出文件 / output file")],
    lang: Annotated[
        Lang | None,
        typer.Option(
            help="文档语言（默认同全局 --lang）/ document language (default: global --lang)"
        ),
    ] = None,
) -> None:
    """导出已保存清单为 PDF 或 XLSX 报告 / a stored inventory as a PDF or XLSX document."""
    from citycarbon.reports.inventory_document import build_inventory_document

    who = actor()
    language = lang.value if lang is not None else state.lang
    try:
        with sessions()() as session:
            doc = build_inventory_document(session, who, run_id, language, notice=_demo_notice())
        data = render(doc, fmt)
    except CitycarbonError as exc:
        fail(exc)
    try:
        out.write_bytes(data)
    except OSError as exc:
        fail(
            CitycarbonError(
                Message(
                    zh=f"无法写入 {out}：{exc.strerror or exc}",
                    en=f"cannot write {out}: {exc.strerror or exc}",
                )
            )
        )
    size = f"{len(data) / 1024:,.0f} KiB"
    console.print(
        (f"已写入 {out}（{size}）" if state.lang == "zh" else f"wrote {out} ({size})"),
        markup=False,
        highlight=False,
    )

"""Templates: bilingual headers, drop-down lists, a README sheet; a filled template imports;
the CLI writes templates, imports, prints the validation report and exits 2 on errors."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest
from ingest_fixtures import ACTIVITY, CC_A, CC_B, cli_url
from openpyxl import load_workbook
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from citycarbon.cli import app
from citycarbon.errors import InputDataError
from citycarbon.ingest.commit import import_file
from citycarbon.ingest.kinds import KINDS, get_kind
from citycarbon.ingest.readers import CODES_SHEET, DATA_SHEET, README_SHEET
from citycarbon.ingest.templates import write_template
from citycarbon.service.actor import LOCAL_ADMIN
from citycarbon.store.models import Enterprise, ReportLine


@pytest.mark.parametrize("kind", list(KINDS))
def test_xlsx_template_layout(tmp_path: Path, kind: str):
    spec = get_kind(kind)
    path = write_template(spec, tmp_path / f"{kind}.xlsx")
    book = load_workbook(path)
    data = book[DATA_SHEET]
    headers = [c.value for c in data[1]]
    assert headers == [f"{c.zh} {c.en}" for c in spec.columns]
    assert data.freeze_panes == "A2"
    assert book[CODES_SHEET].sheet_state == "hidden"
    coded = [c for c in spec.columns if c.codelist]
    assert len(data.data_validations.dataValidation) == len(coded)
    readme = [row[1] for row in book[README_SHEET].iter_rows(values_only=True)]
    assert all(c.key in readme for c in spec.columns)


def test_enterprise_template_offers_industries_and_yes_no(tmp_path: Path):
    book = load_workbook(write_template(get_kind("enterprises"), tmp_path / "e.xlsx"))
    lists = book[CODES_SHEET]
    columns = {col[0].value: [c.value for c in col[1:] if c.value] for col in lists.iter_cols()}
    assert "C" in columns["cn_gbt4754_2017"]
    assert "31" in columns["cn_gbt4754_2017"]
    assert columns["yes_no"] == ["1", "0"]
    formulas = {v.formula1 for v in book[DATA_SHEET].data_validations.dataValidation}
    assert all(f.startswith(f"={CODES_SHEET}!") for f in formulas)


def test_filled_xlsx_template_round_trip(city: sessionmaker[Session], tmp_path: Path):
    path = write_template(get_kind("enterprise-activity"), tmp_path / "activity.xlsx")
    book = load_workbook(path)
    sheet = book[DATA_SHEET]
    sheet.append([CC_A, 2023, 5, "", "1.A.2.a", "raw_coal", "", 1200.5, "t", "", "台账"])
    sheet.append([])  # an empty row is skipped, and row numbers still match the sheet
    sheet.append([CC_B, 2023, 5, "", "1.A.2.c", "natural_gas", "", 35, "10^4 Nm3", "", None])
    book.save(path)
    summary = import_file(city, LOCAL_ADMIN, path, "enterprise-activity")
    assert (summary.inserted, summary.reports_created) == (2, 2)
    with city() as session:
        assert sorted(session.scalars(select(ReportLine.quantity))) == [35.0, 1200.5]
    # a bad cell is reported with the sheet and the row number Excel shows
    sheet.append([CC_A, 2023, 5, "", "1.A.2.a", "coke", "", -3, "t", "", ""])
    book.save(path)
    with pytest.raises(InputDataError) as caught:
        import_file(city, LOCAL_ADMIN, path, "enterprise-activity")
    issue = caught.value.issues[0]
    assert (issue.sheet, issue.row, issue.field) == (DATA_SHEET, 5, "quantity")
    assert f"sheet {DATA_SHEET}" in issue.location()


def _cli(engine: Engine, *args: str) -> tuple[int, str]:
    url = cli_url(engine)
    result = CliRunner().invoke(app, ["--lang", "en", "--db", url, *args])
    return result.exit_code, result.output


def test_cli_template_and_import(
    city: sessionmaker[Session], write: Callable[..., Path], tmp_path: Path
):
    engine = city.kw["bind"]
    code, out = _cli(engine, "template", "regions", "-o", str(tmp_path / "r.xlsx"))
    assert code == 0, out
    assert (tmp_path / "r.xlsx").exists()
    code, out = _cli(engine, "template", "enterprises", "--csv", "-o", str(tmp_path / "e.csv"))
    assert code == 0, out
    header = (tmp_path / "e.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.startswith("统一社会信用代码 credit_code,企业名称 name_zh")
    code, out = _cli(
        engine, "import", str(write("a.csv", ACTIVITY)), "--kind", "enterprise-activity"
    )
    assert code == 0, out
    assert "4 inserted" in out
    code, out = _cli(
        engine, "import", str(write("a.csv", ACTIVITY)), "--kind", "enterprise-activity"
    )
    assert "0 inserted, 0 updated, 4 unchanged" in out


def test_cli_validation_report(
    city: sessionmaker[Session], write: Callable[..., Path], tmp_path: Path
):
    engine = city.kw["bind"]
    bad = ACTIVITY.replace(",1200,t,", ",-1200,t,")
    report = tmp_path / "report.csv"
    code, out = _cli(
        engine, "import", str(write("bad.csv", bad)), "--kind", "enterprise-activity",
        "--report-out", str(report),
    )  # fmt: skip
    assert code == 2
    assert "must not be negative" in out
    assert "不能为负数" in out  # the other language below
    with report.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["row"], r["column"], r["fatal"]) for r in rows] == [("2", "quantity", "1")]
    with city() as session:
        assert session.scalars(select(ReportLine)).all() == []
    xlsx = tmp_path / "report.xlsx"
    _cli(engine, "import", str(write("bad.csv", bad)), "--kind", "enterprise-activity",
         "--report-out", str(xlsx))  # fmt: skip
    assert load_workbook(xlsx).active["C2"].value == 2


def test_cli_unknown_kind(city: sessionmaker[Session], write: Callable[..., Path]):
    code, out = _cli(city.kw["bind"], "import", str(write("a.csv", ACTIVITY)), "--kind", "nope")
    assert code == 2
    assert "unknown kind" in out
    with city() as session:
        assert len(session.scalars(select(Enterprise)).all()) == 3

"""The project assessment report (PDF) from a project's detail: its text in both languages
(read back with pdftotext), the factor ids, the grade and reasons, and the synthetic-data
notice only when the site notice or the project says the data are synthetic."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from citycarbon.assessment.project import FuelUse, ProjectIntake
from citycarbon.assessment.project_grading import DistrictContext, assess_project
from citycarbon.errors import Message
from citycarbon.refdata.loader import load_codelist, load_factor_set, load_gwp
from citycarbon.reports.project_document import render_project_pdf

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")


def detail(name_zh: str = "新建玻璃生产线") -> dict[str, Any]:
    intake = ProjectIntake(
        name_zh=name_zh, name_en="New glass line", region_code="321181003", industry="3041",
        product="flat_glass", annual_output=5_840_000.0, output_unit="weight_box",
        output_value_10k_cny=52_000.0, start_year=2026,
        energy=(FuelUse("natural_gas", 3_500.0, "10^4 Nm3"),), electricity_mwh=30_000.0,
    )  # fmt: skip
    found = assess_project(
        intake, "key", DistrictContext("321181", Message("丹阳市", "Danyang")),
        load_factor_set(), load_gwp("AR5"), load_codelist("citycarbon_project_benchmarks"),
        load_codelist("cn_two_high_industries"), load_codelist("citycarbon_zone_admission_rules"),
    )  # fmt: skip
    return intake.as_dict() | {
        "id": 7, "region_zh": "丹阳市合成街道3", "region_en": "Danyang 3",
        "function_zone": "key", "function_zone_zh": "重点开发",
        "function_zone_en": "key development",
        "status": "assessed", "status_zh": "已评估，待决定", "status_en": "assessed",
        "conditions": None, "decision_reason": None, "result": found.as_dict(),
        "history": [{"at": "2026-01-01T00:00", "actor": "reviewer", "action": "project.assess",
                     "status_before": "submitted", "status_after": "assessed", "reason": None}],
    }  # fmt: skip


def text_of(content: bytes, tmp_path: Path) -> str:
    path = tmp_path / "project.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_the_report_in_english_names_grade_reasons_and_factors(tmp_path: Path):
    content = render_project_pdf(detail(), "en")
    assert content.startswith(b"%PDF")
    text = text_of(content, tmp_path)
    assert "Project carbon assessment report" in text
    assert "Grade D" in text  # two-high below the advanced level
    assert "two_high_not_advanced" in text
    assert "a two-high project below the advanced energy" in text  # the cell wraps here
    assert "cn_gbt2589_energy:tce_coefficient:natural_gas" in text
    assert "key development" in text
    assert "synthetic" not in text.lower()  # neither the notice nor the names say so


def test_the_report_in_chinese_with_the_synthetic_notice(tmp_path: Path):
    notice = Message("演示数据为合成数据", "synthetic demo data")
    text = text_of(render_project_pdf(detail(), "zh", notice), tmp_path)
    assert "项目碳评估报告" in text
    assert "评级 D" in text
    assert "演示数据为合成数据" in text
    demo = text_of(render_project_pdf(detail("玻璃生产线（演示）"), "zh"), tmp_path)
    assert "合成演示数据" in demo  # a demo project gets the notice without a site notice

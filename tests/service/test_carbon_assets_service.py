"""Carbon assets on the stored ledger (SQLite and PostgreSQL): allocation by the benchmark and
the historical-intensity method from verified reports, posting through the core (an overdraw
refused, nothing written), reversals, the append-only guard, compliance and access."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.accounting import methods
from citycarbon.accounting.records import ActivityRecord, compute_record
from citycarbon.enterprise.allocation import AllocationError
from citycarbon.enterprise.assets import AssetEntryError
from citycarbon.enterprise.credit_code import make_credit_code
from citycarbon.refdata.loader import load_factor_set
from citycarbon.service.access import ForbiddenError
from citycarbon.service.actor import LOCAL_ADMIN, Actor
from citycarbon.service.carbon_assets import (
    EntryInput,
    asset_status,
    compliance_years,
    deadline,
    overview,
    post_entry,
    reverse_entry,
    set_deadline,
)
from citycarbon.service.carbon_assets_allocate import allocate, settle_true_up
from citycarbon.service.roles import Role
from citycarbon.store.models import (
    AuditEntry,
    Enterprise,
    Region,
    Report,
    ReportLine,
    ReportProduction,
)
from citycarbon.store.models_assets import AllowanceAllocation, CarbonAssetEntry

PLANT = make_credit_code("91321100MA1PPPPP0")
CEMENT = make_credit_code("91321100MA1QQQQQ0")
PATHS = {"321100": "/321100/", "321102": "/321100/321102/", "321111": "/321100/321111/"}
COAL_T = {2021: 2.6e6, 2022: 2.8e6, 2023: 3.0e6}  # the plant's annual raw coal
MWH = {2021: 6.0e6, 2022: 6.5e6, 2023: 7.0e6}  # electricity generated
CEMENT_T = {2020: 1.0e6, 2021: 1.1e6, 2022: 1.2e6, 2023: 1.3e6}
BENCH = 0.877  # cn_ets_power_benchmarks coal_conventional_above_300mw.electricity
SPEC_POWER = {
    "method": "benchmark",
    "units": [
        {
            "unit_id": "#1",
            "category": "coal_conventional_above_300mw",
            "cooling": "water",
            "capacity_mw": 1000,
            "operating_hours": 7500,
        }
    ],
}
CITY = Actor("city", Role.CITY_OFFICE, user_id=None, region_code="321100", region_path="/321100/")


def _annual(session: Session, firm: Enterprise, year: int, state: str, lines, products) -> None:
    report = Report(
        enterprise_id=firm.id,
        year=year,
        month=0,
        state="draft",
        factor_set="cn-city@2026.1",
        gwp_set="AR5",
        due_date=dt.date(year + 1, 3, 31),
    )
    session.add(report)
    session.flush()
    for category, activity, quantity, unit in lines:
        session.add(
            ReportLine(
                report_id=report.id,
                category=category,
                activity=activity,
                quantity=quantity,
                unit=unit,
            )
        )
    for product, quantity, unit in products:
        session.add(
            ReportProduction(report_id=report.id, product=product, quantity=quantity, unit=unit)
        )
    session.flush()
    report.state = state
    session.flush()


def _seed(session: Session) -> dict[str, int]:
    for code, name, parent in (
        ("321100", "镇江市", None),
        ("321102", "京口区", "321100"),
        ("321111", "丹徒区", "321100"),
    ):
        session.add(
            Region(
                code=code,
                name_zh=name,
                level="county" if parent else "city",
                parent_code=parent,
                path=PATHS[code],
            )
        )
        session.flush()
    plant = Enterprise(
        credit_code=PLANT, name_zh="电厂", name_en="Plant", industry="4411", region_code="321102"
    )
    cement = Enterprise(
        credit_code=CEMENT,
        name_zh="水泥厂",
        name_en="Cement",
        industry="3011",
        region_code="321111",
    )
    session.add_all([plant, cement])
    session.flush()
    for year in (2021, 2022, 2023):
        _annual(
            session,
            plant,
            year,
            "verified",
            [("1.A.1.a", "raw_coal", COAL_T[year], "t")],
            [("electricity_generated", MWH[year], "MWh")],
        )
    for year, tonnes in CEMENT_T.items():
        _annual(
            session,
            cement,
            year,
            "locked" if year < 2023 else "submitted",
            [("2.A.1", "cement", tonnes, "t")],
            [("cement", tonnes, "t")],
        )
    return {"plant": plant.id, "cement": cement.id}


def _co2(year: int, category: str, activity: str, quantity: float, unit: str, **kw) -> float:
    methods.load_all()
    record = ActivityRecord(year, "", category, activity, quantity, unit, **kw)
    result = compute_record(record, load_factor_set("cn-city@2026.1"))
    return result.gases_t["CO2"]


def _entry(kind: str, day: str, t: float, **kw) -> EntryInput:
    return EntryInput(kind, dt.date.fromisoformat(day), t, **kw)


@pytest.fixture
def seeded(db_sessions: sessionmaker[Session]) -> dict[str, int]:
    with db_sessions.begin() as session:
        return _seed(session)


def test_benchmark_allocation_pre_allocates_then_trues_up_with_its_trace(
    db_sessions: sessionmaker[Session], seeded: dict[str, int]
):
    with db_sessions.begin() as session:
        row = allocate(session, CITY, PLANT, 2023, SPEC_POWER, issue_on=dt.date(2023, 3, 1))
    # pre-allocation: 70 % × 2022 electricity × benchmark; water cooling 1, no heat 1,
    # load factor 6.5e6 / (1000 MW × 7500 h) = 86.7 % ≥ 85 % → 1
    assert row.pre_t == pytest.approx(0.7 * MWH[2022] * BENCH)
    assert row.pre_share == 0.7
    part = row.trace["base"]["lines"][0]["parts"][0]
    assert (
        part["benchmark_ref"] == "cn_ets_power_benchmarks:coal_conventional_above_300mw.electricity"
    )
    assert [c["code"] for c in part["coefficients"]] == [
        "cooling.water",
        "heat_supply.coal",
        "load.85_up",
    ]
    assert part["equation"] == "output × benchmark × cooling.water × heat_supply.coal × load.85_up"
    assert "generated used as electricity supplied" in row.trace["base_notes"][0]
    tables = {t["table"]: t for t in row.sources["tables"]}
    assert "国环规气候〔2020〕3号" in tables["cn_ets_power_benchmarks"]["document"]
    assert row.sources["pre_allocation_rule"].startswith("cn_ets_rules:pre_allocation_share")
    with db_sessions.begin() as session:
        with pytest.raises(AllocationError) as twice:
            allocate(session, CITY, PLANT, 2023, SPEC_POWER, issue_on=dt.date(2023, 3, 2))
        assert twice.value.field == "compliance_year"
        row = settle_true_up(session, CITY, PLANT, 2023, issue_on=dt.date(2024, 6, 1))
    assert row.final_t == pytest.approx(MWH[2023] * BENCH)  # load 93 % → 1
    assert row.true_up_t == pytest.approx(MWH[2023] * BENCH - 0.7 * MWH[2022] * BENCH)
    with db_sessions() as session:
        entries = session.scalars(select(CarbonAssetEntry).order_by(CarbonAssetEntry.id)).all()
        assert [(e.kind, e.reference, e.unit_type) for e in entries] == [
            ("allocation", f"allocation:{row.id}:pre", "CEA"),
            ("allocation", f"allocation:{row.id}:true_up", "CEA"),
        ]
        status = asset_status(session, CITY, PLANT, 2023, dt.date(2024, 7, 1))
        assert status.balance_t == pytest.approx(MWH[2023] * BENCH)
        actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert actions == ["assets.allocate", "assets.post", "assets.true_up", "assets.post"]


def test_historical_intensity_from_verified_base_years_and_an_unverified_year_waits(
    db_sessions: sessionmaker[Session], seeded: dict[str, int]
):
    spec = {
        "method": "historical_intensity",
        "base_year": 2022,
        "lines": [
            {
                "line_id": "kiln",
                "product": "cement",
                "output_unit": "t",
                "decline_factor": 0.98,
                "base_years": [2020, 2021],
                "source": "plan X",
            }
        ],
    }
    with db_sessions.begin() as session:
        row = allocate(session, CITY, CEMENT, 2023, spec, issue_on=dt.date(2023, 3, 1))
    emissions = sum(_co2(y, "2.A.1", "cement", CEMENT_T[y], "t") for y in (2020, 2021))
    intensity = emissions / (CEMENT_T[2020] + CEMENT_T[2021])
    assert row.pre_t == pytest.approx(0.7 * CEMENT_T[2022] * intensity * 0.98)
    assert row.trace["base"]["sources"] == ["plan X"]
    with db_sessions.begin() as session:
        # the 2023 report is only submitted: no final allocation, and compliance waits
        with pytest.raises(AllocationError, match="not all verified") as waiting:
            settle_true_up(session, CITY, CEMENT, 2023, issue_on=dt.date(2024, 6, 1))
        assert waiting.value.field == "lines[0].years.2023"
    with db_sessions() as session:
        status = asset_status(session, CITY, CEMENT, 2023, dt.date(2024, 7, 1))
        assert status.status == "awaiting_verification"
        assert status.compliance is None
        assert status.status_label.en == "awaiting verified emissions"


def test_posting_goes_through_the_core_and_compliance_counts_capped_offsets(
    db_sessions: sessionmaker[Session], seeded: dict[str, int]
):
    verified = _co2(2022, "1.A.1.a", "raw_coal", COAL_T[2022], "t")
    with db_sessions.begin() as session:
        post_entry(session, CITY, PLANT, 2022, _entry("allocation", "2022-03-01", 0.9 * verified))
        post_entry(
            session,
            CITY,
            PLANT,
            2022,
            _entry(
                "purchase",
                "2022-06-01",
                300_000,
                counterparty="上海环境能源交易所",
                price_cny_per_t=58.5,
            ),
        )
    with db_sessions.begin() as session:
        with pytest.raises(AssetEntryError) as overdraw:
            post_entry(
                session,
                CITY,
                PLANT,
                2022,
                _entry("sale", "2022-05-01", 0.95 * verified, counterparty="X"),
            )
        assert overdraw.value.field == "quantity_t"
        assert "超过" in overdraw.value.message.zh
        assert "exceeds" in overdraw.value.message.en
        with pytest.raises(AssetEntryError) as priced:
            post_entry(
                session,
                CITY,
                PLANT,
                2022,
                _entry("surrender", "2022-12-01", 1.0, price_cny_per_t=50.0),
            )
        assert priced.value.field == "price_cny_per_t"
    with db_sessions.begin() as session:
        assert (
            session.scalar(select(CarbonAssetEntry.id).where(CarbonAssetEntry.kind == "sale"))
            is None
        )
        post_entry(session, CITY, PLANT, 2022, _entry("surrender", "2023-11-01", 0.9 * verified))
        post_entry(
            session,
            CITY,
            PLANT,
            2022,
            _entry(
                "offset_surrender",
                "2023-11-02",
                0.08 * verified,
                counterparty="CCER 项目",
                reference="CCER-001",
            ),
        )
        set_deadline(session, CITY, 2022, dt.date(2023, 12, 31))
    with db_sessions() as session:
        before = asset_status(session, CITY, PLANT, 2022, dt.date(2023, 12, 20))
        assert before.compliance is not None
        result = before.compliance
        assert result.verified_emissions_t == pytest.approx(verified)
        assert result.offset_cap_t == pytest.approx(0.05 * verified)
        assert result.offsets_accepted_t == pytest.approx(0.05 * verified)  # 8 % offered, 5 % cap
        assert result.offsets[0].reason is not None
        assert result.shortfall_t == pytest.approx(0.05 * verified)
        assert before.status == "not_due"
        assert [w.code for w in result.warnings] == ["due_30"]
        assert before.deadline.source.en.startswith("platform setting")
        assert before.balance_t == pytest.approx(300_000)
        assert deadline(session, 2021).on == dt.date(2022, 12, 31)  # the default
        after = asset_status(session, CITY, PLANT, 2022, dt.date(2024, 1, 2))
        assert after.status == "shortfall"
        assert [w.code for w in after.compliance.warnings] == ["overdue"]  # type: ignore[union-attr]
    with db_sessions.begin() as session:
        post_entry(session, CITY, PLANT, 2022, _entry("surrender", "2023-12-30", 0.05 * verified))
    with db_sessions() as session:
        done = asset_status(session, CITY, PLANT, 2022, dt.date(2024, 1, 2))
        assert done.status == "compliant"
        assert done.compliance is not None
        assert done.compliance.warnings == ()
        assert compliance_years(session, CITY, PLANT) == [2022]


def test_a_correction_is_a_reversing_entry_and_the_ledger_refuses_changes(
    db_sessions: sessionmaker[Session], seeded: dict[str, int]
):
    with db_sessions.begin() as session:
        issued = post_entry(session, CITY, PLANT, 2023, _entry("allocation", "2023-03-01", 1000))
        bought = post_entry(
            session, CITY, PLANT, 2023, _entry("purchase", "2023-04-01", 500, counterparty="A")
        )
        post_entry(session, CITY, PLANT, 2023, _entry("sale", "2023-05-01", 1200, counterparty="B"))
        ids = issued.id, bought.id
    with db_sessions.begin() as session:
        # the purchase was spent since: reversing it would overdraw
        with pytest.raises(AssetEntryError) as spent:
            reverse_entry(session, CITY, ids[1], dt.date(2023, 6, 1), "wrong counterparty")
        assert spent.value.field == "reverses_id"
        assert "negative" in spent.value.message.en
    with db_sessions.begin() as session:
        sale = session.scalar(select(CarbonAssetEntry).where(CarbonAssetEntry.kind == "sale"))
        assert sale is not None
        reversal = reverse_entry(session, CITY, sale.id, dt.date(2023, 6, 1), "typed twice")
        assert (reversal.reverses_id, reversal.kind) == (sale.id, "sale")
        with pytest.raises(AssetEntryError, match="already reversed"):
            reverse_entry(session, CITY, sale.id, dt.date(2023, 6, 2), "again")
    with db_sessions() as session:
        status = asset_status(session, CITY, PLANT, 2023, dt.date(2023, 7, 1))
        assert status.balance_t == pytest.approx(1500)
        assert [(r.state, r.signed_t) for r in status.statement] == [
            ("effective", 1000),
            ("effective", 500),
            ("reversed", 0.0),
            ("reversal", 0.0),
        ]
    for statement in (
        "UPDATE carbon_asset_entry SET quantity_t = 1",
        "DELETE FROM carbon_asset_entry",
    ):
        with db_sessions() as session, pytest.raises(DBAPIError, match="append-only"):
            session.execute(text(statement))
    with db_sessions() as session:
        assert (
            session.scalar(select(CarbonAssetEntry.quantity_t).where(CarbonAssetEntry.id == ids[0]))
            == 1000
        )


def test_access_follows_assets_read_and_manage(
    db_sessions: sessionmaker[Session], seeded: dict[str, int]
):
    plant_user = Actor("firm", Role.ENTERPRISE, enterprise_id=seeded["plant"])
    dantu = Actor("dt", Role.DISTRICT_OFFICIAL, region_code="321111", region_path=PATHS["321111"])
    jingkou = Actor("jk", Role.DISTRICT_OFFICIAL, region_code="321102", region_path=PATHS["321102"])
    with db_sessions.begin() as session:
        post_entry(session, LOCAL_ADMIN, PLANT, 2023, _entry("allocation", "2023-03-01", 10))
        post_entry(session, CITY, CEMENT, 2023, _entry("allocation", "2023-03-01", 20))
    with db_sessions() as session:
        today = dt.date(2024, 1, 1)
        assert asset_status(session, plant_user, PLANT, 2023, today).balance_t == 10
        assert asset_status(session, jingkou, PLANT, 2023, today).balance_t == 10
        for actor, code in ((plant_user, CEMENT), (dantu, PLANT)):
            with pytest.raises(ForbiddenError):
                asset_status(session, actor, code, 2023, today)
        for actor in (plant_user, jingkou):
            with pytest.raises(ForbiddenError):
                post_entry(session, actor, PLANT, 2023, _entry("allocation", "2023-03-02", 1))
        with pytest.raises(ForbiddenError):
            allocate(session, plant_user, PLANT, 2024, SPEC_POWER, issue_on=today)
        codes = {s.enterprise.credit_code for s in overview(session, CITY, 2023, today)}
        assert codes == {PLANT, CEMENT}
        assert [s.enterprise.credit_code for s in overview(session, dantu, 2023, today)] == [CEMENT]
        assert [s.enterprise.credit_code for s in overview(session, plant_user, 2023, today)] == [
            PLANT
        ]
        verifier = Actor("v", Role.VERIFIER, user_id=1)
        with pytest.raises(ForbiddenError):
            overview(session, verifier, 2023, today)
        assert session.scalars(select(AllowanceAllocation)).all() == []


def test_bad_specs_name_their_field(db_sessions: sessionmaker[Session], seeded: dict[str, int]):
    cases = (
        ({"method": "grandfathering"}, "method"),
        ({"method": "benchmark", "units": []}, "units"),
        (
            {
                "method": "benchmark",
                "units": [
                    {
                        "unit_id": "#1",
                        "category": "nuclear",
                        "capacity_mw": 1000,
                        "operating_hours": 7500,
                    }
                ],
            },
            "units[0].category",
        ),
        (
            {"method": "benchmark", "units": [{**SPEC_POWER["units"][0], "output_share": 1.5}]},  # type: ignore[dict-item]
            "units[0].output_share",
        ),
        (
            {
                "method": "historical_intensity",
                "lines": [
                    {
                        "line_id": "k",
                        "product": "cement",
                        "output_unit": "t",
                        "decline_factor": 0.9,
                        "source": "s",
                        "years": {"2022": {"output": 1.0}},
                    }
                ],
            },
            "lines[0].base_years",
        ),
    )
    for spec, field in cases:
        with db_sessions() as session, pytest.raises(AllocationError) as bad:
            allocate(session, CITY, PLANT, 2023, spec, issue_on=dt.date(2023, 3, 1))
        assert bad.value.field == field, spec
        assert bad.value.message.zh
        assert bad.value.message.en


def test_the_cli_allocates_posts_and_reports(tmp_path: Path):
    import json

    from typer.testing import CliRunner

    from citycarbon.cli import app
    from citycarbon.store.open import open_store

    runner = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, ["--data-dir", str(tmp_path), *args])
        assert result.exit_code == code, result.output + str(result.exception)
        return result.output

    run("db", "upgrade")
    with open_store(data_dir=tmp_path).begin() as session:
        _seed(session)
    spec = tmp_path / "plant.json"
    spec.write_text(json.dumps(SPEC_POWER), encoding="utf-8")
    out = run(
        "--lang",
        "en",
        "assets",
        "allocate",
        PLANT,
        "--year",
        "2023",
        "--spec",
        str(spec),
        "--on",
        "2023-03-01",
    )
    assert f"pre-allocated: {0.7 * MWH[2022] * BENCH:,.0f} t" in out
    out = run("assets", "allocate", PLANT, "--year", "2023", "--true-up", "--on", "2024-06-01")
    assert "最终核定" in out
    out = run(
        "assets",
        "post",
        PLANT,
        "--year",
        "2023",
        "--kind",
        "sale",
        "--quantity",
        "1e9",
        "--counterparty",
        "X",
        "--on",
        "2024-07-01",
        code=2,
    )
    assert "超过" in out
    assert "exceeds" in out
    run(
        "assets",
        "post",
        PLANT,
        "--year",
        "2023",
        "--kind",
        "purchase",
        "--quantity",
        "500",
        "--counterparty",
        "交易所",
        "--price",
        "70",
        "--on",
        "2024-07-01",
    )
    run("assets", "deadline", "--year", "2023", "--on", "2024-12-31")
    status = json.loads(
        run("assets", "status", "--year", "2023", PLANT, "--today", "2025-01-05", "--json")
    )
    assert status["status"] == "shortfall"
    assert status["balance_t"] == pytest.approx(MWH[2023] * BENCH + 500)
    assert [w["code"] for w in status["warnings"]] == ["overdue"]
    out = run("--lang", "en", "assets", "status", "--year", "2023", "--today", "2025-01-05")
    assert "shortfall (overdue)" in out
    rows = json.loads(run("assets", "statement", PLANT, "--year", "2023", "--json"))
    assert [r["kind"] for r in rows] == ["allocation", "allocation", "purchase"]
    run(
        "assets",
        "post",
        PLANT,
        "--year",
        "2023",
        "--reverses",
        str(rows[-1]["id"]),
        "--note",
        "wrong price",
    )
    out = run("--lang", "en", "assets", "statement", PLANT, "--year", "2023")
    assert "reversal" in out
    bad = tmp_path / "bad.json"
    bad.write_text('{"method": "benchmark", "units": [{"unit_id": "#1", "category": "x"}]}')
    out = run("assets", "allocate", CEMENT, "--year", "2023", "--spec", str(bad), code=2)
    assert "bad.json" in out
    assert "units[0]" in out


def test_the_documented_spec_allocates(db_sessions: sessionmaker[Session], seeded: dict[str, int]):
    import json
    import re

    doc = Path(__file__).resolve().parents[2] / "docs" / "assets.md"
    found = re.search(r"```json\n(.*?)```", doc.read_text(encoding="utf-8"), re.DOTALL)
    assert found is not None
    spec = json.loads(found.group(1))
    with db_sessions.begin() as session:
        row = allocate(session, CITY, PLANT, 2023, spec, issue_on=dt.date(2023, 3, 31))
    assert row.pre_t == pytest.approx(0.7 * MWH[2022] * BENCH)


def test_two_clerks_cannot_spend_the_same_allowances(
    db_engine: Engine, db_sessions: sessionmaker[Session], seeded: dict[str, int]
):
    if db_engine.dialect.name != "postgresql":
        pytest.skip("SQLite takes one writer at a time by design; the row lock is PostgreSQL's")
    import threading

    with db_sessions.begin() as session:
        post_entry(session, CITY, PLANT, 2023, _entry("allocation", "2023-03-01", 1000))
    sale = _entry("sale", "2023-06-01", 700, counterparty="X")
    first = db_sessions()
    first.begin()
    post_entry(first, CITY, PLANT, 2023, sale)  # holds the enterprise's lock until commit
    outcome: list[object] = []

    def second_sale() -> None:
        with db_sessions() as session:
            try:
                with session.begin():
                    post_entry(session, CITY, PLANT, 2023, sale)
                outcome.append("posted")
            except AssetEntryError as exc:
                outcome.append(exc)

    other = threading.Thread(target=second_sale)
    other.start()
    other.join(timeout=1.0)
    assert other.is_alive(), "the second sale must wait for the first one's lock"
    first.commit()
    first.close()
    other.join(timeout=30)
    assert len(outcome) == 1
    assert isinstance(outcome[0], AssetEntryError)
    with db_sessions() as session:
        assert asset_status(session, CITY, PLANT, 2023, dt.date(2023, 7, 1)).balance_t == 300

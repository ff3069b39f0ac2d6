"""Data shared by the intake tests (a small city in Zhenjiang)."""

from __future__ import annotations

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.enterprise.credit_code import make_credit_code
from citycarbon.store.models import Base

CC_A = make_credit_code("91321102MA1000001")
CC_B = make_credit_code("91321102MA1000002")
CC_C = make_credit_code("91321191MA1000003")  # in another district

REGIONS = (
    "区划代码 code,中文名称 name_zh,层级 level,上级代码 parent_code,主体功能区 function_zone\n"
    "320000,江苏省,province,,\n"
    "321100,镇江市,city,320000,\n"
    "321102,京口区,county,321100,\n"
    "321191,镇江新区,county,321100,\n"
    "321102001,正东路街道,township,321102,optimized\n"
)
ENTERPRISES = (
    "credit_code,name_zh,industry,region,lon,lat,is_key_emitter\n"
    f"{CC_A},甲钢铁有限公司,3110,321102001,119.45,32.2,是\n"
    f"{CC_B},乙化工有限公司,26,321102,,,0\n"
    f"{CC_C},丙水泥有限公司,30,321191,,,1\n"
)
ACTIVITY = (
    "统一社会信用代码 credit_code,年份 year,月份 month,排放类别 category,活动/燃料代码 activity,"
    "数量 quantity,单位 unit,数据来源 source\n"
    f"{CC_A},2023,1,1.A.2.a,raw_coal,1200,t,台账\n"
    f"{CC_A},2023,1,IND.1,electricity,800,MWh,电费单\n"
    f"{CC_A},2023,2,1.A.2.a,raw_coal,1100,t,台账\n"
    f"{CC_B},2023,1,1.A.2.c,natural_gas,35.5,10^4 Nm3,\n"
)


def count(sessions: sessionmaker[Session], model: type[Base]) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def cli_url(engine: Engine) -> str:
    """The engine's URL for a subprocess or the CLI (PostgreSQL: with the test's schema)."""
    url = engine.url
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            schema = connection.execute(text("select current_schema()")).scalar_one()
        url = url.update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)

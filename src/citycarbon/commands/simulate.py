"""``citycarbon simulate meters``: simulated meter gateways publishing load curves to MQTT."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import Annotated

import typer

from citycarbon.commands.common import console, err, fail, sessions, tr

simulate_app = typer.Typer(help="模拟数据源 / simulated data sources", no_args_is_help=True)


def _epoch(text: str | None, now: int) -> int:
    """Epoch seconds of an ISO date/time (China Standard Time without an offset) or of a
    number; default the start of the current local month."""
    cst = dt.timezone(dt.timedelta(hours=8))
    if text is None:
        local = dt.datetime.fromtimestamp(now, cst)
        return int(local.replace(day=1, hour=0, minute=0, second=0, microsecond=0).timestamp())
    if text.isdigit():
        return int(text)
    moment = dt.datetime.fromisoformat(text)
    return int((moment if moment.tzinfo else moment.replace(tzinfo=cst)).timestamp())


@simulate_app.command("meters")
def meters_command(
    meters: Annotated[int | None, typer.Option(help="计量表数（默认全部）/ meters")] = None,
    rate: Annotated[float, typer.Option(help="每秒读数 / readings per second")] = 50_000,
    broker: Annotated[str, typer.Option(help="MQTT broker host:port")] = "127.0.0.1:1883",
    seed: Annotated[int, typer.Option(help="随机种子 / seed")] = 7,
    start: Annotated[
        str | None, typer.Option(help="补发起点（默认本月初）/ backfill from (ISO or epoch)")
    ] = None,
    surge: Annotated[
        str | None, typer.Option(help="负荷激增的企业信用代码或表号 / surging enterprise")
    ] = None,
    surge_hours: Annotated[float, typer.Option(help="激增已持续小时数 / surge hours")] = 48,
    live: Annotated[bool, typer.Option(help="补发后继续实时发送 / then go live")] = True,
) -> None:
    """按登记的计量表模拟负荷曲线并发布到 MQTT：先补发本月，再实时 / publish simulated load
    curves of the registered meters: the month so far, then live."""
    from citycarbon.errors import CitycarbonError, Message
    from citycarbon.ingest.meter_service import parse_broker
    from citycarbon.ingest.mqtt_wire import MqttClient, MqttError
    from citycarbon.ingest.simulator import Curves, load_meters, run_simulation

    now = int(time.time())
    try:
        begin = _epoch(start, now)
    except ValueError:
        fail(
            CitycarbonError(
                Message(zh=f"无法识别的起点 {start}", en=f"unreadable start {start}"), field="start"
            )
        )
    with sessions()() as session:
        chosen = load_meters(session, meters)
    if not chosen:
        fail(
            CitycarbonError(
                Message(zh="登记表中没有在用的计量表", en="the registry has no active meter")
            )
        )
    curves = Curves(
        chosen,
        seed=seed,
        surge_code=surge,
        surge_start=now - int(surge_hours * 3600),
        surge_end=now + 3600,
    )
    host, port = parse_broker(broker)
    console.print(
        tr(
            f"模拟 {len(chosen)} 块表，自 {begin} 起",
            f"simulating {len(chosen)} meters from {begin}",
        ),
        markup=False,
    )

    async def main() -> None:
        client = MqttClient(host, port, f"citycarbon-sim-{seed}-{now}")
        await client.connect(clean_start=True, session_expiry=0)
        try:
            await run_simulation(
                curves,
                client,
                start=begin,
                rate=rate,
                live=live,
                log=lambda line: err.print(line, markup=False),
            )
        finally:
            await client.close()

    try:
        asyncio.run(main())
    except (MqttError, OSError) as exc:
        fail(CitycarbonError(Message(zh=f"MQTT 连接失败：{exc}", en=f"MQTT failed: {exc}")))
    except KeyboardInterrupt:
        pass

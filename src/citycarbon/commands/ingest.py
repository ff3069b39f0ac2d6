"""``citycarbon ingest serve``: the MQTT ingest of meter readings."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from citycarbon.commands.common import fail, state

ingest_app = typer.Typer(help="计量数据接入 / meter reading ingest", no_args_is_help=True)


@ingest_app.command("serve")
def serve_command(
    data_dir: Annotated[Path | None, typer.Option(help="数据目录 / data directory")] = None,
    db_url: Annotated[str | None, typer.Option(help="数据库 URL / database URL")] = None,
    broker: Annotated[str, typer.Option(help="MQTT broker host:port")] = "127.0.0.1:1883",
    topic: Annotated[str, typer.Option(help="订阅主题 / topic filter")] = "citycarbon/meters/#",
    client_id: Annotated[str, typer.Option(help="固定客户端标识 / fixed client id")] = (
        "citycarbon-ingest"
    ),
    flush_readings: Annotated[int, typer.Option(help="每批读数 / readings per batch")] = 200_000,
    flush_ms: Annotated[int, typer.Option(help="最长攒批时间 ms / batch age")] = 200,
) -> None:
    """从 MQTT 接入计量读数，精确一次写入数据湖 / ingest meter readings from MQTT into the
    lake exactly once (SIGTERM: finish the batch in hand, then stop)."""
    from citycarbon.errors import CitycarbonError
    from citycarbon.ingest.meter_service import ServeOptions, parse_broker, run_service
    from citycarbon.lake.layout import lake_root
    from citycarbon.store.open import open_store

    folder = data_dir or state.data_dir
    try:
        sessions = open_store(db_url or state.db_url, folder)
    except CitycarbonError as exc:
        fail(exc)
    host, port = parse_broker(broker)
    options = ServeOptions(
        root=lake_root(folder),
        host=host,
        port=port,
        topic=topic,
        client_id=client_id,
        flush_readings=flush_readings,
        flush_s=flush_ms / 1000,
    )
    run_service(options, sessions)

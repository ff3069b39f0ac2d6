"""Meter readings over HTTP: ``POST /api/v1/monitoring/readings`` takes the same JSON as the
MQTT ingest (one message: a batch, explicit readings, a single reading or an array of them)
and answers once the readings are durable in the lake and the refused ones are recorded.

The application keeps one writer of the lake (:class:`MeterStream`, source ``http``); it runs
in a worker thread, one request at a time, so the event loop is not blocked by the write and
its flush to disk. Other writers of the same lake (the MQTT ingest, a backfill) are serialised
by the lake's writer lock, and each sees what the others stored: a reading sent both ways is
stored once."""

from __future__ import annotations

import threading

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from citycarbon.errors import CitycarbonError, Message
from citycarbon.ingest.meter_stream import MeterStream, Outcome, RawMessage
from citycarbon.lake.layout import lake_root
from citycarbon.service.access import Permission, require_grant
from citycarbon.web.deps import SignedInDep
from citycarbon.web.responses import JsonResponse

router = APIRouter(tags=["monitoring"])

MAX_BODY = 16 * 1024 * 1024
_CREATE = threading.Lock()


class ReadingsBodyError(CitycarbonError):
    """The body is not JSON, too large, or not one of the documented shapes."""


class _Writer:
    def __init__(self, stream: MeterStream) -> None:
        self.stream = stream
        self.lock = threading.Lock()

    def store(self, body: bytes) -> Outcome:
        with self.lock:
            return self.stream.process([RawMessage(body, None, "http")])


def _writer(request: Request) -> _Writer:
    state = request.app.state
    with _CREATE:
        writer: _Writer | None = getattr(state, "meter_writer", None)
        if writer is None:
            stream = MeterStream(
                lake_root(state.settings.data_dir), state.sessions, source="http", prefix="http"
            )
            stream.start()
            writer = state.meter_writer = _Writer(stream)
    return writer


EXAMPLE = {
    "meter": "E-0001",
    "unit": "kWh",
    "interval": 900,
    "t0": 1767196800,
    "values": [12.5, 13.0, 12.75],
}


@router.post(
    "/monitoring/readings",
    summary="上报计量读数（与 MQTT 相同的 JSON）/ send meter readings (the MQTT JSON)",
    responses={
        400: {"description": "not JSON, or not one of the documented shapes"},
        403: {"description": "the role may not send readings (monitoring.ingest)"},
    },
    # the body is read raw (stored and fingerprinted as sent): described here, not parsed
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"type": ["object", "array"]}, "example": EXAMPLE}
            },
        }
    },
)
async def post_readings(request: Request, actor: SignedInDep) -> Response:
    require_grant(actor, Permission.INGEST_READINGS)
    body = await request.body()
    if len(body) > MAX_BODY:
        raise ReadingsBodyError(
            Message(
                zh=f"请求体超过 {MAX_BODY} 字节，请分批发送",
                en=f"the body exceeds {MAX_BODY} bytes: send it in parts",
            ),
            field="body",
        )
    try:
        orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ReadingsBodyError(
            Message(
                zh=f"请求体不是有效的 UTF-8 JSON：{exc}", en=f"the body is not valid JSON: {exc}"
            ),
            field="body",
        ) from None
    writer = await run_in_threadpool(_writer, request)
    outcome = await run_in_threadpool(writer.store, body)
    if outcome.malformed:
        reason = outcome.malformed_reasons[0]
        raise ReadingsBodyError(
            Message(zh=f"读数格式有误：{reason.zh}", en=f"malformed readings: {reason.en}"),
            field="body",
        )
    counts = outcome.as_dict()
    del counts["messages"], counts["malformed"]
    return JsonResponse(counts)

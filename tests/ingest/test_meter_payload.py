"""Decoding meter messages: the fast path for plain batches decides exactly as the general
checks do, and every documented shape decodes."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citycarbon.ingest import meter_payload
from citycarbon.ingest.meter_payload import EXPLICIT, decode_messages, value_array

T0 = 1_767_196_800
texts = st.one_of(
    st.none(), st.sampled_from(["E-1", " E-1", "E-1 ", "", " ", "kWh", "x" * 61, "E\x001", "k\tWh"])
)
numbers = st.one_of(st.integers(-5, 2**34), st.sampled_from([T0, T0 + 0.5, float(T0), True]))
items = st.fixed_dictionaries(
    {
        "meter": texts,
        "values": st.one_of(
            st.lists(st.floats(-1, 1e6), max_size=5),
            st.just("1,2"),
            st.lists(st.just("x"), max_size=1),
        ),
    },
    optional={"unit": texts, "t0": numbers, "interval": st.one_of(numbers, st.just(900))},
)


def _decoded(payload: bytes) -> tuple[object, ...]:
    out = decode_messages([payload])
    return (
        out.item_code,
        out.item_unit,
        out.item_t0,
        out.item_interval,
        out.item_values,
        {k: v.en for k, v in out.malformed.items()},
    )


@settings(max_examples=400, deadline=None)
@given(items)
def test_fast_path_agrees_with_the_general_checks(item: dict[str, object]):
    payload = orjson.dumps(item)
    fast = _decoded(payload)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(meter_payload, "_decode_batch_fast", lambda *args: False)
        general = _decoded(payload)
    assert fast == general


def test_shapes_and_values():
    out = decode_messages(
        [
            orjson.dumps({"meter": "A", "t0": T0, "values": [1, 2.5]}),
            orjson.dumps(
                [
                    {"meter": "B", "readings": [[T0, 3], ["2026-01-01T00:15:00+08:00", 4]]},
                    {"meter": "C", "ts": T0, "value": 5, "unit": "MWh"},
                ]
            ),
            orjson.dumps({"meter": "D", "t0": T0, "values": [True]}),
        ]
    )
    assert out.item_code == ["A", "B", "C", "D"]
    assert out.item_interval == [0, EXPLICIT, EXPLICIT, 0]
    assert out.explicit_ts == [T0, T0 + 900, T0]
    assert value_array(out).tolist() == [1.0, 2.5, 3.0, 4.0, 5.0]
    assert list(out.malformed) == [2]  # a bool is not a reading

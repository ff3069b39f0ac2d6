"""Category trees: the packaged IPCC 2006 and provincial-guideline trees, and the tree API."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citycarbon.accounting import energy, registry  # noqa: F401  (energy registers methods)
from citycarbon.accounting.categories import Category, CategoryTree, MapTarget
from citycarbon.errors import ReferenceDataError
from citycarbon.refdata.trees import load_category_tree

IPCC = load_category_tree("ipcc2006")
CN = load_category_tree("cn_provincial")

REQUIRED = [
    # registered by accounting/energy.py (1.A and its sub-categories, IND.1–IND.3)
    "1.A", "1.A.1", "1.A.2", "1.A.3.a", "1.A.3.b", "1.A.3.c", "1.A.3.d", "1.A.3.e",
    "1.A.4.a", "1.A.4.b", "1.A.4.c", "1.A.5", "IND.1", "IND.2", "IND.3",
    # used by the IPPU, AFOLU and waste modules
    "2.A.1", "2.A.2", "2.A.3", "2.B.1", "2.B.2", "2.B.3", "2.B.9.a", "2.C.1", "2.C.2",
    "2.C.3", "3.A.1", "3.A.2", "3.B.1.a", "3.C.4", "3.C.5", "3.C.7", "4.A", "4.B",
    "4.C.1", "4.C.2", "4.D.1", "4.D.2",
]  # fmt: skip


def small_tree() -> CategoryTree:
    rows = [
        {"code": "A", "parent": "", "name_zh": "甲", "name_en": "a"},
        {"code": "A.1", "parent": "A", "name_zh": "甲一", "name_en": "a1", "gpc": "X"},
        {"code": "A.1.x", "parent": "A.1", "name_zh": "甲一x", "name_en": "a1x", "gpc": "Y"},
        {"code": "A.2", "parent": "A", "name_zh": "甲二", "name_en": "a2"},
        {"code": "B", "parent": "", "name_zh": "乙", "name_en": "b", "gpc": "Z"},
    ]
    return CategoryTree.from_rows(rows, "test")


# ── the packaged trees ────────────────────────────────────────────────────────────────────


def test_packaged_trees_validate() -> None:
    IPCC.validate()
    CN.validate()
    assert IPCC.roots() == ("1", "2", "3", "4", "5", "IND")
    assert CN.roots() == ("CN.1", "CN.2", "CN.3", "CN.4", "CN.5", "CN.6")


@pytest.mark.parametrize("code", REQUIRED)
def test_required_codes_exist(code: str) -> None:
    assert code in IPCC


def test_every_registered_category_exists() -> None:
    registered = set(registry.registered())
    assert {"1.A", "IND.1", "IND.2", "IND.3"} <= registered  # energy.py's registrations
    for code in registered:  # and any other method module imported in this session
        assert code in IPCC, code


def test_cn_provincial_mappings_exist_in_the_cn_tree() -> None:
    for code in IPCC:
        mapped = IPCC.get(code).cn_provincial
        if mapped is not None:
            assert mapped in CN, (code, mapped)


def test_hand_checked_structure() -> None:
    assert IPCC.ancestors("3.B.1.a") == ("3.B.1", "3.B", "3")
    assert IPCC.ancestors("1") == ()
    assert IPCC.parent("2.B.9.a") == "2.B.9"
    assert IPCC.parent("IND") is None
    assert IPCC.depth("1.A.1.a") == 3
    assert IPCC.children("4.D") == ("4.D.1", "4.D.2")
    assert IPCC.children("IND") == ("IND.1", "IND.2", "IND.3")
    assert IPCC.is_within("1.A.3.b", "1")
    assert IPCC.is_within("1.A.3.b", "1.A.3.b")
    assert not IPCC.is_within("1.A.3.b", "2")
    assert IPCC.name("2.A.1") == "水泥生产"
    assert IPCC.name("2.A.1", lang="en") == "Cement production"
    assert CN.name("CN.6") == "电力调入调出间接排放"
    assert "1.A.2.m" in IPCC.leaves()
    assert "1.A.2" not in IPCC.leaves()


def test_scope_and_sink_columns() -> None:
    assert IPCC.get("IND.1").scope == "indirect_entity"
    assert IPCC.get("IND.2").scope == "indirect_entity"
    assert IPCC.get("IND.3").scope == "indirect_net_import"
    assert IPCC.get("IND.3").cn_provincial == "CN.6"
    assert IPCC.get("1.A.1.a").scope == "direct"
    sinks = {code for code in IPCC if IPCC.get(code).sink}
    assert sinks == {code for code in IPCC if IPCC.is_within(code, "3.B")}
    for code in IPCC:
        category = IPCC.get(code)
        assert category.sector is not None, code
        if code != "IND":
            assert category.scope is not None, code
        if category.sector == "indirect":
            assert IPCC.is_within(code, "IND"), code


def test_gpc_mapping_hand_checked() -> None:
    assert IPCC.mapped_code("1.A.1.b", "gpc") == "I.4.1"
    assert IPCC.mapped_code("1.A.1.a", "gpc") == "I.4.4"
    assert IPCC.mapped_code("1.A.3.b", "gpc") == "II.1.1"
    assert IPCC.mapped_code("4.A", "gpc") == "III.1.1"
    assert IPCC.mapped_code("2.B.9.a", "gpc") == "IV.1"
    assert IPCC.mapped_code("3.A.1", "gpc") == "V.1"
    assert IPCC.mapped_code("3.B.1.a", "gpc") == "V.2"
    assert IPCC.mapped_code("3.C.7", "gpc") == "V.3"
    assert IPCC.mapped_code("IND.1", "gpc") is None
    assert IPCC.mapped_code("2.B.9.a", "cn_provincial") == "CN.2.7"
    assert IPCC.mapped_code("1.A.4.b", "cn_provincial") == "CN.1.1.6"


# ── the API on a small tree ───────────────────────────────────────────────────────────────


def test_rollup_by_hand() -> None:
    tree = small_tree()
    assert tree.rollup({"A.1.x": 2.0, "A.2": 3.0, "B": -1.0}) == {
        "A": 5.0, "A.1": 2.0, "A.1.x": 2.0, "A.2": 3.0, "B": -1.0,
    }  # fmt: skip


def test_map_codes_uses_nearest_ancestor() -> None:
    tree = small_tree()
    assert tree.map_codes({"A.1.x": 2.0, "A.1": 1.0, "B": 4.0}, "gpc") == {
        "X": 1.0, "Y": 2.0, "Z": 4.0,
    }  # fmt: skip
    with pytest.raises(ReferenceDataError, match=r"A\.2"):
        tree.map_codes({"A.2": 1.0}, "gpc")
    assert tree.map_codes({"A.2": 1.0, "B": 1.0}, "gpc", unmapped="keep") == {
        "A.2": 1.0, "Z": 1.0,
    }  # fmt: skip


def test_unknown_code_raises_bilingual() -> None:
    with pytest.raises(ReferenceDataError, match=r"9\.Z") as info:
        IPCC.rollup({"1.A.1": 1.0, "9.Z": 2.0})
    assert "类别代码" in info.value.message.zh
    assert "not in classification" in info.value.message.en
    for call in (IPCC.get, IPCC.parent, IPCC.children, IPCC.ancestors, IPCC.depth):
        with pytest.raises(ReferenceDataError):
            call("9.Z")
    with pytest.raises(ReferenceDataError):
        IPCC.map_codes({"9.Z": 1.0}, "gpc")
    assert "9.Z" not in IPCC


def test_unknown_scheme_and_target_raise() -> None:
    with pytest.raises(ReferenceDataError, match="nope"):
        load_category_tree("nope")
    with pytest.raises(ReferenceDataError, match="nope"):
        IPCC.map_codes({"1.A.1": 1.0}, "nope")  # type: ignore[arg-type]


def test_validate_finds_missing_parent_and_cycle() -> None:
    bad = CategoryTree(
        [
            Category("A", "Z", "甲", "a"),
            Category("B", "C", "乙", "b"),
            Category("C", "B", "丙", "c"),
            Category("D", None, "丁", "d", scope="everywhere"),
        ],
        "bad",
    )
    with pytest.raises(ReferenceDataError) as info:
        bad.validate()
    text = info.value.message.en
    assert "parent Z does not exist" in text
    assert "cycle" in text
    assert "unknown scope everywhere" in text
    assert "上级" in info.value.message.zh
    with pytest.raises(ReferenceDataError, match="cycle"):
        bad.ancestors("B")


def test_duplicate_code_raises() -> None:
    with pytest.raises(ReferenceDataError, match="duplicate"):
        CategoryTree([Category("A", None, "甲", "a"), Category("A", None, "甲", "a")], "dup")


def test_bad_sink_flag_raises() -> None:
    with pytest.raises(ReferenceDataError, match="sink"):
        CategoryTree.from_rows(
            [{"code": "A", "parent": "", "name_zh": "甲", "name_en": "a", "sink": "maybe"}], "t"
        )


# ── properties ────────────────────────────────────────────────────────────────────────────

LEAVES = IPCC.leaves()
TARGETS: tuple[MapTarget, ...] = ("cn_provincial", "gpc")
MAPPABLE = {
    target: tuple(c for c in LEAVES if IPCC.mapped_code(c, target) is not None)
    for target in TARGETS
}
finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)


def leaf_values(leaves: tuple[str, ...]) -> st.SearchStrategy[dict[str, float]]:
    return st.dictionaries(st.sampled_from(leaves), finite, max_size=30)


@settings(max_examples=200, deadline=None)
@given(values=leaf_values(LEAVES), data=st.data())
def test_rollup_conserves_totals_and_ignores_order(
    values: dict[str, float], data: st.DataObject
) -> None:
    rolled = IPCC.rollup(values)
    total = sum(rolled.get(root, 0.0) for root in IPCC.roots())
    assert total == pytest.approx(math.fsum(values.values()), rel=1e-12, abs=1e-6)
    for code, value in values.items():  # a leaf keeps exactly its own value
        assert rolled[code] == value
    permuted = dict(data.draw(st.permutations(list(values.items()))))
    assert IPCC.rollup(permuted) == rolled


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_map_codes_conserves_totals(data: st.DataObject) -> None:
    target: MapTarget = data.draw(st.sampled_from(TARGETS))
    values = data.draw(leaf_values(MAPPABLE[target]))
    mapped = IPCC.map_codes(values, target)
    assert math.fsum(mapped.values()) == pytest.approx(
        math.fsum(values.values()), rel=1e-12, abs=1e-6
    )
    permuted = dict(data.draw(st.permutations(list(values.items()))))
    assert IPCC.map_codes(permuted, target) == mapped
    if target == "cn_provincial":
        assert all(code in CN for code in mapped)


def test_engine_scope_rule_agrees_with_the_tree() -> None:
    # The engine decides a category's scope from its code (it may not load the tree); the
    # packaged tree carries the same fact as data. The two must never disagree.
    from citycarbon.accounting.inventory_result import scope_of

    tree = load_category_tree("ipcc2006")
    for code in tree:
        category = tree.get(code)
        expected = "sink" if category.sink else category.scope
        if expected:  # the IND grouping node has no scope of its own
            assert scope_of(code) == expected, code

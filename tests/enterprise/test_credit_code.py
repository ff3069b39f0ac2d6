"""统一社会信用代码 (GB 32100-2015): published codes, every reason a code is refused, and
the algebra of the modulus-31 check."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from citycarbon.enterprise.credit_code import (
    CHARACTER_ISSUE,
    CHARSET,
    CHECK_ISSUE,
    LENGTH_ISSUE,
    ORGANISATION_CHECK_ISSUE,
    REGION_ISSUE,
    WEIGHTS,
    CreditCodeError,
    check_character,
    is_valid_credit_code,
    make_credit_code,
    normalise_credit_code,
    organisation_check_character,
    split_credit_code,
    validate_credit_code,
)
from citycarbon.errors import Issue

# Published codes (see the module docstring for where each was checked).
PUBLISHED = [
    ("91350100M000100Y43", "GB 32100-2015 worked example, corrected check character"),
    ("91110000710925462X", "中国石油天然气股份有限公司 (GLEIF LEI 529900RPY4YG47TRSV05)"),
    ("914403001922038216", "华为技术有限公司"),
    ("91440300192317458F", "比亚迪股份有限公司 (organisation code 19231745-8)"),
    ("91330100799655058B", "阿里巴巴（中国）有限公司"),
    ("9144030071526726XG", "腾讯科技（深圳）有限公司"),
    ("91110108551385082Q", "小米科技有限责任公司"),
    ("12440600MB2C07549J", "事业单位 code from xbeginagain/generator issue #2"),
]


def _reasons(issues: list[Issue]) -> list[str]:
    return [issue.code for issue in issues]


@pytest.mark.parametrize(("code", "holder"), PUBLISHED, ids=[c for c, _ in PUBLISHED])
def test_published_codes_pass_every_check(code: str, holder: str):
    assert validate_credit_code(code) == [], holder
    assert is_valid_credit_code(code)
    assert check_character(code[:17]) == code[17]
    assert organisation_check_character(code[8:16]) == code[16]


def test_weights_are_powers_of_three_mod_31():
    assert WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    assert len(CHARSET) == 31
    assert not set("IOZSV") & set(CHARSET)


def test_worked_example_of_the_standard():
    """GB 32100-2015 annex example: 91350100M000100Y4Z — values, sum 1640, 1640 mod 31 = 28,
    check 31 − 28 = 3, so the code as printed is refused."""
    first17 = "91350100M000100Y4"
    values = [CHARSET.index(c) for c in first17]
    assert values == [9, 1, 3, 5, 0, 1, 0, 0, 21, 0, 0, 0, 1, 0, 0, 30, 4]
    total = sum(v * w for v, w in zip(values, WEIGHTS, strict=True))
    assert total == 1640
    assert total % 31 == 28
    assert check_character(first17) == "3"
    issues = validate_credit_code("91350100M000100Y4Z")
    assert _reasons(issues) == [CHARACTER_ISSUE, CHECK_ISSUE]
    assert "'3'" in issues[1].reason.en
    assert "“3”" in issues[1].reason.zh


def test_value_31_is_written_as_zero():
    assert check_character("0" * 17) == "0"  # sum 0 → 31 − 0 = 31 → '0'
    assert make_credit_code("0" * 17) == "0" * 18
    assert is_valid_credit_code("0" * 18)


def test_registered_code_reported_to_break_the_rule_is_refused():
    """hutool issue #4119: a registered Xiamen code whose position 18 does not follow
    GB 32100. The module reports what the standard says (see its docstring)."""
    issues = validate_credit_code("91350203M0001QKT19")
    assert _reasons(issues) == [CHECK_ISSUE]
    assert issues[0].fatal
    assert "'F'" in issues[0].reason.en


@pytest.mark.parametrize("code", ["", "9135010", "91350100M000100Y43X", "91350100M000100Y4 3"])
def test_wrong_length(code: str):
    issues = validate_credit_code(code)
    assert _reasons(issues) == [LENGTH_ISSUE]
    assert f"{len(code)}" in issues[0].reason.zh
    assert f"has {len(code)}" in issues[0].reason.en
    assert issues[0].field == "credit_code"
    assert issues[0].value == code
    assert not is_valid_credit_code(code)


@pytest.mark.parametrize(
    ("code", "position", "shown", "hint_en"),
    [
        ("91350100M000100I43", 16, "I", "I, O, Z, S, V are not used"),
        ("91350100m000100Y43", 9, "m", "lower case"),
        ("91350100Ｍ000100Y43", 9, "Ｍ", "full-width"),
        ("91350100M000100Y4-", 18, "-", ""),
        ("91350100M000 00Y43", 13, "U+0020", ""),
    ],
)
def test_illegal_character_names_position_and_character(
    code: str, position: int, shown: str, hint_en: str
):
    issues = [i for i in validate_credit_code(code) if i.code == CHARACTER_ISSUE]
    assert len(issues) == 1
    reason = issues[0].reason
    assert f"第{position}位字符“{shown}”" in reason.zh
    assert f"character {position} ({shown!r})" in reason.en
    assert hint_en in reason.en
    assert not is_valid_credit_code(code)


def test_region_code_must_be_six_digits():
    prefix = "913A0100M000100Y4"  # 'A' is in the character set but not a digit
    code = prefix + check_character(prefix)
    issues = validate_credit_code(code)
    assert _reasons(issues) == [REGION_ISSUE]
    assert "3A0100" in issues[0].reason.zh
    assert "'3A0100'" in issues[0].reason.en
    assert not is_valid_credit_code(code)


def test_wrong_check_character_names_the_expected_one():
    issues = validate_credit_code("91350100M000100Y44")
    assert _reasons(issues) == [CHECK_ISSUE]
    assert issues[0].reason.zh == "校验码错误：第18位为“4”，按前17位计算应为“3”"
    assert issues[0].reason.en == (
        "wrong check character: position 18 is '4', the first 17 characters give '3'"
    )


def test_organisation_code_check_is_only_a_warning():
    prefix = "91350100M000100Y5"  # the GB 11714 check of M000100Y is 4, not 5
    code = make_credit_code(prefix)
    issues = validate_credit_code(code)
    assert _reasons(issues) == [ORGANISATION_CHECK_ISSUE]
    assert not issues[0].fatal
    assert "'4'" in issues[0].reason.en
    assert is_valid_credit_code(code)


@pytest.mark.parametrize(
    ("body", "check"),
    [("19231745", "8"), ("71092546", "2"), ("71526726", "X"), ("M000100Y", "4"), ("0" * 8, "0")],
)
def test_organisation_check_character(body: str, check: str):
    assert organisation_check_character(body) == check


def test_every_message_is_bilingual():
    samples = [
        "",
        "91350100M000100Y4Z",
        "913A0100M000100Y4F",
        "91350100M000100Y44",
        make_credit_code("91350100M000100Y5"),
    ]
    issues = [issue for code in samples for issue in validate_credit_code(code)]
    assert {i.code for i in issues} == {
        LENGTH_ISSUE,
        CHARACTER_ISSUE,
        REGION_ISSUE,
        CHECK_ISSUE,
        ORGANISATION_CHECK_ISSUE,
    }
    for issue in issues:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in issue.reason.zh)
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in issue.reason.en)
        assert issue.reason.zh != issue.reason.en


def test_normalise_strips_widens_and_upper_cases():
    typed = " ９１３５０１００ｍ０００１００ｙ４３\u3000"
    assert not is_valid_credit_code(typed)
    assert normalise_credit_code(typed) == "91350100M000100Y43"
    assert is_valid_credit_code(normalise_credit_code(typed))
    assert normalise_credit_code("91350100m000100y43\n") == "91350100M000100Y43"


def test_split_names_the_five_parts():
    parts = split_credit_code("91440300192317458F")
    assert parts.registration_authority == "9"
    assert parts.organisation_type == "1"
    assert parts.region == "440300"
    assert parts.subject_id == "192317458"
    assert parts.check == "F"
    with pytest.raises(CreditCodeError):
        split_credit_code("9144")


@pytest.mark.parametrize(
    "prefix", ["9135010", "91350100M000100Y4X", "91350100M000100I4", "913A0100M000100Y4"]
)
def test_make_refuses_a_prefix_without_the_code_shape(prefix: str):
    with pytest.raises(CreditCodeError) as info:
        make_credit_code(prefix)
    assert info.value.message.zh
    assert info.value.message.en
    assert info.value.field == "credit_code"


@pytest.mark.parametrize("first17", ["9135010", "91350100M000100I4"])
def test_check_character_refuses_bad_input(first17: str):
    with pytest.raises(CreditCodeError):
        check_character(first17)


def test_demo_style_ids_and_the_call_that_fixes_them():
    """The demo city writes f"91321100MA{n:07d}X": its check character is right only by
    chance (about 1 in 31). Building the id with make_credit_code (and the organisation
    check) gives codes without any issue."""
    demo = [f"91321100MA{n:07d}X" for n in range(1, 32)]
    assert sum(is_valid_credit_code(code) for code in demo) <= 3
    for n in range(1, 32):
        body = f"MA{n:06d}"
        code = make_credit_code(f"91321100{body}{organisation_check_character(body)}")
        assert validate_credit_code(code) == []


def test_every_substitution_of_one_published_code_is_detected():
    code = "91440300192317458F"
    for position in range(18):
        for char in CHARSET:
            if char != code[position]:
                changed = code[:position] + char + code[position + 1 :]
                assert not is_valid_credit_code(changed), changed


# ── properties ───────────────────────────────────────────────────────────────────────────

prefixes = st.builds(
    lambda head, region, subject: head + region + subject,
    st.text(alphabet=CHARSET, min_size=2, max_size=2),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet=CHARSET, min_size=9, max_size=9),
)


@given(prefixes)
def test_made_codes_are_valid(prefix: str):
    code = make_credit_code(prefix)
    assert code[:17] == prefix
    assert code[17] in CHARSET
    assert is_valid_credit_code(code)
    assert all(not issue.fatal for issue in validate_credit_code(code))


@given(prefixes, st.integers(0, 17), st.one_of(st.sampled_from(CHARSET), st.characters()))
def test_changing_any_one_character_makes_a_code_invalid(
    prefix: str, position: int, replacement: str
):
    """Σ v(C_i)·W_i + v(C18) ≡ 0 (mod 31) for a valid code. Replacing v by v' ≠ v at
    position i changes the sum by (v' − v)·W_i with 0 < |v' − v| ≤ 30 and W_i ∈ 1..30
    (W_18 = 1); 31 is prime, so the product is not ≡ 0 and the check fails. A replacement
    outside the character set is refused as an illegal character."""
    code = make_credit_code(prefix)
    assume(replacement != code[position])
    changed = code[:position] + replacement + code[position + 1 :]
    assert not is_valid_credit_code(changed)


@given(prefixes, st.integers(0, 16))
def test_swapping_two_different_neighbours_makes_a_code_invalid(prefix: str, position: int):
    """Swapping values a ≠ b at positions i, i+1 changes the sum by (b − a)(W_i − W_{i+1});
    W_i − W_{i+1} = −2·3^(i−1) ≢ 0 for i < 17 and W_17 − W_18 = 28 − 1 = 27 ≢ 0 (mod 31)."""
    code = make_credit_code(prefix)
    assume(code[position] != code[position + 1])
    swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
    assert not is_valid_credit_code(swapped)

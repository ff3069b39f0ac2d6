"""统一社会信用代码 (unified social credit code, USCC) of GB 32100-2015: structure, check
character, validation with bilingual reasons.

Structure: 18 characters from :data:`CHARSET` (digits and upper-case letters without
I, O, Z, S, V — 31 characters, valued 0–30 in that order):

============  ==============================================================================
position      meaning
============  ==============================================================================
1             登记管理部门码, registration authority (1 机构编制, 5 民政, 9 工商/市场监管,
              Y 其他 …)
2             机构类别码, kind of organisation within that authority (91 enterprise, 92
              individual business, 93 farmers' cooperative …)
3–8           登记管理机关行政区划码, GB/T 2260 code of the registering authority (6 digits;
              100000 = national level)
9–17          主体标识码, the organisation code of GB 11714-1997: 8 characters and its own
              check character at position 17
18            校验码, the check character (modulus 31, after GB/T 17710)
============  ==============================================================================

Check character: with ``v(c)`` the value of ``c`` in :data:`CHARSET` and the weights
``W_i = 3^(i-1) mod 31`` = 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
``C18 = 31 − (Σ v(C_i)·W_i mod 31)``, and the value 31 is written ``0``. Equivalently
``Σ_{i=1..17} v(C_i)·W_i + v(C18) ≡ 0 (mod 31)``. Because 31 is prime and every weight is
non-zero mod 31, any change of one character to another character of the set alters the
sum by ``(v' − v)·W_i ≢ 0``, so **every single-character substitution is detected**; and
because neighbouring weights differ (``W_i − W_{i+1} = −2·3^(i−1)``, ``W_17 − W_18 = 27``),
so is **every transposition of two different adjacent characters**. A character outside
the set is rejected before the sum is taken.

The organisation code inside (positions 9–17) has its own GB 11714 check: values 0–9 and
A–Z = 10–35, weights 3, 7, 9, 10, 5, 8, 4, 2, ``C9 = 11 − (Σ mod 11)`` with 10 → ``X`` and
11 → ``0``. A failure is reported as a **warning (not fatal)**: GB 32100 makes position 18
the code's check, codes are issued by the registration authorities and stay an entity's
legal identifier whatever their digits, and reports are that some issued codes do not
satisfy the GB 11714 rule, so rejecting them could lock a real enterprise out of
reporting. (No such code was found in the sources searched for this module: every
published code listed below passes both checks. Any single typo in positions 9–17 already
breaks the position-18 check, so the warning adds little for typing errors.)

Verified against:

* GB 32100-2015's worked example, as reproduced in public copies of the standard's
  annex (yc00.com/web/1713075042a2177900.html, renrendoc.com/p-47802332.html): for
  ``91350100M000100Y4Z`` the weighted sum is 1640, 1640 mod 31 = 28, the check character
  is 31 − 28 = 3, so the code is rejected and ``91350100M000100Y43`` is the valid form.
* Published registrations quoted in many public code repositories and pages:
  ``91110000710925462X`` 中国石油天然气股份有限公司 (the ``registeredAs`` of its GLEIF LEI
  record 529900RPY4YG47TRSV05), ``914403001922038216`` 华为技术有限公司,
  ``91440300192317458F`` 比亚迪股份有限公司 (organisation code 19231745-8),
  ``91330100799655058B`` 阿里巴巴（中国）有限公司, ``9144030071526726XG`` 腾讯科技（深圳）有限公司,
  ``91110108551385082Q`` 小米科技有限责任公司, and the institution (事业单位) code
  ``12440600MB2C07549J`` from xbeginagain/generator issue #2.
* A registered code that fails: hutool issue #4119 (2025) reports ``91350203M0001QKT19``
  as a real, registered enterprise code; position 18 is ``9`` where the rule gives ``F``,
  and hutool's maintainer notes that some Xiamen codes issued before 2016 do not follow the
  standard. This module reports it as a wrong check character (fatal), as GB 32100 says it
  is; a registration workflow that must accept such a code needs an explicit, reviewed
  exception rather than a weaker check.

:func:`validate_credit_code` checks the text exactly as given; pass user input through
:func:`normalise_credit_code` first (strip, full-width → half-width, upper case).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Final

from citycarbon.errors import CitycarbonError, Issue, Message

CHARSET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 characters of GB 32100, in value order (0–30)."""

WEIGHTS: Final = tuple(pow(3, i, 31) for i in range(17))
"""Weights of positions 1–17: ``3^(i-1) mod 31``."""

ORGANISATION_WEIGHTS: Final = (3, 7, 9, 10, 5, 8, 4, 2)
"""Weights of the 8 body characters of a GB 11714 organisation code."""

LENGTH: Final = 18
FIELD: Final = "credit_code"

# Issue.code values, one per reason
LENGTH_ISSUE: Final = "credit_code_length"
CHARACTER_ISSUE: Final = "credit_code_character"
REGION_ISSUE: Final = "credit_code_region"
CHECK_ISSUE: Final = "credit_code_check"
ORGANISATION_CHECK_ISSUE: Final = "credit_code_organisation_check"

_VALUE: Final = {c: i for i, c in enumerate(CHARSET)}
_EXCLUDED_LETTERS: Final = frozenset("IOZSV")


class CreditCodeError(CitycarbonError):
    """A text given to build or split a credit code has the wrong shape."""


@dataclass(frozen=True, slots=True)
class CreditCodeParts:
    """The five parts of an 18-character credit code (not checked; see
    :func:`validate_credit_code`)."""

    registration_authority: str  # position 1, 登记管理部门码
    organisation_type: str  # position 2, 机构类别码
    region: str  # positions 3–8, 登记管理机关行政区划码
    subject_id: str  # positions 9–17, 主体标识码 (organisation code)
    check: str  # position 18, 校验码


def normalise_credit_code(code: str) -> str:
    """User input → the form to validate: surrounding whitespace removed, full-width
    characters made half-width (Unicode NFKC, e.g. ``９１３…`` → ``913…``) and letters made
    upper case."""
    return unicodedata.normalize("NFKC", code).strip().upper()


def split_credit_code(code: str) -> CreditCodeParts:
    """The five parts of an 18-character code; raises :class:`CreditCodeError` on another
    length."""
    if len(code) != LENGTH:
        raise CreditCodeError(_length_message(len(code)), field=FIELD)
    return CreditCodeParts(code[0], code[1], code[2:8], code[8:17], code[17])


def check_character(first17: str) -> str:
    """The GB 32100 check character (position 18) of the first 17 characters.

    Raises :class:`CreditCodeError` if ``first17`` is not 17 characters of :data:`CHARSET`.
    """
    if len(first17) != LENGTH - 1:
        raise CreditCodeError(
            Message(
                zh=f"计算校验码需要前17位字符，实为{len(first17)}位",
                en=f"the check character needs the first 17 characters, got {len(first17)}",
            ),
            field=FIELD,
        )
    for position, char in enumerate(first17, start=1):
        if char not in _VALUE:
            raise CreditCodeError(_character_message(position, char), field=FIELD)
    total = sum(_VALUE[char] * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def organisation_check_character(body: str) -> str:
    """The GB 11714-1997 check character of an 8-character organisation-code body (digits
    0–9 and letters A–Z valued 10–35): ``11 − (Σ v·W mod 11)``, 10 → ``X``, 11 → ``0``."""
    if len(body) != len(ORGANISATION_WEIGHTS) or not all(
        char.isascii() and (char.isdigit() or char.isupper()) for char in body
    ):
        raise CreditCodeError(
            Message(
                zh=f"组织机构代码本体应为8位数字或大写字母：{body!r}",
                en=f"an organisation-code body is 8 digits or upper-case letters: {body!r}",
            ),
            field=FIELD,
        )
    total = sum(
        int(char, 36) * weight for char, weight in zip(body, ORGANISATION_WEIGHTS, strict=True)
    )
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def make_credit_code(prefix17: str) -> str:
    """``prefix17`` with its check character appended (for tests, demos and fixtures).

    The prefix must already have the code's shape (17 characters of :data:`CHARSET`,
    positions 3–8 digits), so the result always passes :func:`validate_credit_code`. For a
    code whose organisation code (positions 9–17) also carries a correct GB 11714 check,
    build position 17 with :func:`organisation_check_character` first, e.g.
    ``make_credit_code(f"91321100MA{n:06d}" + organisation_check_character(f"MA{n:06d}"))``.
    """
    if len(prefix17) != LENGTH - 1:
        raise CreditCodeError(
            Message(
                zh=f"生成统一社会信用代码需要前17位，实为{len(prefix17)}位",
                en=f"making a credit code needs the first 17 characters, got {len(prefix17)}",
            ),
            field=FIELD,
        )
    problems = [
        issue
        for issue in validate_credit_code(prefix17 + "0")
        if issue.code in (CHARACTER_ISSUE, REGION_ISSUE)
    ]
    if problems:
        raise CreditCodeError(problems[0].reason, field=FIELD)
    return prefix17 + check_character(prefix17)


def validate_credit_code(code: str) -> list[Issue]:
    """Every problem of ``code`` as a credit code (empty list = valid), checked as given.

    Fatal issues: wrong length (nothing else is checked then); a character outside
    :data:`CHARSET` (one issue per position, naming position and character); positions
    3–8 not 6 digits; a wrong check character, naming the expected one (computed whenever
    the first 17 characters are in the set, so an illegal position 18 gets both issues).
    Non-fatal: the
    GB 11714 check of the organisation code at positions 9–17 (see the module docstring
    for why it is only a warning). ``Issue.code`` tells the reasons apart.
    """
    if len(code) != LENGTH:
        return [_issue(_length_message(len(code)), code, LENGTH_ISSUE)]
    issues = [
        _issue(_character_message(position, char), code, CHARACTER_ISSUE)
        for position, char in enumerate(code, start=1)
        if char not in _VALUE
    ]
    region = code[2:8]
    if not (region.isascii() and region.isdigit()):
        issues.append(
            _issue(
                Message(
                    zh=f"第3–8位登记管理机关行政区划码应为6位数字，实为“{region}”",
                    en="positions 3–8 (the registering authority's GB/T 2260 region code) "
                    f"must be 6 digits, found {region!r}",
                ),
                code,
                REGION_ISSUE,
            )
        )
    if any(char not in _VALUE for char in code[:17]):
        return issues  # the sums are undefined for characters outside the set
    expected = check_character(code[:17])
    if code[17] != expected:
        issues.append(
            _issue(
                Message(
                    zh=f"校验码错误：第18位为“{code[17]}”，按前17位计算应为“{expected}”",
                    en=f"wrong check character: position 18 is {code[17]!r}, "
                    f"the first 17 characters give {expected!r}",
                ),
                code,
                CHECK_ISSUE,
            )
        )
    expected_organisation = organisation_check_character(code[8:16])
    if code[16] != expected_organisation:
        issues.append(
            _issue(
                Message(
                    zh=f"第9–17位主体标识码（组织机构代码）不符合 GB 11714 校验："
                    f"第17位为“{code[16]}”，按规则应为“{expected_organisation}”"
                    "（部分已发放的代码不满足此规则，仅作提示）",
                    en="positions 9–17 (the organisation code) fail the GB 11714 check: "
                    f"position 17 is {code[16]!r}, the rule gives {expected_organisation!r} "
                    "(some issued codes do not follow it; warning only)",
                ),
                code,
                ORGANISATION_CHECK_ISSUE,
                fatal=False,
            )
        )
    return issues


def is_valid_credit_code(code: str) -> bool:
    """True when :func:`validate_credit_code` finds no fatal issue (text checked as given)."""
    return not any(issue.fatal for issue in validate_credit_code(code))


# ── messages ─────────────────────────────────────────────────────────────────────────────


def _issue(reason: Message, code: str, kind: str, *, fatal: bool = True) -> Issue:
    return Issue(reason=reason, field=FIELD, value=code, fatal=fatal, code=kind)


def _length_message(length: int) -> Message:
    return Message(
        zh=f"统一社会信用代码应为18位，实为{length}位",
        en=f"a unified social credit code has 18 characters, this one has {length}",
    )


def _shown(char: str) -> str:
    return char if char.isprintable() and not char.isspace() else f"U+{ord(char):04X}"


def _character_message(position: int, char: str) -> Message:
    shown = _shown(char)
    hint_zh, hint_en = "", ""
    if char in _EXCLUDED_LETTERS:
        hint_zh, hint_en = (
            "（字母 I、O、Z、S、V 不使用）",
            " (the letters I, O, Z, S, V are not used)",
        )
    elif char.upper() in _VALUE and char != char.upper():
        hint_zh, hint_en = "（小写字母应为大写）", " (lower case: letters are upper case)"
    elif unicodedata.normalize("NFKC", char) in _VALUE:
        hint_zh, hint_en = "（全角字符应为半角）", " (full-width: use the half-width character)"
    return Message(
        zh=f"第{position}位字符“{shown}”不合法：只能使用数字和除 I、O、Z、S、V 以外的大写英文字母"
        + hint_zh,
        en=f"character {position} ({shown!r}) is not allowed: only digits and upper-case "
        "letters other than I, O, Z, S, V" + hint_en,
    )

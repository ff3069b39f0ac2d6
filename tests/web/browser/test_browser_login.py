"""Signing in as each role, the language switch, error pages and Chinese glyphs, in a real
headless Chromium."""

from __future__ import annotations

import io

import pytest
from browser_expect import ALL_NAV, HOME_OF, NAV_OF
from PIL import Image

from citycarbon.web.auth import SESSION_COOKIE


def nav_paths(browse) -> list[str]:
    return browse.page.eval_on_selector_all(
        "nav.mainnav a", "els => els.map(a => a.getAttribute('href'))"
    )


@pytest.mark.parametrize("username", sorted(HOME_OF))
def test_each_role_signs_in_and_lands_on_its_home_with_its_menu(browse, username: str) -> None:
    browse.login(username)
    page = browse.page
    assert page.url == browse.server.url + HOME_OF[username]
    assert nav_paths(browse) == NAV_OF[username]
    assert page.get_attribute("nav.mainnav a.active", "href") == HOME_OF[username]
    assert page.inner_text("[data-testid=who]").startswith(username)
    cookie = next(c for c in browse.context.cookies() if c["name"] == SESSION_COOKIE)
    assert cookie["httpOnly"]
    assert cookie["secure"]  # Chromium keeps a Secure cookie on http://127.0.0.1
    assert cookie["sameSite"] == "Lax"

    page.click("form[action='/logout'] button")
    page.wait_for_url("**/login")
    browse.shot("signed-out")
    assert not [c for c in browse.context.cookies() if c["name"] == SESSION_COOKIE]


def test_the_public_sees_the_cockpit_without_signing_in(browse) -> None:
    browse.goto("/", "start")
    assert browse.page.url == browse.server.url + "/cockpit"
    assert nav_paths(browse) == NAV_OF["public"]
    assert browse.page.is_visible("a[href='/login']")


def test_a_wrong_password_is_refused_in_the_reader_s_language(browse) -> None:
    browse.login("city", "not-the-password")
    assert browse.page.url.endswith("/login")
    text = browse.page.inner_text("[data-testid=login-error]")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in text), text

    browse.goto("/lang/en?next=/login", "login-en")
    browse.login("city", "still-not-the-password")
    text = browse.page.inner_text("[data-testid=login-error]")
    assert text.isascii(), text
    assert "password" in text.lower()


def test_a_page_behind_login_sends_the_public_to_the_login_form_and_back(browse) -> None:
    browse.goto("/admin", "admin-signed-out")
    assert "/login" in browse.page.url
    browse.page.fill("input[name=username]", "admin")
    browse.page.fill("input[name=password]", "citycarbon-demo")
    browse.follow("form[action='/login'] button[type=submit]", "admin-after-login")
    assert browse.page.url == browse.server.url + "/admin"


def test_a_missing_page_shows_the_error_page_in_both_languages(browse) -> None:
    browse.goto("/no-such-page", "missing", status=404)
    assert browse.page.inner_text("main h1") == "404"
    assert browse.page.inner_text("[data-testid=error]") == "页面或资源不存在"
    assert "Not Found" in browse.page.inner_text("main")


def test_the_language_switch_turns_the_menu_to_english_and_back(browse) -> None:
    browse.login("admin")
    page = browse.page
    browse.goto("/refdata", "refdata-zh")
    assert page.get_attribute("html", "lang") == "zh-CN"
    zh_labels = page.eval_on_selector_all("nav.mainnav a", "els => els.map(a => a.innerText)")
    assert zh_labels[0] == "城市驾驶舱"

    browse.follow("[data-testid=lang-toggle]", "refdata-en")
    assert page.url == browse.server.url + "/refdata"  # the switch keeps the page
    assert page.get_attribute("html", "lang") == "en"
    en_labels = page.eval_on_selector_all("nav.mainnav a", "els => els.map(a => a.innerText)")
    assert en_labels == [ALL_NAV[path] for path in NAV_OF["admin"]]
    assert page.inner_text("[data-testid=lang-toggle]") == "中文"
    assert "Sign out" in page.inner_text("header")

    browse.goto("/cockpit", "cockpit-en")  # the choice sticks across pages
    assert page.get_attribute("html", "lang") == "en"

    browse.follow("[data-testid=lang-toggle]", "cockpit-zh-again")
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert page.inner_text("nav.mainnav a >> nth=0") == "城市驾驶舱"


def _png(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("L")


def test_chinese_glyphs_render_in_screenshots(browse) -> None:
    """Without a CJK font Chromium draws every Chinese character as the same empty box: two
    different characters then look alike. Here they must differ, and carry ink."""
    browse.goto("/login", "login-zh")
    page = browse.page
    page.evaluate(
        """() => {
        const box = document.createElement('div');
        box.id = 'glyphs';
        box.style.cssText = 'position:fixed;top:0;left:0;width:120px;height:80px;'
          + 'background:#fff;color:#000;font-size:64px;line-height:80px;z-index:99999';
        document.body.appendChild(box);
    }"""
    )

    def render(text: str) -> Image.Image:
        page.eval_on_selector("#glyphs", "(el, t) => { el.textContent = t; }", text)
        return _png(page.locator("#glyphs").screenshot())

    blank, low, carbon = render(""), render("低"), render("碳")
    browse.shot("glyph-probe")
    assert blank.getextrema() == (255, 255)
    assert low.getextrema()[0] < 128, "the character 低 left no ink"
    assert low.tobytes() != carbon.tobytes(), (
        "低 and 碳 render alike: no CJK font (install fonts-noto-cjk)"
    )
    # and the page's own Chinese heading is drawn, not left blank
    heading = _png(page.locator("main h1").screenshot())
    assert heading.getextrema()[0] < 128

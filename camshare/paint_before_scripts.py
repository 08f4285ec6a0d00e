"""Every built page paints its words from its own HTML, before the app's code is fetched.

React Router's prerendered pages link the app's stylesheet, which the first paint waits
for (one more round trip: 2 s on slow 3G), name every module of the app in the head
(``<link rel="modulepreload">``) and start it from an inline module script whose static
imports are fetched the moment it is parsed. On a phone's slow connection those ~200 KB
of JavaScript share the bandwidth with that stylesheet, and a page whose words are all in
its HTML shows them later than it could (Lighthouse counts every byte fetched before the
paint into the page's LCP).

After the production build (Reflex's ``post_build`` hook, before the files are
compressed), each page is rewritten:

- the stylesheet (4 KB compressed) is inlined where its link was, so the page paints as
  soon as its HTML is in; the link stays, as ``media="print"`` (not waited for), because
  React hydrates the head's elements in place and a missing one would make it render the
  whole page again, losing what was typed;
- the start waits for the first frame: the preloads move into the start script, which
  adds them to the head once the page has painted (or after a second in a tab that is not
  shown, where no frame comes), then imports the same modules in the same order.

Nothing else changes: the CSP hashes are read from the built pages
(camshare/security_headers.py; inline styles are allowed, Reflex's styling needs them),
and the prerendered form can be typed into before the code arrives as before
(camshare/join_shell.py).
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

from reflex_base.plugins import Plugin

log = logging.getLogger(__name__)

# The app's stylesheets as React Router links them, and their preloads.
_STYLESHEET = re.compile(
    r'<link href="(/assets/[^"]+\.css)" rel="stylesheet"(?: type="text/css")?/>'
)
_STYLE_PRELOAD = re.compile(r'<link as="style" href="(/assets/[^"]+\.css)" rel="preload"/>')
# React Router's start script, as its <Scripts> renders it (pinned with reflex).
_START_SCRIPT = re.compile(r'<script type="module" async="">(.*?)</script>', re.DOTALL)
_MODULE_PRELOAD = re.compile(r'<link rel="modulepreload" href="([^"]+)"/>')
# `import "x";` or `import * as name from "x";`, each on its own line.
_STATIC_IMPORT = re.compile(r'^import (?:\* as (\w+) from )?("[^"\n]+");[ \t]*$', re.MULTILINE)

# Resolves once the first frame has painted: a callback queued from requestAnimationFrame
# runs after that frame's rendering. A hidden tab paints no frame; its timer still runs.
AFTER_FIRST_PAINT = (
    "await new Promise((go) => { requestAnimationFrame(() => setTimeout(go, 0)); "
    "setTimeout(go, 1000); });"
)


def start_after_first_paint(html: str) -> str:
    """``html`` with its app's code fetched only after the first paint (unchanged if the
    page has no start script, or one of another shape)."""
    start = _START_SCRIPT.search(html)
    if start is None or "await " in start.group(1):
        return html
    code = start.group(1)
    preloads = _MODULE_PRELOAD.findall(html)
    imports = []
    for name, source in _STATIC_IMPORT.findall(code):
        imported = f"await import({source});"
        imports.append(f"const {name} = {imported}" if name else imported)
    rest = _STATIC_IMPORT.sub("", code).strip()
    if "import " in rest.replace("import(", ""):
        return html  # a static import this rewrite does not know: leave the page as built
    rewritten = "\n".join(
        [
            AFTER_FIRST_PAINT,
            f"for (const href of {json.dumps(preloads)}) {{ const link = "
            "document.createElement('link'); link.rel = 'modulepreload'; link.href = href; "
            "document.head.append(link); }",
            *imports,
            rest,
        ]
    )
    # The rewritten start names the modules as strings, never as <link> elements.
    return _MODULE_PRELOAD.sub("", f"{html[: start.start(1)]}{rewritten}{html[start.end(1) :]}")


def inline_stylesheets(html: str, static_dir: Path) -> str:
    """``html`` with each of the build's stylesheets inlined before its link, which no
    longer holds the paint back (unchanged if it has none)."""
    inlined: set[str] = set()

    def inline(link: re.Match) -> str:
        href = link.group(1)
        css = (static_dir / href.lstrip("/")).read_text(encoding="utf-8")
        if "</" in css:  # it could end the <style> element early: leave it linked
            return link.group(0)
        inlined.add(href)
        return f'<style>{css}</style><link href="{href}" media="print" rel="stylesheet"/>'

    html = _STYLESHEET.sub(inline, html)
    return _STYLE_PRELOAD.sub(lambda m: "" if m.group(1) in inlined else m.group(0), html)


def paint_first(html: str, static_dir: Path) -> str:
    """A built page rewritten as the module's docstring says."""
    return start_after_first_paint(inline_stylesheets(html, static_dir))


class PaintBeforeScripts(Plugin):
    """The ``post_build`` step rewriting every built page (see the module's docstring).

    A page whose start script it does not recognise (a Reflex or React Router upgrade
    that changed its shape) still works, only without the early paint: the build says
    which, so the upgrade is noticed before the figures in bench/ say it.
    """

    def post_build(self, **context) -> None:
        static_dir: Path = context["static_dir"]
        for page in sorted(static_dir.rglob("*.html")):
            html = page.read_text(encoding="utf-8")
            rewritten = paint_first(html, static_dir)
            if _START_SCRIPT.search(rewritten) and AFTER_FIRST_PAINT not in rewritten:
                log.warning("%s: its start script is not one this build step knows", page)
            if rewritten != html:
                page.write_text(rewritten, encoding="utf-8")

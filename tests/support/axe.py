"""axe-core in a Playwright page: the accessibility rules a page breaks.

The axe-core script comes with the ``axe-playwright-python`` package (requirements-dev.txt),
so no browser download or npm step is needed.
"""

from __future__ import annotations

from pathlib import Path

import axe_playwright_python

AXE_SCRIPT = Path(axe_playwright_python.__file__).with_name("axe.min.js")


def axe_violations(page, *, skip: tuple[str, ...] = ()) -> list[str]:
    """Each violated rule as "rule-id: the first offending element", after ``skip``."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the devtools protocol: a <script> tag would be an inline script
        # the page's Content-Security-Policy rightly refuses.
        page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8") + "\n;undefined")
    options = {"resultTypes": ["violations"], "rules": {rule: {"enabled": False} for rule in skip}}
    result = page.evaluate("options => axe.run(document, options)", options)
    return [
        f"{v['id']}: {v['nodes'][0]['html'][:160] if v['nodes'] else ''}"
        for v in result["violations"]
    ]

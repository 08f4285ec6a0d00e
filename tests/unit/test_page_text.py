"""Catalog messages on the page: one helper fills placeholders and picks plurals like the server."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import reflex as rx

from camshare.components.text import text
from camshare.i18n import LANGUAGES, catalog, translate
from camshare.state.base import AppState

ROOT = Path(__file__).resolve().parents[2]
NODE = shutil.which("node")


def run_in_browser_engine(expression: rx.Var) -> str:
    """What the page's JavaScript makes of ``expression`` (Node runs the same code)."""
    # On standard input: a whole catalog is longer than one command-line argument may be.
    done = subprocess.run(
        [NODE, "-"],
        input="process.stdout.write(String(" + str(expression) + "))",
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return done.stdout


@pytest.mark.skipif(NODE is None, reason="Node.js is needed to run the page's expressions")
@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("n", [0, 1, 2, 21])
def test_a_plural_on_the_page_reads_as_the_server_writes_it(lang, n):
    page = rx.Var.create(catalog(lang))
    for count in (rx.Var.create(n), rx.Var.create(str(n))):
        shown = run_in_browser_engine(text(page, "transparency.minutes", n=count))
        assert shown == translate(lang, "transparency.minutes", n=n)
    shown = run_in_browser_engine(text(page, "agreement.cameras", count=rx.Var.create(str(n))))
    assert shown == translate(lang, "agreement.cameras", count=n)


@pytest.mark.skipif(NODE is None, reason="Node.js is needed to run the page's expressions")
def test_every_placeholder_is_filled_each_time_it_appears():
    page = rx.Var.create(catalog("en"))
    shown = run_in_browser_engine(text(page, "answer.by_sms", code=rx.Var.create("K7P3")))
    assert shown == translate("en", "answer.by_sms", code="K7P3")
    assert "{" not in shown


def test_a_plain_python_count_picks_its_form_when_the_page_is_built():
    one = str(text(AppState.t, "transparency.hours", n=1))
    assert "transparency.hours_one" in one
    assert "transparency.hours_other" not in one


def test_a_plural_message_must_say_which_value_counts():
    page = rx.Var.create(catalog("en"))
    with pytest.raises(ValueError, match=r"agreements\.published"):
        text(page, "agreements.published", version=rx.Var.create("2"), n=rx.Var.create("3"))


def test_pages_fill_catalog_messages_only_through_the_helper():
    """No page or component replaces placeholders or picks a plural form by hand."""
    by_hand = re.compile(r"""\.replace\(\s*["']\{|_one["']\]|def _?fill\(""")
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in ("pages", "components")
        for path in sorted((ROOT / "camshare" / folder).glob("*.py"))
        if path.name != "text.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if by_hand.search(line)
    ]
    assert offenders == []

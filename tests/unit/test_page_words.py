"""Only the words a page shows reach the browser, and in the visitor's language."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
import reflex as rx

import camshare.camshare as web
from camshare import routes
from camshare.components.text import text
from camshare.i18n import catalog
from camshare.state.base import AppState
from camshare.state.page_words import keys_shown, page_keys, words_for

NODE = shutil.which("node")
ANSWER_PAGE = routes.owner_answer_path("0123456789abcdef")
JOIN_PAGE = "/join/PARK25"


def shown_in_browser_engine(expression: rx.Var, words: dict[str, str]) -> str:
    """What the page makes of ``expression`` while ``AppState.t`` holds ``words``."""
    state = str(AppState.t).split(".")[0]
    script = (
        f"const {state} = {{t_rx_state_: {json.dumps(words)}}};"
        f"process.stdout.write(String({expression!s}))"
    )
    done = subprocess.run(
        [NODE, "-e", script], capture_output=True, text=True, check=True, timeout=30
    )
    return done.stdout


def test_the_answer_page_gets_its_own_words_and_no_other_pages():
    words = words_for("es", ANSWER_PAGE)
    spanish = catalog("es")

    assert words["answer.approve"] == spanish["answer.approve"]
    # The frame around the page, and the connection notice wrapped around every page.
    assert {"lang.switch_label", "app.footer", "app.connection_lost"} <= words.keys()
    join_only = page_keys(JOIN_PAGE) - page_keys(ANSWER_PAGE)
    assert "contact.full_name" in join_only
    assert words.keys() & join_only == set()
    assert not any(key.startswith(("request.", "signin.", "campaigns.")) for key in words)
    assert len(json.dumps(words, ensure_ascii=False).encode()) <= 5000


def test_english_visitors_get_no_words_the_page_holds_them_itself():
    assert words_for("en", ANSWER_PAGE) == {}
    assert words_for("en", JOIN_PAGE) == {}


def test_a_path_that_is_no_page_gets_no_words():
    assert words_for("es", "/no/such/page") == {}


@pytest.mark.skipif(NODE is None, reason="Node.js is needed to run the page's expressions")
def test_a_message_shows_in_english_until_the_page_words_arrive_then_in_spanish():
    expression = text(AppState.t, "answer.by_sms", code=rx.Var.create("K7P3"))
    english = catalog("en")["answer.by_sms"].replace("{code}", "K7P3")
    spanish = catalog("es")["answer.by_sms"].replace("{code}", "K7P3")

    assert shown_in_browser_engine(expression, {}) == english
    assert shown_in_browser_engine(expression, words_for("es", ANSWER_PAGE)) == spanish


def test_a_key_chosen_in_the_browser_is_refused_when_the_page_is_built():
    with pytest.raises(TypeError, match="translated on the server"):
        AppState.t[AppState.lang]


def test_an_unknown_key_is_refused_when_the_page_is_built():
    with pytest.raises(KeyError, match=r"answer\.no_such_message"):
        AppState.t["answer.no_such_message"]


def test_every_page_the_app_serves_has_its_words_found_in_every_language():
    served = [route for route in web.app._unevaluated_pages if route != "404"]
    assert len(served) >= 20
    for route in served:
        path = "/" + route.replace("[", "").replace("]", "") if route != "index" else "/"
        keys = page_keys(path)
        assert keys, route
        assert keys <= catalog("es").keys(), route
        assert words_for("es", path).keys() == keys


def test_the_keys_found_are_the_ones_the_component_reads():
    part = rx.el.div(
        rx.el.h1(AppState.t["answer.title"]),
        rx.cond(AppState.lang == "es", rx.el.p(AppState.t["answer.approve"])),
        rx.foreach(rx.Var.create(["a"]), lambda _: rx.el.span(AppState.t["answer.decline"])),
    )
    assert keys_shown([part]) == {"answer.title", "answer.approve", "answer.decline"}

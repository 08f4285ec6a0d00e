"""Only the words a page shows reach the browser, in the visitor's language.

A page reads each message as ``AppState.t[<its key>]``. That expression carries the English
message itself (the page's code holds the English words it shows, like any text), so a
page renders in English before the server has answered and English visitors receive no
words at all. For another language the state sends the words of the page in view, found
by rendering the page once and reading the keys out of it: no list to keep by hand, and a
new page, component or catalog file is covered as soon as it is registered with the app.

A key chosen in the browser at run time cannot be found that way, so ``AppState.t`` takes
only a key the code names; a message the server chooses is translated by the server
(as ``FormFeedback.messages`` does).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterable

import reflex as rx
from reflex.route import get_router
from reflex.vars import ObjectVar, Var
from reflex_base.utils.format import format_route

from camshare.i18n import DEFAULT_LANGUAGE, catalog
from camshare.metrics import TimedEvents


class PageWords(dict):
    """The messages of the page in view (key -> text), in the page's language."""


class PageWordsVar(ObjectVar[PageWords], python_types=PageWords):
    """``AppState.t`` on the page: each message falls back to its English text."""

    def __getitem__(self, key: object) -> Var:
        """The message ``key``: the state's word once sent, the English one until then."""
        if not isinstance(key, str):
            msg = (
                f"AppState.t[{key!r}]: a page names each message it shows; a message the "
                "server chooses is translated on the server (a computed var)"
            )
            raise TypeError(msg)
        english = catalog(DEFAULT_LANGUAGE)[key]
        return Var(
            _js_expr=f"({self!s}?.[{json.dumps(key)}] ?? {json.dumps(english)})",
            _var_type=str,
            _var_data=self._get_all_var_data(),
        ).to(str)


# A page's component (or the function building it), as given to ``App.add_page``.
PageSource = rx.Component | Callable[[], rx.Component]


class App(TimedEvents, rx.App):
    """Reflex's app, telling this module each page it adds and the wraps around them all
    (and timing each page event: ``metrics.TimedEvents``)."""

    def add_page(self, component: PageSource | None = None, route: str | None = None, **kwargs):
        """Add the page as ``rx.App`` does, and record it for its words."""
        super().add_page(component, route, **kwargs)
        if component is not None:
            _pages.app = self
            _pages.add(route if route is not None else component.__name__, component)


class _Pages:
    """The app's pages by route, and the message keys each one shows (found once)."""

    def __init__(self) -> None:
        self.app: rx.App | None = None
        self.sources: dict[str, PageSource] = {}
        self.keys: dict[str, frozenset[str]] = {}
        self.lock = threading.Lock()
        self._route_of: Callable[[str], str | None] | None = None

    def add(self, route: str, page: PageSource) -> None:
        route = format_route(route)
        with self.lock:
            self.sources[route] = page
            self.keys.clear()
            self._route_of = None

    def route_of(self, path: str) -> str | None:
        """The registered route that URL ``path`` opens, if any."""
        if self._route_of is None:
            self._route_of = get_router(list(self.sources))
        return self._route_of(path)

    def keys_of(self, route: str) -> frozenset[str]:
        """The message keys of the page at ``route`` and of the app's wraps around it."""
        found = self.keys.get(route)
        if found is None:
            with self.lock:
                found = self.keys.get(route)
                if found is None:
                    source = self.sources[route]
                    page = source() if callable(source) else source
                    wraps = self.app.app_wraps.values() if self.app is not None else []
                    found = keys_shown([page, *(wrap(True) for wrap in wraps)])
                    self.keys[route] = found
        return found


_pages = _Pages()


def keys_shown(components: Iterable[rx.Component | None]) -> frozenset[str]:
    """The message keys that ``components`` read through ``AppState.t``."""
    from camshare.state.base import AppState

    # Exactly what PageWordsVar.__getitem__ writes: the state var, then the key as JSON.
    pattern = re.compile(re.escape(f"{AppState.t!s}?.[") + r'("(?:[^"\\]|\\.)*")\]')
    keys: set[str] = set()
    for component in components:
        if component is not None:
            keys.update(json.loads(found) for found in pattern.findall(str(component)))
    return frozenset(keys)


def page_keys(path: str) -> frozenset[str]:
    """The message keys the page at URL ``path`` shows (none for a path that is no page)."""
    route = _pages.route_of(path)
    return _pages.keys_of(route) if route is not None else frozenset()


def words_for(language: str, path: str) -> PageWords:
    """The messages of the page at URL ``path`` in ``language``; none in English."""
    if language == DEFAULT_LANGUAGE:
        return PageWords()
    messages = catalog(language)
    return PageWords({key: messages[key] for key in sorted(page_keys(path))})

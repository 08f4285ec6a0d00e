"""The root state every page shares: the language and the words of the page in view."""

from __future__ import annotations

import reflex as rx

from camshare.client_address import headers_client_ip
from camshare.i18n import DEFAULT_LANGUAGE, LANGUAGES, pick_language
from camshare.state.page_words import PageWords, words_for


class AppState(rx.State):
    """Language of the interface, chosen from the browser and switchable on every screen."""

    lang: str = DEFAULT_LANGUAGE
    lang_choice: str = rx.LocalStorage("", name="camshare_lang", sync=True)

    @rx.var
    def t(self) -> PageWords:
        """The messages of the page in view in the current language (see page_words)."""
        return words_for(self.lang, self.router.url.path)

    def _initial_language(self) -> None:
        """The resident's earlier choice, else the browser's preferred language."""
        if self.lang_choice in LANGUAGES:
            self.lang = self.lang_choice
        else:
            self.lang = pick_language(self.router.headers.accept_language)

    def _switch_language(self, lang: str) -> None:
        if lang in LANGUAGES:
            self.lang = lang
            self.lang_choice = lang

    @rx.event
    def pick_initial_language(self) -> None:
        """Page load: choose the language before anything is shown in it."""
        self._initial_language()

    @rx.event
    def switch_language(self, lang: str) -> None:
        """Switch the interface to ``lang`` and remember the choice in this browser."""
        self._switch_language(lang)

    def _page_value(self, name: str) -> str:
        """A value of the page's address: a dynamic segment (``token`` of /r/[token]) or a
        query parameter; "" when absent.

        Read from the page data Reflex's own route vars read: ``router.page`` is deprecated,
        and every use of it went through Reflex's deprecation bookkeeping, on every event.
        """
        return str(self.rx_router_page.params.get(name, ""))

    def _page_path(self) -> str:
        """The page's address as the browser shows it (for a "come back here" link)."""
        return self.rx_router_page.raw_path

    def _token(self) -> str:
        """The link's token of a page opened from one (/r/<token>, /manage/<token>, ...)."""
        return self._page_value("token")

    def _request_id(self) -> int:
        """The request of a staff page about one (/staff/requests/<request_id>/...); 0 if none."""
        value = self._page_value("request_id")
        return int(value) if value.isdecimal() else 0

    def client_ip(self) -> str:
        """The address the event's socket came from, behind the trusted proxies
        (``client_address``: the one rule every route and state uses)."""
        return headers_client_ip(self.router.headers.raw_headers) or self.router.session.client_ip

    def user_agent(self) -> str:
        """The browser's user agent."""
        return self.router.headers.user_agent

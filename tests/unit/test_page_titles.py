"""Every page's title says what the page is, in both languages, so tabs and history differ."""

from __future__ import annotations

from camshare import camshare as app_module
from camshare.i18n import LANGUAGES, catalog


def _title_keys() -> dict[str, str]:
    pages = [*app_module.PUBLIC_PAGES, *app_module.STAFF_PAGES]
    return {route: title_key for _page, route, _on_load, title_key in pages}


def test_pages_with_different_content_have_different_titles():
    by_route = _title_keys()
    # The two join routes are one page (with or without a campaign code).
    keys = set(by_route.values())
    assert len(keys) == len(by_route) - 1


def test_every_title_is_written_in_every_language():
    for language in LANGUAGES:
        messages = catalog(language)
        missing = [key for key in _title_keys().values() if not messages.get(key)]
        assert not missing, (language, missing)

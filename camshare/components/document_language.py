"""An invisible component that puts the page's language on the document and its manifest.

Reflex 0.10 writes ``<html lang>`` once at build time (``rx.App(html_lang=...)``), and the
manifest link sits in the shared head: neither follows a state var by itself. The page's
title does (``add_page(title=<Var>)``, see ``page_title``).
"""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from camshare.i18n import DEFAULT_LANGUAGE, translate

MANIFESTS = {"en": "/manifest.webmanifest", "es": "/manifest.es.webmanifest"}


class DocumentLanguage(rx.NoSSRComponent):
    """Sets ``document.documentElement.lang`` and the manifest link's ``href``."""

    library = "$/public" + rx.asset("document_language.jsx", shared=True)
    tag = "DocumentLanguage"

    lang: rx.Var[str]
    manifest: rx.Var[str]


def document_language(lang: rx.Var) -> rx.Component:
    """The document follows ``lang`` (a state var holding "en" or "es")."""
    manifest = rx.cond(lang == "es", MANIFESTS["es"], MANIFESTS[DEFAULT_LANGUAGE])
    return DocumentLanguage.create(lang=lang, manifest=manifest)


def page_title(lang: rx.Var, key: str, owner: Callable[[str], str]) -> rx.Var:
    """A page's title in the visitor's language, for ``add_page(title=...)``: the catalog's
    ``key`` (what the page is), then ``owner(language)`` (whose: the program or the agency)."""
    english, spanish = (f"{translate(code, key)} · {owner(code)}" for code in ("en", "es"))
    return rx.cond(lang == "es", spanish, english)

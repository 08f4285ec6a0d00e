"""Message catalogs (English and Spanish) and the one function that reads them.

Catalogs are flat JSON objects in this folder with the same keys in every language:
``<lang>.json``, plus ``<lang>.<area>.json`` files for a part of the product (a file per
area keeps each one readable and lets work on two areas proceed apart). A key lives in one
file only. Placeholders use ``{name}`` and are filled by ``translate``.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from camshare.vocabulary import LANGUAGES

DEFAULT_LANGUAGE = "en"
_DIR = Path(__file__).resolve().parent


@lru_cache(maxsize=len(LANGUAGES))
def catalog(language: str) -> dict[str, str]:
    """Every message in ``language`` (English for an unknown language)."""
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    messages: dict[str, str] = {}
    for path in catalog_files(language):
        messages.update(json.loads(path.read_text(encoding="utf-8")))
    return messages


def catalog_files(language: str) -> list[Path]:
    """The files that make up ``language``'s catalog: the main one, then each area's."""
    return [_DIR / f"{language}.json", *sorted(_DIR.glob(f"{language}.*.json"))]


def translate(language: str, key: str, **params: object) -> str:
    """The message ``key`` in ``language`` with its placeholders filled.

    A message with plural forms is written as ``key_one`` and ``key_other``: ``translate``
    picks the form from the message's one whole-number placeholder.
    """
    key = plural_form(key, params)
    text = catalog(language).get(key) or catalog(DEFAULT_LANGUAGE).get(key) or key
    return text.format(**params) if params else text


def plural_form(key: str, params: dict[str, object]) -> str:
    """``key`` itself, or for a plural message ``key_one``/``key_other`` by its count.

    English and Spanish agree: "one" is exactly 1, everything else (0 too) is "other".
    """
    english = catalog(DEFAULT_LANGUAGE)
    if key in english or f"{key}_other" not in english:
        return key
    counts = [v for v in params.values() if isinstance(v, int) and not isinstance(v, bool)]
    return f"{key}_one" if counts == [1] else f"{key}_other"


def pick_language(accept_language: str | None) -> str:
    """The first supported language in an Accept-Language header, English otherwise."""
    ranked = []
    for index, part in enumerate((accept_language or "").split(",")):
        tag, _, quality = part.strip().partition(";q=")
        try:
            weight = float(quality) if quality else 1.0
        except ValueError:
            weight = 0.0
        ranked.append((-weight, index, tag.strip().lower()[:2]))
    for _, _, lang in sorted(ranked):
        if lang in LANGUAGES:
            return lang
    return DEFAULT_LANGUAGE


def plural(language: str, key: str, n: int) -> str:
    """``key_one`` for one, ``key_other`` otherwise, with ``{n}`` filled."""
    return translate(language, key, n=n)

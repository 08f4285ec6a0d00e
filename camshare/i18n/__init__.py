"""Message catalogs (English and Spanish) and the one function that reads them.

Catalogs are flat JSON objects in this folder, one per language, with the same keys.
Placeholders use ``{name}`` and are filled by ``translate``.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

LANGUAGES = ("en", "es")
DEFAULT_LANGUAGE = "en"
_DIR = Path(__file__).resolve().parent


@lru_cache(maxsize=len(LANGUAGES))
def catalog(language: str) -> dict[str, str]:
    """Every message in ``language`` (English for an unknown language)."""
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    return json.loads((_DIR / f"{language}.json").read_text(encoding="utf-8"))


def translate(language: str, key: str, **params: object) -> str:
    """The message ``key`` in ``language`` with its placeholders filled."""
    text = catalog(language).get(key) or catalog(DEFAULT_LANGUAGE).get(key) or key
    return text.format(**params) if params else text


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
    """``key_one`` for one, ``key_other`` otherwise (English and Spanish agree on this)."""
    return translate(language, f"{key}_one" if n == 1 else f"{key}_other", n=n)

"""The message police send owners: a template that exists in every language, its blanks
filled from fixed lists, and (only if the agency allows it) the officer's own words.

An officer's free text cannot be translated, so a Spanish-speaking owner would read English;
templates can. The own words, when allowed, are shown apart and labelled as such. A request
stores its message as JSON in its text column; a message stored before templates existed
reads as the officer's own words.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from camshare.i18n import translate

# Each template's blanks, in the order the officer fills them.
TEMPLATES: dict[str, tuple[str, ...]] = {
    "footage": (),
    "view": ("view",),
    "vehicle": ("colour", "vehicle"),
    "missing": (),
}
# The choices of each blank: translated words, never typed text.
BLANK_CHOICES: dict[str, tuple[str, ...]] = {
    "view": ("street", "sidewalk", "driveway", "parking_lot", "alley", "storefront"),
    "colour": ("white", "black", "grey", "silver", "red", "blue", "green"),
    "vehicle": ("car", "pickup", "suv", "van", "motorcycle", "bicycle"),
}
DEFAULT_TEMPLATE = "footage"
BLANK_NOT_CHOSEN = "…"


@dataclass(frozen=True)
class OfficerMessage:
    """A request's message as stored: the template, its blanks, the officer's own words."""

    template: str = ""
    blanks: tuple[tuple[str, str], ...] = ()
    own_words: str = ""


@dataclass(frozen=True)
class ShownMessage:
    """A message as one reader sees it: the template's text in their language, the own words."""

    text: str
    own_words: str


def encode(message: OfficerMessage) -> str:
    """The text stored in ``access_request.message``."""
    return json.dumps(
        {
            "template": message.template,
            "blanks": dict(message.blanks),
            "own_words": message.own_words.strip(),
        },
        ensure_ascii=False,
        sort_keys=True,
    )


def decode(stored: str | None) -> OfficerMessage:
    """What ``encode`` wrote; any other text (older requests) is the officer's own words."""
    stored = stored or ""
    if stored.startswith("{"):
        try:
            data = json.loads(stored)
        except ValueError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("template"), str):
            blanks = data.get("blanks") if isinstance(data.get("blanks"), dict) else {}
            return OfficerMessage(
                data["template"],
                tuple(sorted((str(k), str(v)) for k, v in blanks.items())),
                str(data.get("own_words") or ""),
            )
    return OfficerMessage(own_words=stored)


def template_text(template: str, blanks: Mapping[str, str], language: str) -> str:
    """A template with its blanks filled, in ``language``; empty for no or an unknown template.

    A blank not chosen yet reads "…" (the officer's preview, before every list is set).
    """
    if template not in TEMPLATES:
        return ""
    words = {
        name: translate(language, f"message.{name}.{blanks[name]}")
        if blanks.get(name) in BLANK_CHOICES[name]
        else BLANK_NOT_CHOSEN
        for name in TEMPLATES[template]
    }
    return translate(language, f"message.text.{template}", **words)


def shown(stored: str | None, language: str) -> ShownMessage:
    """A stored message as a reader of ``language`` sees it."""
    message = decode(stored)
    return ShownMessage(
        template_text(message.template, dict(message.blanks), language), message.own_words
    )


def message_problems(
    template: str,
    blanks: Mapping[str, str],
    own_words: str,
    *,
    own_words_allowed: bool,
    own_words_max: int,
) -> dict[str, str]:
    """The message's broken rules, by field ("message", "own_words"), as message keys."""
    errors: dict[str, str] = {}
    own_words = own_words.strip()
    if template not in TEMPLATES:
        errors["message"] = "request.error.message_required"
    elif any(blanks.get(name) not in BLANK_CHOICES[name] for name in TEMPLATES[template]):
        errors["message"] = "request.error.message_blank"
    if own_words and not own_words_allowed:
        errors["own_words"] = "request.error.own_words_off"
    elif len(own_words) > own_words_max:
        errors["own_words"] = "request.error.message_too_long"
    return errors

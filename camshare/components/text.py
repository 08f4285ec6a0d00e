"""Catalog messages on the page: the one way to fill placeholders and pick plural forms.

The browser holds the page's catalog (``AppState.t``); ``text`` builds the expression that
fills a message's ``{placeholders}`` there, and for a message written as ``key_one`` and
``key_other`` picks the form by the same rule as the server's ``camshare.i18n.translate``.
"""

from __future__ import annotations

import reflex as rx
from reflex.vars import NumberVar

from camshare.i18n import plural_form


def text(catalog: rx.Var, key: str, **values: object) -> rx.Var:
    """Message ``key`` of ``catalog`` (the page's ``AppState.t``) with ``values`` filled in.

    A plural message is picked by its one whole-number value (a Python ``int`` or a number
    var), or by its only value when it has just one: "one" is exactly 1, anything else is
    "other", as on the server.
    """
    one, other = plural_form(key, {"n": 1}), plural_form(key, {"n": 2})
    if one == other:
        return _filled(catalog[key], values)
    count = _count(key, values)
    if not isinstance(count, rx.Var):
        return _filled(catalog[one if str(count) == "1" else other], values)
    is_one = count == 1 if isinstance(count, NumberVar) else count.to(str) == "1"
    return rx.cond(is_one, _filled(catalog[one], values), _filled(catalog[other], values))


def _filled(template: rx.Var, values: dict[str, object]) -> rx.Var:
    """``template`` with each ``{name}`` replaced by its value, in the browser."""
    for name, value in values.items():
        if isinstance(value, NumberVar):
            value = value.to_string()
        elif not isinstance(value, rx.Var):
            value = str(value)
        template = template.replace("{" + name + "}", value)
    return template


def _count(key: str, values: dict[str, object]) -> object:
    """The value a plural message's form depends on."""
    numbers = [
        v
        for v in values.values()
        if isinstance(v, NumberVar) or (isinstance(v, int) and not isinstance(v, bool))
    ]
    if len(numbers) == 1:
        return numbers[0]
    if len(values) == 1:
        return next(iter(values.values()))
    raise ValueError(f"{key} is a plural message: give it exactly one whole-number value")

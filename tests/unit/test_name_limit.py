"""One limit on a name's length: the input's maxlength, the check and the message agree."""

from __future__ import annotations

import re

from camshare.services.registration import MAX_NAME


def max_lengths(component) -> list[int]:
    """The maxLength of every input a rendered page piece holds."""
    return [int(n) for n in re.findall(r"maxLength:(\d+)", str(component.render()))]


def test_the_name_inputs_stop_at_the_limit_the_check_applies():
    from camshare.pages import join

    # Name and business name; nothing on the contact step lets more through.
    assert max_lengths(join.contact_step()).count(MAX_NAME) == 2
    assert MAX_NAME in max_lengths(join.agreement_step())

"""One limit on a name's length: the input's maxlength, the check and the message agree."""

from __future__ import annotations

import re

import pytest

from camshare.i18n import LANGUAGES, translate
from camshare.services import registration
from camshare.services.errors import ValidationFailed
from camshare.services.registration import MAX_NAME


def max_lengths(component) -> list[int]:
    """The maxLength of every input a rendered page piece holds."""
    return [int(n) for n in re.findall(r"maxLength:(\d+)", str(component.render()))]


def test_the_name_inputs_stop_at_the_limit_the_check_applies():
    from camshare.pages import join

    # Name and business name; nothing on the contact step lets more through.
    assert max_lengths(join.contact_step()).count(MAX_NAME) == 2
    assert MAX_NAME in max_lengths(join.agreement_step())


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_message_for_a_long_name_states_the_limit_checked(session, language):
    key = registration.open_draft(session, None, None, language).key
    with pytest.raises(ValidationFailed) as caught:
        registration.save_contact(
            session, key, "A" * (MAX_NAME + 1), "214-555-0100", "", "resident", ""
        )

    message = translate(
        language, caught.value.errors["full_name"], **caught.value.field_params["full_name"]
    )
    assert re.findall(r"\d+", message) == [str(MAX_NAME)]
    registration.save_contact(session, key, "A" * MAX_NAME, "214-555-0100", "", "resident", "")

"""The message for a name over the limit states the limit the check applies."""

from __future__ import annotations

import re

import pytest

from camshare.i18n import LANGUAGES, translate
from camshare.services import registration
from camshare.services.errors import ValidationFailed
from camshare.services.registration import MAX_NAME


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

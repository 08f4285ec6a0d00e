"""Re-consent on /a/<token> compares a signature as the sign-up does: letters only."""

from __future__ import annotations

from datetime import timedelta

import pytest

from camshare.models import utcnow
from camshare.services.agreements import texts as agreements
from camshare.services.errors import ValidationFailed
from camshare.services.owners import accepting_again
from tests.integration.test_reconsent import link_of, publish
from tests.support.access_builders import point_at, registered_owner


def test_an_owner_signs_again_without_the_accents_or_emoji_of_their_name(session, settings):
    agreements.publish_bundled(session)
    owner = registered_owner(session, point_at(50), name="José Ñúñez 😀", language="es")
    t0 = utcnow().replace(microsecond=0) + timedelta(hours=1)
    publish(session, settings, t0)
    token = link_of(session, owner)
    later = t0 + timedelta(hours=1)
    shown = accepting_again.reconsent_view(session, token, later).agreement

    def accept(name):
        return accepting_again.accept_again(
            session, token, True, name, "198.51.100.4", "UA", settings, later, agreement_id=shown.id
        )

    with pytest.raises(ValidationFailed) as failed:
        accept("Jose Nunes")
    assert failed.value.errors == {"typed_name": "reconsent.error_name_mismatch"}

    assert accept("Jose Nunez").status == "active"

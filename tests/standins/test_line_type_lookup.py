"""Before a number's first code, an optional Twilio Lookup says whether it takes texts.

The real ``twilio`` client asks Lookup v2 for line type intelligence from the local
stand-in. A landline is refused with a clear message; a Lookup outage never blocks the
sign-up; with the setting off (the default) nothing is looked up.
"""

from __future__ import annotations

import pytest

from camshare.models import OutboxMessage
from camshare.services.errors import DomainError
from camshare.services.messaging.line_type import TwilioLineTypeLookup, make_line_type_lookup
from camshare.services.registration import verification
from camshare.settings import Settings, load_settings
from tests.standins import test_sms_twilio as sms
from tests.support.twilio_standin import TwilioStandin
from tests.unit.builders import IP, PHONE_E164, walk_to

LANDLINE = PHONE_E164  # the builders' resident phone
ACCOUNT_SID = sms.ACCOUNT_SID
# The Messages tests' fixtures: the stand-in, and no Twilio edge routing.
server = sms.server
_no_twilio_routing = sms._no_twilio_routing


def twilio_settings(server: TwilioStandin, lookup: str = "true") -> Settings:
    extra = {"CAMSHARE_SECRET_KEY": "test-secret", "CAMSHARE_TWILIO_LOOKUP": lookup}
    return sms.twilio_settings(server, **extra)


def lookups(server: TwilioStandin) -> list:
    return [r for r in server.requests if r.path.startswith("/v2/PhoneNumbers/")]


def codes_queued(session, phone: str) -> int:
    return session.query(OutboxMessage).filter(OutboxMessage.to_e164 == phone).count()


def test_the_client_reads_the_line_type_from_lookup_v2(server):
    server.line_types[LANDLINE] = "landline"
    lookup = TwilioLineTypeLookup(twilio_settings(server))

    assert lookup.line_type(LANDLINE) == "landline"
    assert lookup.line_type("+12145550199") == "mobile"
    (first, _) = lookups(server)
    assert first.method == "GET"
    assert first.path == f"/v2/PhoneNumbers/{LANDLINE}"
    assert first.form == {"Fields": "line_type_intelligence"}
    assert first.auth_user == ACCOUNT_SID


def test_a_landline_gets_no_code_and_a_clear_message(session, server):
    settings = twilio_settings(server)
    server.line_types[LANDLINE] = "landline"
    walk = walk_to(session, settings, "verify")

    with pytest.raises(DomainError) as caught:
        verification.send_code(
            session, walk.key, settings, IP, now=walk.now, lookup=make_line_type_lookup(settings)
        )

    assert caught.value.key == "error.phone_takes_no_sms"
    assert codes_queued(session, LANDLINE) == 0


def test_a_mobile_number_gets_its_code_after_one_lookup(session, server):
    settings = twilio_settings(server)
    walk = walk_to(session, settings, "verify")
    lookup = make_line_type_lookup(settings)

    verification.send_code(session, walk.key, settings, IP, now=walk.now, lookup=lookup)

    assert codes_queued(session, LANDLINE) == 1
    assert len(lookups(server)) == 1


@pytest.mark.parametrize("outage", [503, 500, (401, 20003), (429, 20429)])
def test_a_lookup_outage_does_not_block_the_sign_up(session, server, outage):
    settings = twilio_settings(server)
    server.lookup_script.append(outage)
    walk = walk_to(session, settings, "verify")

    verification.send_code(
        session, walk.key, settings, IP, now=walk.now, lookup=make_line_type_lookup(settings)
    )

    assert codes_queued(session, LANDLINE) == 1


def test_a_lookup_server_that_does_not_answer_does_not_block_the_sign_up(session, server):
    settings = twilio_settings(server)
    base = server.base_url
    server.stop()
    walk = walk_to(session, settings, "verify")
    lookup = make_line_type_lookup(settings)
    assert base  # the address the client was given, now closed

    verification.send_code(session, walk.key, settings, IP, now=walk.now, lookup=lookup)

    assert codes_queued(session, LANDLINE) == 1


def test_the_lookup_is_off_by_default_and_without_twilio(server):
    assert make_line_type_lookup(twilio_settings(server, lookup="false")) is None
    assert make_line_type_lookup(load_settings({"CAMSHARE_TWILIO_LOOKUP": "true"})) is None
    assert load_settings({}).twilio_lookup is False

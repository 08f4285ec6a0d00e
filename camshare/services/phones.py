"""Phone numbers: parsed and stored in E.164 with ``phonenumbers``."""

from __future__ import annotations

import phonenumbers
from phonenumbers import PhoneNumberType

from camshare.services.errors import DomainError

# Types that can receive an SMS. FIXED_LINE_OR_MOBILE is what US numbers report, since
# their numbering plan does not tell mobiles from landlines.
_SMS_CAPABLE = {
    PhoneNumberType.MOBILE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE,
}


def normalize_mobile(
    raw: str, region: str = "US", allowed_regions: tuple[str, ...] = ("US",)
) -> str:
    """Return ``raw`` as an E.164 mobile number or raise ``DomainError`` saying why not.

    Only numbers of ``allowed_regions`` are accepted: a form that texts any country is
    what SMS-pumping fraud looks for.
    """
    text = (raw or "").strip()
    if not text:
        raise DomainError("error.phone_required", field="phone")
    if len(text) > 40:
        raise DomainError("error.phone_invalid", field="phone")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise DomainError("error.phone_invalid", field="phone") from exc
    if not phonenumbers.is_valid_number(number):
        raise DomainError("error.phone_invalid", field="phone")
    if phonenumbers.number_type(number) not in _SMS_CAPABLE:
        raise DomainError("error.phone_not_mobile", field="phone")
    if phonenumbers.region_code_for_number(number) not in allowed_regions:
        raise DomainError("error.phone_region", field="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str) -> str:
    """A readable national form of an E.164 number, e.g. (214) 555-0142."""
    number = phonenumbers.parse(e164, None)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)

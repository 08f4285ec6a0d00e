"""The TOTP second factor (RFC 6238: six digits, 30-second steps), and its enrolment QR code."""

from __future__ import annotations

import base64
import hmac
from datetime import datetime

import pyotp
import qrcode
from qrcode.image.svg import SvgPathImage

STEP_SECONDS = 30
DIGITS = 6
# A phone's clock may be a little off, and a code typed near the end of its step arrives
# in the next: one step either side. More would widen what a guesser can hit.
DRIFT_STEPS = 1


class _QrImage(SvgPathImage):
    # A white background: the code must scan on a dark page too (the path alone has none).
    background = "white"


def new_secret() -> str:
    """A random base32 secret of 160 bits, the size RFC 4226 recommends."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str, issuer: str) -> str:
    """The ``otpauth://`` URI authenticator apps read from the enrolment QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def qr_svg_data_uri(uri: str) -> str:
    """``uri`` as a QR code, an SVG ``data:`` URI to show in an ``<img>``."""
    svg = qrcode.make(uri, image_factory=_QrImage).to_string(encoding="unicode")
    encoded = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return f"data:image/svg+xml;base64,{encoded}"


def time_step(now: datetime) -> int:
    """The TOTP time step ``now`` falls in."""
    return int(now.timestamp()) // STEP_SECONDS


def code_at(secret: str, step: int) -> str:
    """The code of ``secret`` for time step ``step``."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).generate_otp(step)


def accepted_step(secret: str, code: str, last_step: int | None, now: datetime) -> int | None:
    """The time step ``code`` belongs to, if it is good now and not used before; else None.

    Steps at or before ``last_step`` (the last one accepted) are refused, so a code seen
    over a shoulder or in a log cannot be used again, nor can an older one.
    """
    typed = "".join((code or "").split())
    if len(typed) != DIGITS or not typed.isascii() or not typed.isdigit():
        return None
    current = time_step(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(code_at(secret, step), typed):
            return step
    return None

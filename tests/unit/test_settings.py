"""Settings: read from the environment, documented in the README, unsafe ones refused."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from camshare.settings import EVERY_INTERFACE, Settings, env_name, load_settings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_listed_in_the_readme():
    missing = [env_name(f) for f in fields(Settings) if f"`{env_name(f)}`" not in README]
    assert missing == []


def test_values_come_from_the_environment_with_their_types():
    settings = load_settings(
        {
            "CAMSHARE_DEMO_MODE": "false",
            "CAMSHARE_OTP_TTL_MINUTES": "3",
            "CAMSHARE_SMS_PER_SECOND": "2.5",
            "TWILIO_FROM_NUMBER": "+12145550000",
        }
    )
    assert settings.demo_mode is False
    assert settings.otp_ttl_minutes == 3
    assert settings.sms_per_second == 2.5
    assert settings.twilio_from_number == "+12145550000"


@pytest.mark.parametrize(
    "environ",
    [
        {"CAMSHARE_DEMO_MODE": "false"},
        {"CAMSHARE_PUBLIC_BASE_URL": "https://cameras.example.gov"},
        {
            "CAMSHARE_SMS_BACKEND": "twilio",
            "TWILIO_ACCOUNT_SID": "AC1",
            "TWILIO_AUTH_TOKEN": "t",
            "TWILIO_FROM_NUMBER": "+12145550000",
        },
    ],
)
def test_anything_beyond_a_local_demo_refuses_the_default_secret(environ):
    with pytest.raises(RuntimeError, match="CAMSHARE_SECRET_KEY"):
        load_settings(environ).check()
    load_settings({**environ, "CAMSHARE_SECRET_KEY": "s3cret"}).check()


def test_a_local_demo_runs_on_the_defaults():
    settings = load_settings({})
    settings.check()  # refuses nothing
    assert (settings.demo_mode, settings.sms_backend) == (True, "outbox")
    assert settings.public_base_url == "http://localhost:3000"


def test_twilio_needs_its_credentials():
    with pytest.raises(RuntimeError, match="TWILIO_ACCOUNT_SID"):
        load_settings({"CAMSHARE_SMS_BACKEND": "twilio", "CAMSHARE_SECRET_KEY": "s"}).check()


@pytest.mark.parametrize(
    ("environ", "host"),
    [
        ({}, "127.0.0.1"),
        ({"CAMSHARE_PUBLIC_BASE_URL": "http://127.0.0.1:3917"}, "127.0.0.1"),
        ({"CAMSHARE_PUBLIC_BASE_URL": "http://192.168.1.20:3000"}, EVERY_INTERFACE),
        ({"CAMSHARE_PUBLIC_BASE_URL": "https://cameras.example.gov"}, EVERY_INTERFACE),
        ({"CAMSHARE_LISTEN_HOST": "192.0.2.10"}, "192.0.2.10"),
    ],
)
def test_a_demo_on_this_computer_listens_on_this_computer_only(environ, host):
    assert load_settings(environ).bind_host == host

"""Settings: read from the environment, documented in the README, unsafe ones refused."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from camshare.settings import (
    EVERY_INTERFACE,
    OTHER_VARIABLES,
    Settings,
    SettingsError,
    choices_of,
    env_name,
    load_settings,
    settings_or_exit,
)

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


@pytest.mark.parametrize(
    ("environ", "named", "allowed"),
    [
        ({"CAMSHARE_SMS_DISPATCHER": "extrenal"}, "CAMSHARE_SMS_DISPATCHER", "inprocess, external"),
        ({"CAMSHARE_SMS_BACKEND": "twillio"}, "CAMSHARE_SMS_BACKEND", "outbox, twilio"),
        ({"CAMSHARE_GEOCODER": "nominatimm"}, "CAMSHARE_GEOCODER", "nominatim"),
        ({"CAMSHARE_DEMO_MODE": "ture"}, "CAMSHARE_DEMO_MODE", "true or false"),
        ({"CAMSHARE_PORT": "30OO"}, "CAMSHARE_PORT", "whole number"),
        ({"CAMSHARE_SMS_PER_SECOND": "fast"}, "CAMSHARE_SMS_PER_SECOND", "a number"),
        ({"CAMSHARE_GEOCODR": "photon"}, "CAMSHARE_GEOCODR", "did you mean CAMSHARE_GEOCODER?"),
    ],
)
def test_a_value_that_would_disable_a_part_stops_the_start_naming_the_variable(
    environ, named, allowed
):
    with pytest.raises(SettingsError) as refused:
        load_settings(environ)
    assert named in str(refused.value)
    assert allowed in str(refused.value)


def test_every_problem_is_reported_at_once_and_the_process_exits_with_them():
    environ = {"CAMSHARE_DEMO_MODE": "ture", "CAMSHARE_SMS_DISPATCHER": "extrenal"}
    with pytest.raises(SystemExit) as stopped:
        settings_or_exit(environ)
    assert "CAMSHARE_DEMO_MODE" in str(stopped.value.code)
    assert "CAMSHARE_SMS_DISPATCHER" in str(stopped.value.code)


def test_the_usual_spellings_of_yes_and_no_and_variables_that_are_not_settings_pass():
    settings = load_settings(
        {"CAMSHARE_DEMO_MODE": "No", "CAMSHARE_TWILIO_LOOKUP": "on"}
        | dict.fromkeys(OTHER_VARIABLES, "x")
    )
    assert (settings.demo_mode, settings.twilio_lookup) == (False, True)


def test_fields_with_choices_declare_them_where_they_are_declared():
    declared = {f.name: choices_of(f) for f in fields(Settings) if choices_of(f)}
    assert {"sms_backend", "sms_dispatcher", "geocoder"} <= set(declared)
    for name, allowed in declared.items():
        assert getattr(Settings(), name) in allowed, name

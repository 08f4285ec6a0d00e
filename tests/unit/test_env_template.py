"""deploy/camshare.env.example lists every setting camshare reads, as settings.py says."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from camshare.settings import Settings, env_name, load_settings
from deploy import envfile

TEMPLATE = Path(__file__).resolve().parents[2] / "deploy" / "camshare.env.example"


def test_the_template_is_the_one_settings_py_gives():
    assert TEMPLATE.read_text() == envfile.render(), (
        "deploy/camshare.env.example is out of date: "
        "python -m deploy.envfile > deploy/camshare.env.example"
    )


def test_every_setting_is_in_the_template_and_nothing_else():
    settings = {env_name(f) for f in fields(Settings)}
    others = {name for name, _, _ in envfile.OTHER}
    assert envfile.variables(TEMPLATE.read_text()) == settings | others


def test_the_values_it_sets_are_accepted_by_the_settings():
    text = TEMPLATE.read_text()
    values = dict(
        line.split("=", 1)
        for line in text.splitlines()
        if line and not line.startswith("#") and line.startswith("CAMSHARE_")
    )
    assert load_settings(values).sms_dispatcher == "external"

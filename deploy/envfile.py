"""``deploy/camshare.env.example``, written from ``camshare/settings.py``: every setting.

    source scripts/env.sh && python -m deploy.envfile > deploy/camshare.env.example

Each setting appears with its description; those a production installation must set are
given a value to edit, the others are commented out at their default. A test
(``tests/unit/test_env_template.py``) fails when the template and the settings disagree,
so a new setting cannot be left out of it.
"""

from __future__ import annotations

from dataclasses import MISSING, fields

from camshare.settings import DEFAULT_SECRET, PROJECT_DIR, Settings, env_name

# What an installation behind the proxy sets (the values are placeholders to edit).
PRODUCTION = {
    "CAMSHARE_DATABASE_URL": "postgresql+psycopg://camshare@db.internal/camshare",
    "CAMSHARE_PUBLIC_BASE_URL": "https://cameras.example.org",
    "CAMSHARE_LISTEN_HOST": "0.0.0.0",  # noqa: S104 - a node behind the proxy, on its network
    "CAMSHARE_TRUSTED_PROXY_HOPS": "1",
    # camshare refuses to start with this one: put `openssl rand -hex 32`'s output here.
    "CAMSHARE_SECRET_KEY": DEFAULT_SECRET,
    "CAMSHARE_DEMO_MODE": "false",
    "CAMSHARE_SMS_BACKEND": "twilio",
    "TWILIO_ACCOUNT_SID": "AC...",
    "TWILIO_AUTH_TOKEN": "...",
    "TWILIO_FROM_NUMBER": "+12145550100",
    "CAMSHARE_SMS_DISPATCHER": "external",
    "CAMSHARE_FOOTAGE_STORAGE": "s3",
    "CAMSHARE_FOOTAGE_S3_ENDPOINT": "https://s3.internal",
    "CAMSHARE_FOOTAGE_S3_ACCESS_KEY": "...",
    "CAMSHARE_FOOTAGE_S3_SECRET_KEY": "...",
    "CAMSHARE_FOOTAGE_PARTS_DIR": "/srv/camshare/footage-parts",
    "CAMSHARE_METRICS_PORT": "9310",
    # Required with more than one web node: the tabs' states and live segments.
    "REFLEX_REDIS_URL": "redis://redis.internal:6379/0",
}
# Where the systemd units expect the checkout (deploy/systemd/*.service).
INSTALL_DIR = "/opt/camshare"
# Read by Reflex, not by camshare/settings.py: where the tabs' states live.
OTHER = [
    (
        "REFLEX_API_URL",
        "https://cameras.example.org",
        "Where the built pages open the event socket: the public address (Reflex's own "
        "setting, baked into the frontend build)",
    ),
]
HEADER = """\
# camshare's settings: /etc/camshare/camshare.env, read by the systemd units in
# deploy/systemd/ (EnvironmentFile=). Generated from camshare/settings.py by
# `python -m deploy.envfile`: edit the values here, add settings there.
# Lines starting with "#NAME=" show a setting at its default. CAMSHARE_SECRET_KEY is left
# at the value camshare refuses: nothing starts until it is set (openssl rand -hex 32).
"""


def render() -> str:
    """The template's text."""
    lines = [HEADER]
    for f in fields(Settings):
        name = env_name(f)
        doc = f.metadata.get("doc") or ""
        default = "" if f.default is MISSING else f.default
        if isinstance(default, bool):
            default = "true" if default else "false"
        default = str(default).replace(str(PROJECT_DIR), INSTALL_DIR)
        lines.append(f"# {doc}" if doc else f"# {name}")
        if name in PRODUCTION:
            lines.append(f"{name}={PRODUCTION[name]}")
        else:
            lines.append(f"#{name}={default}")
        lines.append("")
    for name, value, doc in OTHER:
        lines += [f"# {doc}", f"{name}={value}", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def variables(text: str) -> set[str]:
    """The variable names a template sets or shows."""
    names = set()
    for line in text.splitlines():
        stripped = line.lstrip("#")
        if "=" in stripped and not line.startswith("# "):
            names.add(stripped.split("=", 1)[0])
    return names


if __name__ == "__main__":
    print(render(), end="")

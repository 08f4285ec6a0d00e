"""Command-line administration: migrations, demo data, campaigns, agreements, admins.

python -m camshare.cli migrate
python -m camshare.cli seed-demo
python -m camshare.cli create-admin USERNAME --name "Full Name"
python -m camshare.cli create-campaign "Fair Park street fair" --kind community_event
python -m camshare.cli list-campaigns
python -m camshare.cli publish-agreement path/to/agreement.es.json
python -m camshare.cli settings

create-admin reads the password from CAMSHARE_ADMIN_PASSWORD if set, else asks for it twice.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from dataclasses import fields
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from camshare import migrations, runtime
from camshare.i18n import translate
from camshare.logs import configure_logging
from camshare.models import Campaign, utcnow
from camshare.services.agreements import texts as agreements
from camshare.services.errors import DomainError, ValidationFailed
from camshare.services.outreach.campaigns import (
    CAMPAIGN_KINDS,
    create_campaign,
    find_campaign,
    join_url,
)
from camshare.services.staff.accounts import create_staff_user, username_taken
from camshare.settings import Settings, env_name, get_settings, settings_or_exit

DEMO_CAMPAIGN_CODE = "PARK25"


def list_campaigns(session: Session) -> list[tuple[str, str]]:
    """Every campaign's code and name, oldest first (the ``list-campaigns`` command)."""
    return [(c.code, c.name) for c in session.scalars(select(Campaign).order_by(Campaign.id))]


def seed_demo() -> str:
    """Publish the bundled agreements and make the demo campaign; returns its join URL."""
    settings = get_settings()

    def work(session: Session) -> None:
        agreements.publish_bundled(session)
        if find_campaign(session, DEMO_CAMPAIGN_CODE) is None:
            create_campaign(
                session,
                settings.public_base_url,
                "Demo community event",
                code=DEMO_CAMPAIGN_CODE,
                place="Fair Park, Dallas",
            )

    runtime.in_session(work)
    return join_url(settings.public_base_url, DEMO_CAMPAIGN_CODE)


# DEMO ONLY. Known passwords and TOTP secrets, printed on the console, so that anyone trying
# the demo can sign in as each role. They are created only in demo mode; never turn demo
# mode on for an installation that holds real data.
DEMO_STAFF_PASSWORD = "demo-password-123"  # noqa: S105 - demo accounts only, see above
DEMO_STAFF = (
    # username, display name, role, TOTP secret (used when the role needs a code)
    ("admin", "Demo Admin", "admin", "CAMSHAREDEMOADMINAAAAAAAAAAAAAAA"),
    ("supervisor", "Demo Supervisor", "supervisor", "CAMSHAREDEMOSUPERVISORAAAAAAAAAA"),
    ("officer", "Demo Officer", "police", "CAMSHAREDEMOOFFICERAAAAAAAAAAAAA"),
    ("outreach", "Demo Outreach", "outreach", "CAMSHAREDEMOOUTREACHAAAAAAAAAAAA"),
)


def seed_demo_staff(settings: Settings | None = None) -> list[str]:
    """DEMO ONLY: one account per role with known credentials, when demo mode is on.

    Existing accounts are left as they are. The credentials go to stderr (``run.sh`` shows
    them; stdout stays the campaign URL it captures); the lines are also returned.
    """
    settings = settings or get_settings()
    if not settings.demo_mode:
        return []
    lines = [
        "DEMO staff accounts (demo mode only; never use on a real installation):",
        f"  password for each: {DEMO_STAFF_PASSWORD}",
    ]

    def work(session: Session) -> None:
        for username, display_name, role, secret in DEMO_STAFF:
            needs_code = role in settings.totp_role_set
            if not username_taken(session, username):
                user = create_staff_user(
                    session,
                    None,
                    username,
                    display_name,
                    role,
                    DEMO_STAFF_PASSWORD,
                    settings=settings,
                    bootstrap=True,
                )
                if needs_code:
                    # Enrolled already, with a secret printed below, to type into an app.
                    user.totp_secret = secret
                    user.totp_enabled_at = utcnow()
            code = f"TOTP secret {secret}" if needs_code else "no TOTP code"
            lines.append(f"  {username:<11} {role:<11} {code}")

    runtime.in_session(work)
    for line in lines:
        print(line, file=sys.stderr)
    return lines


def _admin_password() -> str | None:
    """CAMSHARE_ADMIN_PASSWORD, or the password typed twice without echo (None: mismatch)."""
    from_env = os.environ.get("CAMSHARE_ADMIN_PASSWORD")
    if from_env:
        return from_env
    first = getpass.getpass("Password (at least 12 characters): ")
    second = getpass.getpass("Same password again: ")
    return first if first == second else None


def _read_admin_password() -> str | None:
    """``_admin_password``, with a message instead of a traceback when nothing can be read."""
    try:
        password = _admin_password()
    except (EOFError, KeyboardInterrupt):
        print("\nerror: no password given (or set CAMSHARE_ADMIN_PASSWORD)", file=sys.stderr)
        return None
    if password is None:
        print("error: the two passwords differ", file=sys.stderr)
    return password


def create_admin(username: str, display_name: str, settings: Settings) -> int:
    """The ``create-admin`` command: an admin account, without a signed-in admin."""
    if runtime.in_session(username_taken, username):
        print(f"error: a staff account named {username!r} already exists", file=sys.stderr)
        return 2
    password = _read_admin_password()
    if password is None:
        return 2
    try:
        user = runtime.in_session(
            create_staff_user,
            None,
            username,
            display_name,
            "admin",
            password,
            settings=settings,
            bootstrap=True,
        )
        name = user.username
    except ValidationFailed as exc:
        for field_name, key in exc.errors.items():
            message = translate("en", key)
            shown = key if message == key else f"{message} ({key})"
            print(f"error: {field_name}: {shown}", file=sys.stderr)
        return 2
    then = "; the first sign-in sets up an authenticator app (TOTP)"
    print(f"created admin {name}{then if 'admin' in settings.totp_role_set else ''}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run one command."""
    parser = argparse.ArgumentParser(
        prog="python -m camshare.cli",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "migrate", help="bring the schema up to date (and publish the bundled agreement once)"
    )
    commands.add_parser(
        "seed-demo", help="agreement versions, a demo campaign and (demo mode) demo staff"
    )
    admin = commands.add_parser(
        "create-admin",
        help="create an admin account (the first one); password from CAMSHARE_ADMIN_PASSWORD "
        "or typed twice",
    )
    admin.add_argument("username")
    admin.add_argument("--name", dest="display_name", required=True, help="full name")
    make = commands.add_parser("create-campaign", help="create an outreach campaign")
    make.add_argument("name")
    make.add_argument("--kind", choices=CAMPAIGN_KINDS, default="community_event")
    make.add_argument("--code", help="a chosen code (default: random, unambiguous)")
    make.add_argument("--place")
    make.add_argument("--date", dest="event_date", help="YYYY-MM-DD")
    make.add_argument("--zip", dest="zip_code")
    make.add_argument("--language", dest="flyer_language", choices=("en", "es"), default="en")
    commands.add_parser("list-campaigns", help="every campaign and its join URL")
    publish = commands.add_parser("publish-agreement", help="publish an agreement JSON file")
    publish.add_argument("file", type=Path)
    commands.add_parser("settings", help="print every setting and its value")
    args = parser.parse_args(argv)
    configure_logging(settings_or_exit(serving=False))
    settings = get_settings()

    if args.command == "migrate":

        def first_agreements(session: Session) -> list:
            if agreements.current_agreement(session, "en") is not None:
                return []
            # A fresh installation starts with the bundled agreement, so sign-up works.
            return agreements.publish_bundled(session)

        # Under the migration lock: nodes started together migrate and publish once.
        published = migrations.upgrade(then=lambda: runtime.in_session(first_agreements))
        for text in published:
            print(f"published agreement {text.version} ({text.language})")
    elif args.command == "seed-demo":
        print(seed_demo())
        seed_demo_staff(settings)
    elif args.command == "create-admin":
        return create_admin(args.username, args.display_name, settings)
    elif args.command == "create-campaign":
        details = {
            k: getattr(args, k) for k in ("place", "event_date", "zip_code", "flyer_language")
        }
        try:
            view = runtime.in_session(
                create_campaign,
                settings.public_base_url,
                args.name,
                args.kind,
                args.code,
                **details,
            )
        except DomainError as exc:
            print(f"error: {exc.key}", file=sys.stderr)
            return 2
        print(f"{view.code}\t{view.join_url}")
    elif args.command == "list-campaigns":
        for code, name in runtime.in_session(list_campaigns):
            print(f"{code}\t{name}\t{join_url(settings.public_base_url, code)}")
    elif args.command == "publish-agreement":
        text = runtime.in_session(agreements.publish_from_file, args.file)
        print(f"published {text.version} ({text.language})")
    elif args.command == "settings":
        secret = {"twilio_auth_token", "secret_key"}
        for f in fields(Settings):
            value = getattr(settings, f.name)
            shown = "(set)" if f.name in secret and value else value
            print(f"{env_name(f)}={shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Command-line administration: migrations, demo data, campaigns, agreement versions.

python -m camshare.cli migrate
python -m camshare.cli seed-demo
python -m camshare.cli create-campaign "Fair Park street fair" --kind community_event
python -m camshare.cli list-campaigns
python -m camshare.cli publish-agreement path/to/agreement.es.json
python -m camshare.cli settings
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import fields
from pathlib import Path

from sqlalchemy import select

from camshare import migrations
from camshare.db import session_scope
from camshare.models import Campaign
from camshare.services import agreements
from camshare.services.campaigns import CAMPAIGN_KINDS, create_campaign, find_campaign, join_url
from camshare.services.errors import DomainError
from camshare.settings import Settings, env_name, get_settings

DEMO_CAMPAIGN_CODE = "PARK25"


def seed_demo() -> str:
    """Publish the bundled agreements and make the demo campaign; returns its join URL."""
    settings = get_settings()
    with session_scope() as session:
        agreements.publish_bundled(session)
        if find_campaign(session, DEMO_CAMPAIGN_CODE) is None:
            create_campaign(
                session,
                settings.public_base_url,
                "Demo community event",
                code=DEMO_CAMPAIGN_CODE,
                place="Fair Park, Dallas",
            )
    return join_url(settings.public_base_url, DEMO_CAMPAIGN_CODE)


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
    commands.add_parser("seed-demo", help="agreement versions and a demo campaign")
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
    settings = get_settings()

    if args.command == "migrate":
        migrations.upgrade()
        with session_scope() as session:
            if agreements.current_agreement(session, "en") is None:
                # A fresh installation starts with the bundled agreement, so sign-up works.
                for text in agreements.publish_bundled(session):
                    print(f"published agreement {text.version} ({text.language})")
    elif args.command == "seed-demo":
        print(seed_demo())
    elif args.command == "create-campaign":
        details = {
            k: getattr(args, k) for k in ("place", "event_date", "zip_code", "flyer_language")
        }
        try:
            with session_scope() as session:
                view = create_campaign(
                    session, settings.public_base_url, args.name, args.kind, args.code, **details
                )
        except DomainError as exc:
            print(f"error: {exc.key}", file=sys.stderr)
            return 2
        print(f"{view.code}\t{view.join_url}")
    elif args.command == "list-campaigns":
        with session_scope() as session:
            for campaign in session.scalars(select(Campaign).order_by(Campaign.id)):
                url = join_url(settings.public_base_url, campaign.code)
                print(f"{campaign.code}\t{campaign.name}\t{url}")
    elif args.command == "publish-agreement":
        with session_scope() as session:
            text = agreements.publish_from_file(session, args.file)
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

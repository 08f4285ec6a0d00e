"""Run by one release's code against a database: write rows its way, then read every table.

    PYTHONPATH=<a release's tree> python tests/support/release_probe.py write|read N

The upgrade test (``tests/integration/test_upgrade_from_previous_release.py``) runs it
with the previous release's code and with the current one, before and after the current
migrations. It imports only what both releases have (``camshare.models.Base``, the
builders in ``tests/support/access_builders.py``), so whichever tree comes first on
``PYTHONPATH`` is the code under test.

``write``: a registered owner (consent, site, cameras), a police officer and a supervisor,
and a request sent to that owner (recipients, an SMS in the outbox), in one transaction.
``read``: every mapped class loaded with every column this release's models know (a
column dropped or renamed too early fails here), and the rows counted.
Prints one JSON line: the code's folder and the row count of each table.
"""

from __future__ import annotations

import itertools
import json
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

import camshare
from camshare.db import make_engine
from camshare.models import Base
from camshare.settings import get_settings
from tests.support import access_builders as builders


def write(session: Session, run: int) -> None:
    """Run ``run`` (1, 2, ...) of the test: its own phone numbers, usernames and case."""
    builders._numbers = itertools.count(2000 + 100 * run)  # the builders count from 1000
    builders.registered_owner(session, builders.INCIDENT, name=f"Upgrade run {run}")
    police = builders.staff(session, "police")
    supervisor = builders.staff(session, "supervisor")
    at = builders.NOW + timedelta(hours=1)
    builders.sent_request(
        session, get_settings(), police, supervisor, at, case_number=f"26-90{run:04d}"
    )


def read(session: Session) -> dict[str, int]:
    counts = {}
    for mapper in sorted(Base.registry.mappers, key=lambda m: m.class_.__name__):
        rows = session.scalars(select(mapper.class_)).all()
        counts[mapper.local_table.name] = len(rows)
    return counts


def main(argv: list[str]) -> int:
    action, run = argv
    engine = make_engine(get_settings().database_url)
    with Session(engine, expire_on_commit=False) as session, session.begin():
        if action == "write":
            write(session, int(run))
        counts = read(session)
    engine.dispose()
    code = str(Path(camshare.__file__).resolve().parents[1])
    print(json.dumps({"code": code, "counts": counts}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The shared rate limit, and the committed migrations matching the models."""

from __future__ import annotations

import threading

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from alembic import command
from camshare.migrations import alembic_config, include_name
from camshare.models import Base
from camshare.services.throttle import reserve_slot


def test_callers_get_slots_a_spacing_apart_in_turn(factory):
    waits = [reserve_slot(factory, "geocoder", 1.0, now=1000.0) for _ in range(3)]
    assert waits == [0.0, 1.0, 2.0]


def test_callers_at_the_same_instant_never_share_a_slot(factory):
    waits: list[float] = []
    lock = threading.Lock()

    def book() -> None:
        wait = reserve_slot(factory, "geocoder", 1.0, now=1000.0)
        with lock:
            waits.append(wait)

    threads = [threading.Thread(target=book) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(waits) == [float(n) for n in range(8)]


def test_a_slot_in_the_past_is_free_at_once(factory):
    reserve_slot(factory, "geocoder", 1.0, now=1000.0)
    assert reserve_slot(factory, "geocoder", 1.0, now=1005.0) == 0.0


def test_limits_are_kept_per_name(factory):
    reserve_slot(factory, "geocoder", 1.0, now=1000.0)
    assert reserve_slot(factory, "other", 1.0, now=1000.0) == 0.0


def test_the_migrations_build_exactly_the_models(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": include_name})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_the_migrations_go_down_and_up_again(database_url):
    from sqlalchemy import create_engine, inspect

    from camshare.models import Base

    def tables() -> set[str]:
        engine = create_engine(database_url)
        try:
            return set(inspect(engine).get_table_names()) - {"alembic_version"}
        finally:
            engine.dispose()

    config = alembic_config(database_url)
    command.downgrade(config, "base")
    assert tables() == set()
    command.upgrade(config, "head")
    assert tables() >= set(Base.metadata.tables)  # SQLite adds the search's R*Tree beside them


def test_going_down_and_up_keeps_what_is_registered(database_url, factory):
    """SQLite rebuilds tables in batch migrations: the children of a rebuilt table stay."""
    from sqlalchemy import func, select

    from camshare.models import Consent, Site
    from tests.support.access_builders import INCIDENT, registered_owner

    with factory() as session, session.begin():
        registered_owner(session, INCIDENT)
    config = alembic_config(database_url)
    command.downgrade(config, "0004")
    command.upgrade(config, "head")
    with factory() as session:
        assert session.scalar(select(func.count(Consent.id))) == 1
        assert session.scalar(select(func.count(Site.id))) == 1


def test_receipt_links_sent_before_owner_links_keep_working(database_url, factory):
    from sqlalchemy import text

    from camshare.models import OwnerLink
    from camshare.services.owners.links import peek_owner_link
    from camshare.services.tokens import new_token, token_hash

    config = alembic_config(database_url)
    command.downgrade(config, "0007")
    token = new_token()
    try:
        with factory() as session, session.begin():
            session.execute(
                text(
                    "INSERT INTO owner (phone_e164, full_name, owner_kind, language, status, "
                    "manage_token_sha256, created_at, updated_at) VALUES ('+12145550123', 'A', "
                    "'resident', 'en', 'active', :hash, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"hash": token_hash(token)},
            )
    finally:
        command.upgrade(config, "head")
    with factory() as session:
        _link, owner = peek_owner_link(session, token, "manage")
        assert owner.phone_e164 == "+12145550123"
        assert session.query(OwnerLink).count() == 1

"""The shared rate limit, and the committed migrations matching the models."""

from __future__ import annotations

from datetime import timedelta

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from alembic import command
from camshare.migrations import alembic_config
from camshare.models import Base, utcnow
from camshare.services.throttle import reserve_slot


def test_callers_get_slots_a_spacing_apart_in_turn(factory):
    now = utcnow()
    waits = [reserve_slot(factory, "geocoder", 1.0, now=now) for _ in range(3)]
    assert waits == [0.0, 1.0, 2.0]


def test_a_slot_in_the_past_is_free_at_once(factory):
    now = utcnow()
    reserve_slot(factory, "geocoder", 1.0, now=now)
    assert reserve_slot(factory, "geocoder", 1.0, now=now + timedelta(seconds=5)) == 0.0


def test_limits_are_kept_per_name(factory):
    now = utcnow()
    reserve_slot(factory, "geocoder", 1.0, now=now)
    assert reserve_slot(factory, "other", 1.0, now=now) == 0.0


def test_the_migrations_build_exactly_the_models(engine):
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_the_migrations_go_down_and_up_again(database_url):
    config = alembic_config(database_url)
    command.downgrade(config, "base")
    command.upgrade(config, "head")

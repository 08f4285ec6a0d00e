"""Whether a site may be asked, kept on the site and in the spatial index, stays current.

Every change that decides it goes through a use case; after each one, the radius search
must find exactly the sites in the circle that the rule, worked out here from the rows
themselves, says may be asked, and every site's kept answer must be the rule's.
"""

from __future__ import annotations

import itertools
import random
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from camshare.models import Consent, OutboxMessage, Owner, Site, utcnow
from camshare.services.access.geo import distance_m
from camshare.services.access.nearby import find_sites_near
from camshare.services.agreements import texts as agreements
from camshare.services.errors import DomainError
from camshare.services.messaging.outbox import mark_opted_in, mark_opted_out
from camshare.services.owners import accepting_again, account, reconfirmation, withdrawal
from camshare.services.owners import locations as owner_locations
from camshare.services.owners.inbound_sms import handle_inbound_sms
from camshare.services.owners.locations import PlacedAddress
from camshare.services.owners.reconsent_requests import publish_and_ask
from tests.integration.test_reconsent import texts
from tests.support.access_builders import INCIDENT, point_at, registered_owner, staff
from tests.unit.builders import camera_row, dallas, walk_to

RADIUS_M = 400.0
RECONSENT_LINK = re.compile(r"/a/([A-Za-z0-9_\-]+)")
RECONFIRM_LINK = re.compile(r"/c/([A-Za-z0-9_\-]+)")


def by_the_rule(session) -> set[int]:
    """The sites that may be asked, worked out in Python from the rows as they are now."""
    session.flush()
    session.expire_all()
    standing = set(session.scalars(select(Consent.owner_id).where(Consent.withdrawn_at.is_(None))))
    return {
        site.id
        for site in session.scalars(select(Site))
        if site.status == "active"
        and site.owner.status == "active"
        and site.owner.phone_verified_at is not None
        and site.owner.sms_opted_out_at is None
        and site.owner_id in standing
    }


def assert_index_current(session) -> None:
    """The search finds the rule's sites in the circle; every site keeps the rule's answer."""
    expected = by_the_rule(session)
    kept = set(session.scalars(select(Site.id).where(Site.may_be_asked)))
    assert kept == expected
    in_circle = {
        site.id
        for site in session.scalars(select(Site).where(Site.id.in_(expected)))
        if distance_m(*INCIDENT, site.lat, site.lon) <= RADIUS_M
    }
    assert {s.site_id for s in find_sites_near(session, *INCIDENT, RADIUS_M)} == in_circle


def last_link(session, owner_id: int, pattern: re.Pattern) -> str | None:
    bodies = session.scalars(
        select(OutboxMessage.body)
        .where(OutboxMessage.owner_id == owner_id)
        .order_by(OutboxMessage.id.desc())
    )
    for body in bodies:
        if match := pattern.search(body):
            return match.group(1)
    return None


class Registry:
    """Owners near the incident and the changes a registry goes through, by use case."""

    def __init__(self, session, settings, rng: random.Random) -> None:
        self.session, self.settings, self.rng = session, settings, rng
        self.now = utcnow().replace(microsecond=0) + timedelta(hours=1)
        self.versions = itertools.count(1)
        self.admin = staff(session, "admin")

    def owners(self) -> list[Owner]:
        return list(self.session.scalars(select(Owner).order_by(Owner.id)))

    def point(self) -> tuple[float, float]:
        return point_at(self.rng.uniform(0, 600), self.rng.uniform(0, 360))

    # --- the changes --------------------------------------------------------------------

    def sign_up(self, owner: Owner | None) -> None:
        """A sign-up through every step (the same phone again: registering again)."""
        walk_to(self.session, self.settings, "done", now=self.now, campaign_code=None)

    def pause(self, owner: Owner) -> None:
        until = self.now + timedelta(hours=3) if self.rng.random() < 0.5 else None
        account.pause(self.session, owner.id, self.settings, until=until, now=self.now)

    def resume(self, owner: Owner) -> None:
        account.resume(self.session, owner.id, self.settings, now=self.now)

    def pauses_end(self, owner: Owner | None) -> None:
        account.resume_ended_pauses(self.session, self.settings, self.now)

    def stop(self, owner: Owner) -> None:
        if self.rng.random() < 0.5:
            handle_inbound_sms(
                self.session,
                f"SM{self.rng.getrandbits(64):x}",
                owner.phone_e164,
                "STOP",
                self.settings,
                self.now,
            )
        else:  # Twilio's "unsubscribed" error on a send or in a delivery report
            mark_opted_out(self.session, owner.phone_e164, self.now)

    def start(self, owner: Owner) -> None:
        if self.rng.random() < 0.5:
            handle_inbound_sms(
                self.session,
                f"SM{self.rng.getrandbits(64):x}",
                owner.phone_e164,
                "START",
                self.settings,
                self.now,
            )
        else:
            mark_opted_in(self.session, owner.phone_e164)

    def publish(self, owner: Owner | None) -> None:
        """A new agreement version: everyone on an older one is asked and held back."""
        body, changes = texts()
        publish_and_ask(
            self.session,
            self.admin,
            f"2027-{next(self.versions):02d}",
            body,
            changes,
            self.settings,
            self.now,
        )

    def accept_again(self, owner: Owner) -> None:
        if token := last_link(self.session, owner.id, RECONSENT_LINK):
            accepting_again.accept_again(
                self.session, token, True, owner.full_name, None, None, self.settings, self.now
            )

    def year_passes(self, owner: Owner | None) -> None:
        """Owners are asked whether they still have their cameras."""
        self.now += timedelta(days=self.settings.reconfirm_after_days + 1)
        reconfirmation.ask_for_reconfirmation(self.session, self.settings, self.now)

    def grace_passes(self, owner: Owner | None) -> None:
        """Those who did not answer are held back."""
        self.now += timedelta(days=self.settings.reconfirm_grace_days + 1)
        reconfirmation.pause_unconfirmed(self.session, self.settings, self.now)

    def confirm(self, owner: Owner) -> None:
        if token := last_link(self.session, owner.id, RECONFIRM_LINK):
            reconfirmation.confirm_cameras(self.session, token, self.now, self.settings)

    def add_location(self, owner: Owner) -> None:
        lat, lon = self.point()
        placed = self._placed(lat, lon)
        owner_locations.save_location(
            self.session,
            owner.id,
            None,
            placed,
            lat,
            lon,
            dallas(self.settings),
            cameras=[camera_row()],
            now=self.now,
        )

    def move_location(self, owner: Owner) -> None:
        site = self.rng.choice(owner.sites)
        lat, lon = self.point()
        owner_locations.save_location(
            self.session,
            owner.id,
            site.id,
            self._placed(lat, lon),
            lat,
            lon,
            dallas(self.settings),
            now=self.now,
        )

    def remove_location(self, owner: Owner) -> None:
        site = self.rng.choice(owner.sites)
        owner_locations.remove_location(self.session, owner.id, site.id, self.now)

    def withdraw(self, owner: Owner) -> None:
        withdrawal.withdraw(self.session, owner.id, self.settings, self.now)

    def _placed(self, lat: float, lon: float) -> PlacedAddress:
        number = self.rng.randrange(100, 9999)
        return PlacedAddress(
            lat, lon, f"{number} Elm St", "", "Dallas", "TX", "75201", "ok", "geocoder", False
        )


CHANGES = (
    "sign_up", "pause", "resume", "pauses_end", "stop", "start", "publish", "accept_again",
    "year_passes", "grace_passes", "confirm", "add_location", "move_location",
    "remove_location", "withdraw",
)  # fmt: skip
# Changes that concern no one owner in particular.
EVERYONE = {"sign_up", "pauses_end", "publish", "year_passes", "grace_passes"}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_search_follows_every_change_of_who_may_be_asked(session, settings, seed):
    agreements.publish_bundled(session)
    rng = random.Random(seed)
    registry = Registry(session, settings, rng)
    for number in range(4):
        registered_owner(session, registry.point(), registry.point(), name=f"Owner {number}")
    registry.sign_up(None)
    assert_index_current(session)

    done = []
    for _ in range(40):
        change = rng.choice(CHANGES)
        owners = registry.owners()
        if not owners and change not in EVERYONE:
            change = "sign_up"
        owner = None if change in EVERYONE else rng.choice(owners)
        registry.now += timedelta(hours=2)
        try:
            # As a refused use case's transaction would be, a refused change is undone.
            with session.begin_nested():
                getattr(registry, change)(owner)
        except DomainError:
            pass  # refused (the last location, a used link)
        done.append(change)
        try:
            assert_index_current(session)
        except AssertionError as failed:
            raise AssertionError(f"after {done}") from failed
    # The sequences went through most changes (a check of the test itself).
    assert len(set(done)) >= 10, done


@pytest.mark.parametrize(
    "change",
    ["pause", "stop", "publish", "withdraw", "remove_location"],
)
def test_each_change_that_holds_back_takes_the_site_out_of_the_search(session, settings, change):
    agreements.publish_bundled(session)
    registry = Registry(session, settings, random.Random(0))
    owner = registered_owner(session, point_at(50), point_at(120), name="Ana Example")
    other = registered_owner(session, point_at(80), name="José Muñoz")
    before = {s.site_id for s in find_sites_near(session, *INCIDENT, RADIUS_M)}
    assert before == {site.id for site in owner.sites + other.sites}

    getattr(registry, change)(owner)

    assert_index_current(session)
    assert {s.site_id for s in find_sites_near(session, *INCIDENT, RADIUS_M)} < before


@pytest.mark.parametrize(
    ("hold", "release"),
    [
        ("pause", "resume"),
        ("stop", "start"),
        ("publish", "accept_again"),
        (("year_passes", "grace_passes"), "confirm"),
    ],
)
def test_each_release_puts_the_site_back(session, settings, hold, release):
    agreements.publish_bundled(session)
    registry = Registry(session, settings, random.Random(0))
    owner = registered_owner(session, point_at(50), name="Ana Example")
    for step in hold if isinstance(hold, tuple) else (hold,):
        getattr(registry, step)(owner)
    assert find_sites_near(session, *INCIDENT, RADIUS_M) == []

    getattr(registry, release)(owner)

    assert [s.owner_id for s in find_sites_near(session, *INCIDENT, RADIUS_M)] == [owner.id]
    assert_index_current(session)


def test_a_completed_sign_up_is_found_and_a_new_site_starts_not_askable(session, settings):
    registry = Registry(session, settings, random.Random(0))
    registry.sign_up(None)
    (owner,) = registry.owners()
    assert [s.owner_id for s in find_sites_near(session, *INCIDENT, RADIUS_M)] == [owner.id]
    # A site written without its use case (which would work the answer out) is not asked.
    session.add(
        Site(
            owner_id=owner.id,
            address_line="1 Elm St",
            address_key="1 elm st|75201",
            lat=INCIDENT[0],
            lon=INCIDENT[1],
            location_source="geocoder",
            geocode_status="ok",
        )
    )
    session.flush()
    assert [s.owner_id for s in find_sites_near(session, *INCIDENT, RADIUS_M)] == [owner.id]


def test_a_pause_and_a_new_location_at_once_leave_the_new_site_held_back(factory, settings):
    """Two transactions, each changing one reason: the later one reads what the first did."""
    if factory.kw["bind"].dialect.name != "postgresql":
        pytest.skip("SQLite runs one write transaction at a time: nothing to interleave")
    with factory() as session, session.begin():
        owner_id = registered_owner(session, point_at(50), name="Ana Example").id
    placed = PlacedAddress(*point_at(90), "1 Elm St", "", "Dallas", "TX", "75201", "ok",
                           "geocoder", False)  # fmt: skip

    pausing = factory()
    account.pause(pausing, owner_id, settings)  # not committed yet: the owner's row is locked
    backend = pausing.scalar(text("SELECT pg_backend_pid()"))

    def add_location() -> None:
        with factory() as session, session.begin():
            owner_locations.save_location(
                session, owner_id, None, placed, placed.lat, placed.lon, dallas(settings),
                cameras=[camera_row()],
            )  # fmt: skip

    with ThreadPoolExecutor(max_workers=1) as pool:
        adding = pool.submit(add_location)
        # Wait until the new location waits for the pause (or, without the lock, is done).
        with factory() as watcher:
            while not adding.done() and not watcher.scalar(
                text(
                    "SELECT count(*) FROM pg_locks JOIN pg_stat_activity USING (pid) "
                    "WHERE NOT granted AND datname = current_database() AND pid <> :me"
                ),
                {"me": backend},
            ):
                watcher.rollback()
        pausing.commit()
        pausing.close()
        adding.result(timeout=30)

    with factory() as session:
        sites = session.scalars(select(Site).where(Site.owner_id == owner_id)).all()
        assert len(sites) == 2
        assert not any(site.may_be_asked for site in sites)
        assert find_sites_near(session, *INCIDENT, RADIUS_M) == []

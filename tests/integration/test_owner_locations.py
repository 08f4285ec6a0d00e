"""An owner changes a location's address, adds another one or removes one, from /my."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from camshare.models import AuditEvent, Owner, Site
from camshare.services.access.nearby import find_sites_near
from camshare.services.errors import DomainError, ValidationFailed
from camshare.services.geography.geocoding import zip_centroid
from camshare.services.owners import locations as owner_locations
from camshare.services.owners.locations import PlacedAddress
from tests.support.fakes import FakeGeocoder
from tests.unit.builders import (
    FORT_WORTH,
    FORT_WORTH_POINT,
    MARILLA,
    MARILLA_POINT,
    VICTORY,
    VICTORY_POINT,
    address,
    camera_row,
    clock,
    dallas,
    dallas_geocoder,
    typed_address,
    walk_to,
)


def registered(session, settings) -> Owner:
    walk = walk_to(session, settings, "done", campaign_code=None)
    return session.scalar(select(Owner).where(Owner.phone_e164 == walk.phone_e164))


def locate(session, settings, owner_id, where, geocoder=None) -> PlacedAddress:
    return owner_locations.locate_for_owner(
        session,
        owner_id,
        geocoder or dallas_geocoder(),
        dallas(settings),
        typed_address(where),
        settings.map_center_point,
    )


def owners_near(session, point) -> list[int]:
    return [s.site_id for s in find_sites_near(session, *point, 150)]


def actions(session) -> list[str]:
    return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_a_changed_address_moves_the_point_the_search_finds(session, settings):
    owner = registered(session, settings)
    site = owner.sites[0]
    cameras_before = [(c.camera_kind, c.count) for c in site.cameras]
    assert owners_near(session, MARILLA_POINT) == [site.id]

    placed = locate(session, settings, owner.id, VICTORY)
    assert (placed.lat, placed.lon) == VICTORY_POINT
    assert placed.geocode_status == "ok"
    assert not placed.needs_pin_move
    assert session.get(Site, site.id).address_line == MARILLA["street"]  # nothing stored yet

    owner_locations.save_location(
        session, owner.id, site.id, placed, placed.lat, placed.lon + 0.0001, dallas(settings)
    )
    session.expire_all()
    saved = session.get(Site, site.id)
    assert saved.address_line == VICTORY["street"]
    assert saved.zip_code == "75219"
    assert saved.location_source == "owner_pin"
    assert saved.geocode_status == "ok"
    assert [(c.camera_kind, c.count) for c in saved.cameras] == cameras_before
    assert owners_near(session, VICTORY_POINT) == [site.id]
    assert owners_near(session, MARILLA_POINT) == []
    assert actions(session)[-1] == "owner.location_changed"


def test_an_address_or_a_pin_outside_the_jurisdiction_is_refused(session, settings):
    owner = registered(session, settings)
    with pytest.raises(DomainError, match="outside_jurisdiction"):
        locate(session, settings, owner.id, FORT_WORTH)
    placed = locate(session, settings, owner.id, VICTORY)
    with pytest.raises(DomainError, match="outside_jurisdiction"):
        owner_locations.save_location(
            session, owner.id, owner.sites[0].id, placed, *FORT_WORTH_POINT, dallas(settings)
        )
    with pytest.raises(ValidationFailed):
        locate(session, settings, owner.id, address("", "Dallas", "75201"))


def test_with_the_geocoder_down_the_pin_starts_at_the_zip_centre(session, settings):
    owner = registered(session, settings)
    down = FakeGeocoder(down=True)
    placed = locate(session, settings, owner.id, VICTORY, geocoder=down)
    assert placed.geocode_status == "unavailable"
    assert (placed.lat, placed.lon) == zip_centroid("75219")
    assert not placed.needs_pin_move  # the ZIP centre is a fair start, as at sign-up
    site = owner_locations.save_location(
        session, owner.id, owner.sites[0].id, placed, placed.lat, placed.lon, dallas(settings)
    )
    assert site.geocode_status == "unavailable"
    assert site.geocoded_at is None

    # Without a ZIP code the pin is only the map's centre: it must be moved.
    no_zip = locate(session, settings, owner.id, address("77 Elm St", "Dallas", ""), down)
    assert no_zip.needs_pin_move
    assert (no_zip.lat, no_zip.lon) == settings.map_center_point
    with pytest.raises(DomainError, match="pin_not_placed"):
        owner_locations.save_location(
            session, owner.id, site.id, no_zip, no_zip.lat, no_zip.lon, dallas(settings)
        )
    owner_locations.save_location(
        session, owner.id, site.id, no_zip, no_zip.lat + 0.001, no_zip.lon, dallas(settings)
    )


def test_someone_elses_location_is_refused(session, settings):
    owner = registered(session, settings)
    placed = locate(session, settings, owner.id, VICTORY)
    with pytest.raises(DomainError, match="site_not_found"):
        owner_locations.save_location(
            session, owner.id + 1, owner.sites[0].id, placed, *VICTORY_POINT, dallas(settings)
        )
    with pytest.raises(DomainError, match="site_not_found"):
        owner_locations.remove_location(session, owner.id + 1, owner.sites[0].id)


def test_another_location_with_its_cameras_then_removing_one(session, settings):
    owner = registered(session, settings)
    first = owner.sites[0].id
    placed = locate(session, settings, owner.id, VICTORY)
    with pytest.raises(ValidationFailed):
        owner_locations.save_location(
            session, owner.id, None, placed, placed.lat, placed.lon, dallas(settings), cameras=[]
        )
    added = owner_locations.save_location(
        session,
        owner.id,
        None,
        placed,
        placed.lat,
        placed.lon,
        dallas(settings),
        cameras=[camera_row(camera_kind="exterior", count="3")],
        now=clock(),
    )
    assert [(c.camera_kind, c.count) for c in added.cameras] == [("exterior", 3)]
    assert owners_near(session, VICTORY_POINT) == [added.id]
    assert owners_near(session, MARILLA_POINT) == [first]
    assert actions(session)[-1] == "owner.location_added"

    # The same address twice, whether added again or by moving the first there.
    again = locate(session, settings, owner.id, VICTORY)
    with pytest.raises(DomainError, match="duplicate_address"):
        owner_locations.save_location(
            session, owner.id, None, again, again.lat, again.lon, dallas(settings), [camera_row()]
        )
    with pytest.raises(DomainError, match="duplicate_address"):
        owner_locations.save_location(
            session, owner.id, first, again, again.lat, again.lon, dallas(settings)
        )

    owner_locations.remove_location(session, owner.id, first)
    assert owners_near(session, MARILLA_POINT) == []
    assert session.get(Site, first) is None
    assert actions(session)[-1] == "owner.location_removed"
    with pytest.raises(DomainError, match="last_location"):
        owner_locations.remove_location(session, owner.id, added.id)
    assert owners_near(session, VICTORY_POINT) == [added.id]


def test_the_page_saves_a_location_and_gets_its_id(session, settings):
    owner = registered(session, settings)
    placed = locate(session, settings, owner.id, VICTORY)
    site_id = owner_locations.save_my_location(
        session, owner.id, None, placed, placed.lat, placed.lon, dallas(settings), [camera_row()]
    )
    assert isinstance(site_id, int)
    saved = session.get(Site, site_id)
    assert (saved.owner_id, saved.address_line) == (owner.id, VICTORY["street"])

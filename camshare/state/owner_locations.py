"""/my: changing a location's address (looked up again, pin confirmed), adding or removing one.

The look-up runs in a background event on the geocoding threads, as at sign-up, so a slow
geocoder never freezes the page (or anyone else's).
"""

from __future__ import annotations

import logging
import math
from typing import Any

import reflex as rx

from camshare import routes, runtime
from camshare.i18n import translate
from camshare.services.errors import DomainError
from camshare.services.geography.addresses import ADDRESS_FIELDS, TypedAddress
from camshare.services.owners import locations as owner_locations
from camshare.services.owners.locations import PlacedAddress
from camshare.state.owner import MyState, owner_event

log = logging.getLogger(__name__)

NEW = "new"
BLANK_ROW = {
    "camera_kind": "",
    "count": "1",
    "faces": "",
    "direction": "",
    "recording": "",
    "retention_days": "30",
}


class OwnerLocationsState(MyState):
    """One location form at a time: for a site's id, or "new" for another location."""

    loc_target: str = ""  # "" closed, a site id, or "new"
    loc_step: str = "address"  # "address" | "pin"
    loc_typed: dict[str, str] = {}
    loc_version: int = 0
    loc_busy: bool = False
    loc_placed: dict[str, Any] = {}
    loc_lat: float = 0.0
    loc_lon: float = 0.0
    loc_remove: str = ""  # the site whose removal awaits a second press

    @rx.var
    def loc_pin_text(self) -> str:
        """The pin's position, to a metre or so."""
        return f"{self.loc_lat:.5f}, {self.loc_lon:.5f}"

    @rx.var
    def loc_lead(self) -> str:
        """Why the pin is where it is (found, not found, geocoder down, or the map's centre),
        in the page's language."""
        if not self.loc_placed:
            return ""
        if self.loc_placed.get("needs_pin_move"):
            return translate(self.lang, "mylocations.lead_move")
        status = self.loc_placed.get("geocode_status")
        if status == "unavailable":
            return translate(self.lang, "mylocations.lead_unavailable")
        if status == "no_match":
            return translate(self.lang, "mylocations.lead_no_match")
        return translate(self.lang, "mylocations.lead_ok")

    @rx.var
    def loc_address_text(self) -> str:
        """The address as it will be stored, on one line."""
        p = self.loc_placed
        if not p:
            return ""
        parts = [p.get("address_line", ""), p.get("unit", ""), p.get("city", "")]
        tail = " ".join(x for x in (p.get("state", ""), p.get("zip_code", "")) if x)
        return ", ".join(x for x in [*parts, tail] if x)

    def _open(self, target: str, typed: dict[str, str]) -> None:
        self._clear_errors()
        self.loc_target, self.loc_step, self.loc_placed = target, "address", {}
        self.loc_typed = typed
        self.loc_remove = ""
        self.loc_version += 1

    @rx.event
    def change_address(self, site_id: str):
        """Open the address form for one of the owner's locations."""
        self.editing_site, self.edit_rows = "", []
        self._open(str(site_id), dict.fromkeys(ADDRESS_FIELDS, ""))

    @rx.event
    def add_location(self):
        """Open the form for another location (address, pin, then its cameras)."""
        self._open(NEW, dict.fromkeys(ADDRESS_FIELDS, ""))
        self.editing_site = NEW
        self.edit_rows = [dict(BLANK_ROW)]

    @rx.event
    def close_location(self):
        """Close the form without saving."""
        if self.loc_target == NEW:
            self.editing_site, self.edit_rows = "", []
        self.loc_target, self.loc_step, self.loc_placed = "", "address", {}
        self._clear_errors()

    @rx.event
    def remember_address(self, name: str, value: Any):
        """Keep what was typed, so nothing is lost."""
        if name in ADDRESS_FIELDS:
            self.loc_typed[name] = str(value)[:300]

    @rx.event
    def back_to_address(self):
        """Correct the address: it will be looked up again."""
        self.loc_step, self.loc_placed = "address", {}
        self._clear_errors()
        self.loc_version += 1

    @rx.event(background=True)
    @owner_event
    async def find_address(self, owner_id: int, form: dict[str, Any]):
        """Look the address up and show the pin (the page stays usable meanwhile)."""
        async with self:
            if self.loc_busy or not self.loc_target:
                return
            self.loc_busy = True
            self._clear_errors()
            typed = TypedAddress.from_form(form)
            self.loc_typed = typed.as_dict()
        error: DomainError | None = None
        placed: PlacedAddress | None = None
        if owner_id is not None:
            try:
                placed = await runtime.in_session_async(
                    owner_locations.locate_for_owner,
                    owner_id,
                    runtime.geocoder(),
                    runtime.jurisdiction(),
                    typed,
                    runtime.settings().map_center_point,
                    pool=runtime.geocoding_pool(),
                )
            except DomainError as exc:
                error = exc
            except Exception:
                log.exception("locating an owner's address failed")
                error = DomainError("error.unexpected")
        async with self:
            self.loc_busy = False
            if owner_id is None:
                self.loc_target = ""
            elif error is not None:
                self._show_error(error)
                self.loc_version += 1  # re-mount the fields with what was typed
            elif placed is not None:
                self.loc_placed = placed.as_dict()
                self.loc_lat, self.loc_lon = placed.lat, placed.lon
                self.loc_step = "pin"
        if owner_id is None:
            yield rx.redirect(routes.MY_SIGN_IN)

    def _place_pin(self, lat: Any, lon: Any) -> None:
        try:
            lat, lon = float(lat), float(lon)
        except (TypeError, ValueError):
            return
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            self.loc_lat, self.loc_lon = lat, lon

    @rx.event
    def move_location_pin(self, lat: float, lon: float):
        """The owner dragged the pin or tapped the map (checked on save)."""
        self._place_pin(lat, lon)

    @rx.event
    def nudge_location_pin(self, direction: str):
        """Move the pin about 15 m with a button, for keyboards and screen readers."""
        steps = {"north": (1, 0), "south": (-1, 0), "east": (0, 1), "west": (0, -1)}
        if direction not in steps:
            return
        north, east = steps[direction]
        lat = self.loc_lat + north * 0.000135
        lon = self.loc_lon + east * 0.000135 / max(math.cos(math.radians(self.loc_lat)), 0.1)
        self._place_pin(lat, lon)

    @rx.event
    @owner_event
    async def save_location(self, owner_id: int):
        """Store the confirmed pin (and, for a new location, its cameras)."""
        if not self.loc_target or not self.loc_placed:
            return None
        target, placed = self.loc_target, PlacedAddress.from_dict(dict(self.loc_placed))
        lat, lon = self.loc_lat, self.loc_lon
        rows = None
        if target == NEW:  # the camera rows being typed for it (not another site's)
            rows = [dict(r) for r in self.edit_rows] if self.editing_site == NEW else []
        saved: list[bool] = []

        async def work(owner_id):
            await runtime.in_session_async(
                owner_locations.save_my_location,
                owner_id,
                None if target == NEW else int(target),
                placed,
                lat,
                lon,
                runtime.jurisdiction(),
                rows,
            )
            saved.append(True)

        result = await self._act(owner_id, work)
        if saved:
            if target == NEW:
                self.editing_site, self.edit_rows = "", []
            self.loc_target, self.loc_step, self.loc_placed = "", "address", {}
            self._show_done("mylocations.added" if target == NEW else "mylocations.saved")
        elif self.errors.keys() & set(ADDRESS_FIELDS):
            # The address itself was refused (e.g. already registered): back to correct it.
            self.loc_step = "address"
            self.loc_version += 1
        return result

    @rx.event
    def ask_remove(self, site_id: str):
        """First press: ask to confirm the removal."""
        self._clear_errors()
        self.loc_remove = str(site_id)

    @rx.event
    def keep_location(self):
        """Do not remove after all."""
        self.loc_remove = ""

    @rx.event
    @owner_event
    async def remove_location(self, owner_id: int, site_id: str):
        """Second press: remove the location and its cameras."""
        if self.loc_remove != str(site_id):
            return None
        removed: list[bool] = []

        async def work(owner_id):
            await runtime.in_session_async(owner_locations.remove_location, owner_id, int(site_id))
            removed.append(True)

        self.loc_remove = ""
        result = await self._act(owner_id, work)
        if removed:
            if self.loc_target == str(site_id):
                self.loc_target, self.loc_step, self.loc_placed = "", "address", {}
            self._show_done("mylocations.removed")
        return result

"""The sign-up's location steps: an address or the phone's position, then the pin."""

from __future__ import annotations

import contextlib
import logging
import math
from typing import Any

import reflex as rx

from camshare import runtime
from camshare.services import registration
from camshare.services.errors import DomainError
from camshare.services.geography.addresses import TypedAddress
from camshare.state.join import GEOLOCATE_JS, JoinState

log = logging.getLogger(__name__)


class JoinLocationState(JoinState):
    """Placing a location: geocoding runs in the background, the page stays responsive."""

    async def _locate_in_background(self, work, *args, from_device: bool = False):
        """Run a slow locate use case without holding the state, then show its outcome.

        Geocoding may take seconds; meanwhile the page stays responsive.
        """
        error = None
        result = None
        try:
            result = await runtime.in_session_async(work, *args, pool=runtime.geocoding_pool())
        except DomainError as exc:
            error = exc
        except Exception:
            log.exception("locating failed")
            error = DomainError("error.unexpected")
        async with self:
            self._clear_errors()
            if error is not None and error.key == "error.draft_expired":
                await self._start_again_with_what_was_typed()
            elif error is not None:
                self._show_error(error)
            elif result is not None:
                self._apply(result.snapshot)
                self.notice, self.notice_after_locate = self.notice_after_locate, ""
                if from_device:
                    self.geocode_status = "device"  # the lead asks for the street address
            self.busy = False
            return self.focus_after("location")

    @rx.event(background=True)
    async def submit_address(self, form: dict[str, Any]):
        """Geocode the typed address and show the pin."""
        async with self:
            if self.busy:
                return  # one look-up at a time per resident: the geocoder is shared
            self.busy = True
            self.notice = ""
            typed = TypedAddress.from_form(form)
            self.typed.update(typed.as_dict())
            key = self.draft_key
        yield await self._locate_in_background(
            registration.locate_address,
            key,
            runtime.geocoder(),
            runtime.jurisdiction(),
            typed,
            runtime.settings().map_center_point,
        )

    @rx.event
    def use_device_location(self):
        """Ask the browser for the phone's position."""
        if self.busy:
            return None
        self._clear_errors()
        self.busy = True
        return rx.call_script(GEOLOCATE_JS, callback=JoinLocationState.got_device_location)

    @rx.event(background=True)
    async def got_device_location(self, position: dict[str, Any]):
        """Start the pin at the phone's position and look up its address."""
        async with self:
            key = self.draft_key
            try:
                lat, lon = float(position["lat"]), float(position["lon"])
            except (KeyError, TypeError, ValueError):
                # The browser refused (permission denied, no fix): typing the address works.
                self._show_error(DomainError("location.device_denied"))
                self.busy = False
                return
        yield await self._locate_in_background(
            registration.locate_device,
            key,
            runtime.geocoder(),
            runtime.jurisdiction(),
            lat,
            lon,
            from_device=True,
        )

    @rx.event
    async def move_pin(self, lat: float, lon: float):
        """The resident dragged the pin or tapped the map (the server checks it on confirm)."""
        await self._place_pin(lat, lon)

    async def _place_pin(self, lat: Any, lon: Any) -> None:
        try:
            lat, lon = float(lat), float(lon)
        except (TypeError, ValueError):
            return
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            self.pin_lat, self.pin_lon = lat, lon
            with contextlib.suppress(DomainError):
                await runtime.in_session_async(registration.move_pin, self.draft_key, lat, lon)

    @rx.event
    async def nudge_pin(self, direction: str):
        """Move the pin about 15 m with a button: the map alone cannot be used by keyboard."""
        steps = {"north": (1, 0), "south": (-1, 0), "east": (0, 1), "west": (0, -1)}
        if direction not in steps:
            return
        north, east = steps[direction]
        # 0.000135 degrees of latitude is about 15 m; longitude degrees shrink with latitude.
        lat = self.pin_lat + north * 0.000135
        lon = self.pin_lon + east * 0.000135 / max(math.cos(math.radians(self.pin_lat)), 0.1)
        await self._place_pin(lat, lon)

    @rx.event
    async def submit_pin(self, form: dict[str, Any]):
        """Accept the pin (and the address as corrected on the same screen)."""
        before = self.step
        typed = TypedAddress.from_form(form)
        self.typed.update(typed.as_dict())
        snapshot = await self._call(
            registration.confirm_pin,
            self.draft_key,
            runtime.jurisdiction(),
            self.pin_lat,
            self.pin_lon,
            typed,
        )
        if self.notice == "error.address_changed":
            # The street or ZIP code was corrected here: look it up again, stay on the pin.
            self.notice_after_locate = "error.address_changed"
            self.notice = ""
            return JoinLocationState.submit_address(form)
        await self._show(snapshot)
        return self.focus_after(before)

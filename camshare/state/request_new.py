"""A new access request: the incident, its place, the cameras in reach, then sending."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import reflex as rx

from camshare import routes, runtime
from camshare.i18n import translate
from camshare.services.access import messages, places, requests
from camshare.services.access.guardrails import RequestDraft, incident_categories
from camshare.services.access.request_texts import camera_summary, names_a_street
from camshare.services.errors import DomainError
from camshare.state.staff import StaffState, staff_event

log = logging.getLogger(__name__)
FIELDS = (
    "case_number",
    "incident_type",
    "address",
    "window_start",
    "window_end",
    "radius_m",
    "message",
    "message_template",
    *(f"blank_{name}" for name in messages.BLANK_CHOICES),
)
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def parse_local(value: str, timezone: str) -> datetime | None:
    """A datetime-local input's value, read in the agency's time zone."""
    try:
        return datetime.strptime(value.strip(), LOCAL_FORMAT).replace(tzinfo=ZoneInfo(timezone))
    except ValueError:
        return None


class NewRequestState(StaffState):
    """What the officer typed (kept as typed), the incident point and the locations found."""

    page_ready: bool = False
    typed: dict[str, str] = {}
    form_version: int = 0
    busy: bool = False
    has_point: bool = False
    # Until the officer places the incident, the map shows where maps start.
    lat: float = runtime.settings().map_center_point[0]
    lon: float = runtime.settings().map_center_point[1]
    block: str = ""
    zip_code: str = ""
    address_text: str = ""
    searched: bool = False
    candidates: list[dict[str, str]] = []
    excluded: list[str] = []
    now_local: str = ""

    @rx.var
    def categories(self) -> list[dict[str, str]]:
        """The incident categories in the page's language, emergencies marked."""
        return [
            {
                "key": key,
                "label": translate(self.lang, f"incident.{key}")
                + (" — " + translate(self.lang, "request.emergency") if emergency else ""),
            }
            for key, emergency in incident_categories(runtime.settings())
        ]

    @rx.var
    def templates(self) -> list[dict[str, str]]:
        """The message templates, labelled in the page's language."""
        return [
            {"key": key, "label": translate(self.lang, f"message.label.{key}")}
            for key in messages.TEMPLATES
        ]

    @rx.var
    def blank_choices(self) -> dict[str, list[dict[str, str]]]:
        """Each blank's choices in the page's language."""
        return {
            name: [
                {"key": key, "label": translate(self.lang, f"message.{name}.{key}")}
                for key in choices
            ]
            for name, choices in messages.BLANK_CHOICES.items()
        }

    @rx.var
    def needed_blanks(self) -> list[str]:
        """The blanks the chosen template has."""
        return list(messages.TEMPLATES.get(self.typed.get("message_template", ""), ()))

    @rx.var
    def message_preview(self) -> str:
        """The template as owners reading the page's language will see it."""
        return messages.template_text(
            self.typed.get("message_template", ""), self._blanks(), self.lang
        )

    @rx.var
    def block_names_a_street(self) -> bool:
        """Whether owners will be told a street block, or a place relative to their camera."""
        return names_a_street(self.block)

    def _blanks(self) -> dict[str, str]:
        return {
            name: self.typed.get(f"blank_{name}", "")
            for name in messages.TEMPLATES.get(self.typed.get("message_template", ""), ())
        }

    @rx.var
    def chosen(self) -> int:
        """How many locations the request will go to."""
        return len(self.candidates) - len(self.excluded)

    @rx.event
    @staff_event("request.create", page=True)
    async def load(self, actor):
        """Page load: the role check, then a form with sensible defaults."""
        settings = runtime.settings()
        now = datetime.now(ZoneInfo(settings.timezone)).replace(second=0, microsecond=0)
        self.now_local = now.strftime(LOCAL_FORMAT)
        if not self.typed:
            self.typed = {
                "case_number": "",
                "incident_type": "",
                "address": "",
                "window_start": (now - timedelta(hours=1)).strftime(LOCAL_FORMAT),
                "window_end": now.strftime(LOCAL_FORMAT),
                "radius_m": str(settings.request_default_radius_m),
                "message": "",
                "message_template": messages.DEFAULT_TEMPLATE,
            }
            self.form_version += 1
        self.page_ready = True
        return None

    @rx.event
    def remember(self, name: str, value: Any):
        """Keep what was typed in a field when it loses focus (a reload keeps it too)."""
        if name in FIELDS:
            self.typed[name] = str(value)
            if name == "radius_m":
                self.searched = False

    @rx.event
    def choose_incident(self, value: str):
        """The incident category picked from the list."""
        self.typed["incident_type"] = value

    def _draft(self) -> RequestDraft:
        settings = runtime.settings()
        try:
            radius = int(self.typed.get("radius_m") or 0)
        except ValueError:
            radius = 0
        return RequestDraft(
            case_number=self.typed.get("case_number", ""),
            incident_type=self.typed.get("incident_type", ""),
            lat=self.lat if self.has_point else None,
            lon=self.lon if self.has_point else None,
            window_start=parse_local(self.typed.get("window_start", ""), settings.timezone),
            window_end=parse_local(self.typed.get("window_end", ""), settings.timezone),
            radius_m=radius,
            message=self.typed.get("message", ""),
            message_template=self.typed.get("message_template", ""),
            message_blanks=tuple(sorted(self._blanks().items())),
            address_text=self.address_text or None,
            block=self.block or None,
            zip_code=self.zip_code or None,
        )

    async def _place(self, work, *args) -> None:
        self._clear_errors()
        try:
            place = await runtime.in_session_async(work, *args, pool=runtime.geocoding_pool())
        except DomainError as exc:
            self._show_error(exc)
            return
        self.lat, self.lon, self.has_point = place.lat, place.lon, True
        self.block, self.zip_code, self.address_text = (
            place.block,
            place.zip_code,
            place.address_text,
        )
        self.searched = False

    @rx.event
    @staff_event("request.search")
    async def look_up_address(self, actor):
        """Geocode the typed address and put the incident point there."""
        self.busy = True
        yield
        await self._place(
            places.locate_incident_address,
            runtime.geocoder(),
            self.typed.get("address", ""),
            runtime.settings(),
        )
        self.busy = False

    @rx.event
    @staff_event("request.search")
    async def point_moved(self, actor, lat: float, lon: float):
        """The point placed or dragged on the map; its block is looked up for the SMS."""
        geocoder = runtime.geocoder()
        self.lat, self.lon, self.has_point = float(lat), float(lon), True
        yield
        await self._place(places.place_incident_point, geocoder, float(lat), float(lon))

    @rx.event
    @staff_event("request.search")
    async def find_cameras(self, actor):
        """The eligible locations in the circle (no owner names or phones); audited."""
        self._clear_errors()
        try:
            sites = await runtime.in_session_async(
                requests.preview_request, actor, self._draft(), runtime.settings()
            )
        except DomainError as exc:
            self._show_error(exc)
            return self._focus_first_error()
        lang = self.lang
        self.candidates = [
            {
                "site_id": str(site.site_id),
                "lat": str(site.lat),
                "lon": str(site.lon),
                "distance": str(round(site.distance_m)),
                "zip_code": site.zip_code or "",
                "cameras": ", ".join(
                    camera_summary(lang, c.camera_kind, c.count, c.faces, c.direction)
                    for c in site.cameras
                ),
            }
            for site in sites
        ]
        self.excluded = []
        self.searched = True
        return None

    @rx.event
    def toggle_site(self, site_id: str):
        """Tick or untick one location."""
        if site_id in self.excluded:
            self.excluded = [s for s in self.excluded if s != site_id]
        else:
            self.excluded = [*self.excluded, site_id]

    @rx.event
    @staff_event("request.create")
    async def submit(self, actor):
        """Create the request for the ticked locations; its board opens."""
        self._clear_errors()
        try:
            created = await runtime.in_session_async(
                requests.create_request,
                actor,
                self._draft(),
                {int(s) for s in self.excluded},
                runtime.settings(),
            )
        except DomainError as exc:
            self._show_error(exc)
            return self._focus_first_error()
        self.typed = {}
        self.page_ready = False  # the next visit shows the form only once it is reset
        self.candidates, self.excluded, self.searched, self.has_point = [], [], False, False
        self.block = self.zip_code = self.address_text = ""
        return rx.redirect(routes.request_board_path(created.request_id))

    def _focus_first_error(self):
        if isinstance(self.errors, dict) and self.errors:
            field = next(iter(self.errors))
            return rx.call_script(f"document.getElementById('f-{field}')?.focus()")
        return None

"""The owner's own pages: signing in (SMS code or the receipt's link), then /my.

The browser keeps a random session token in an HttpOnly cookie (read here from the event
socket's handshake, never a state var); every handler turns it back into the owner on the
server, so an expired or signed-out session shows nothing.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import reflex as rx

from camshare import routes, runtime
from camshare.i18n import LANGUAGES, translate
from camshare.services.access.request_texts import camera_summary, format_moment, incident_label
from camshare.services.errors import DomainError
from camshare.services.owners import account as owner_account
from camshare.services.owners import withdrawal
from camshare.services.owners.links import manage_link_language
from camshare.session_cookies import OWNER_COOKIE
from camshare.state.base import AppState
from camshare.state.feedback import FormFeedback
from camshare.state.guard import OWNER_SIGNED_IN, guarded
from camshare.state.session import cookie_of, post_and_follow


def _hand_off(code: str):
    """Off to the hand-off route, which sets the cookie and opens /my."""
    return post_and_follow(routes.session_handoff_path("owner"), {"code": code})


def owner_event(fn):
    """Decorate an owner handler: it runs only for a signed-in owner (the cookie's session
    looked up on the server) and receives the owner's id as its first argument; anyone
    else is sent to sign in."""

    async def resolve(state: OwnerState, _permission: str):
        owner_id = await state._owner_id()
        if owner_id is None:
            return None, rx.redirect(routes.MY_SIGN_IN)
        return owner_id, None

    return guarded(OWNER_SIGNED_IN, resolve)(fn)


class OwnerState(FormFeedback, AppState):
    """Who is signed in on this phone (only the token; the rest stays on the server)."""

    def _owner_token(self) -> str:
        return cookie_of(self, OWNER_COOKIE)

    async def _owner_id(self) -> int | None:
        return await runtime.in_session_async(
            owner_account.signed_in_owner, self._owner_token(), settings=runtime.settings()
        )

    def _follow_owner_language(self, language: str) -> None:
        if self.lang_choice not in LANGUAGES:
            self.lang = language


class OwnerSignInState(OwnerState):
    """Phone number, then the code texted to it."""

    step: str = "phone"
    phone: str = ""
    page_ready: bool = False

    @rx.event
    async def load(self):
        """A signed-in owner goes straight to their page."""
        self._initial_language()
        self._clear_errors()
        if await self._owner_id() is not None:
            return rx.redirect(routes.MY)
        self.page_ready = True
        return None

    @rx.event
    async def send_code(self, form: dict[str, Any]):
        """Text a code to the number (the page says the same whether it is registered)."""
        self._clear_errors()
        self.phone = str(form.get("phone") or "")[:40]
        try:
            await runtime.in_session_async(
                owner_account.send_signin_code, self.phone, runtime.settings(), self.client_ip()
            )
        except DomainError as exc:
            self._show_error(exc)
            return
        self.step = "code"

    @rx.event
    async def check_code(self, form: dict[str, Any]):
        """Sign in with the code."""
        self._clear_errors()
        try:
            code = await runtime.in_session_async(
                owner_account.hand_off_code_sign_in,
                self.phone,
                str(form.get("code") or ""),
                runtime.settings(),
                self.client_ip(),
            )
        except DomainError as exc:
            self._show_error(exc)
            return None
        self.step = "phone"
        return _hand_off(code)

    @rx.event
    def other_number(self):
        """Back to the phone number."""
        self.step = "phone"
        self._clear_errors()


class ManageLinkState(OwnerState):
    """/manage/<token>: the receipt's link, used by a button press, never by opening."""

    link_ok: bool = False
    page_ready: bool = False

    @rx.event
    async def load(self):
        """Check the link without using it (previewers open links too)."""
        self._initial_language()
        self._clear_errors()
        try:
            language = await runtime.in_session_async(manage_link_language, self._token())
        except DomainError:
            self.link_ok = False
        else:
            self.link_ok = True
            self._follow_owner_language(language)
        self.page_ready = True

    @rx.event
    async def open(self):
        """Use the link once: signed in, on to /my."""
        try:
            code = await runtime.in_session_async(
                owner_account.hand_off_link_sign_in,
                self._token(),
                runtime.settings(),
                self.client_ip(),
            )
        except DomainError:
            self.link_ok = False
            return None
        return _hand_off(code)


class MyState(OwnerState):
    """/my: the registration, its sharing status, requests, agreement history; and actions."""

    page_ready: bool = False
    details: dict[str, str] = {}
    typed: dict[str, str] = {}
    form_version: int = 0
    sites: list[dict[str, str]] = []
    requests: list[dict[str, str]] = []
    consents: list[dict[str, str]] = []
    confirm_withdraw: bool = False
    withdrawn: bool = False
    # The camera editor: one location at a time, its rows as typed.
    editing_site: str = ""
    edit_rows: list[dict[str, str]] = []

    async def _load(self, owner_id: int) -> None:
        settings, lang = runtime.settings(), self.lang

        mine = await runtime.in_session_async(owner_account.my_registration, owner_id)
        owner = mine.owner
        self._follow_owner_language(owner.language)
        lang = self.lang
        self.details = {
            "name": owner.full_name,
            "phone": owner.phone_e164,
            "status": owner.status,
            "status_text": translate(lang, f"my.status.{owner.status}"),
            "paused_until": format_moment(owner.paused_until, lang, settings)
            if owner.paused_until
            else "",
        }
        if not self.typed:
            self.typed = {
                "full_name": owner.full_name,
                "email": owner.email or "",
                "language": owner.language,
            }
            self.form_version += 1
        self.sites = [
            {
                "id": str(loc.site_id),
                "address": loc.address,
                "zip": loc.zip_code,
                "cameras": ", ".join(camera_summary(lang, *camera) for camera in loc.cameras),
            }
            for loc in mine.locations
        ]
        self.requests = [
            {
                "incident": incident_label(r.incident_type, lang),
                "sent": format_moment(r.sent_at, lang, settings) if r.sent_at else "",
                "answer": translate(lang, f"my.answer.{r.answer or 'none'}"),
                "answered": format_moment(r.answered_at, lang, settings) if r.answered_at else "",
                "viewed": "; ".join(
                    f"{who} ({format_moment(at, lang, settings)})" for who, at in r.viewed_by
                ),
            }
            for r in mine.requests
        ]
        self.consents = [
            {
                "version": c.version,
                "accepted": format_moment(c.accepted_at, lang, settings),
                "language": c.language,
            }
            for c in mine.consents
        ]

    async def _act(self, owner_id: int, work=None):
        """Run ``work(owner_id)`` for the signed-in owner, then show the page again."""
        self._clear_errors()
        if work is not None:
            try:
                await work(owner_id)
            except DomainError as exc:
                self._show_error(exc)
        await self._load(owner_id)
        self.page_ready = True
        return None

    @rx.event
    @owner_event
    async def load(self, owner_id: int):
        """Page load: signed in, or off to sign in."""
        self._initial_language()
        self.withdrawn = self.confirm_withdraw = False
        self.typed = {}
        return await self._act(owner_id)

    @rx.event
    def remember(self, name: str, value: Any):
        """Keep what was typed."""
        if name in ("full_name", "email", "language", "until"):
            self.typed[name] = str(value)[:200]

    @rx.event
    @owner_event
    async def save_details(self, owner_id: int):
        """Change name, e-mail and language."""
        typed = dict(self.typed)

        async def work(owner_id):
            await runtime.in_session_async(
                owner_account.update_details,
                owner_id,
                typed.get("full_name", ""),
                typed.get("email", ""),
                typed.get("language", "en"),
            )
            self.lang = typed.get("language", self.lang)
            self._show_done("my.saved")

        return await self._act(owner_id, work)

    @rx.event
    @owner_event
    async def pause(self, owner_id: int):
        """Pause sharing, until the date typed if any."""
        until_text = self.typed.get("until", "")
        settings = runtime.settings()
        until = None
        if until_text:
            try:
                day = datetime.fromisoformat(until_text).date()
            except ValueError:
                self._show_error(DomainError("owner.pause_until_past", field="until"))
                return None
            until = datetime.combine(day, time.min, ZoneInfo(settings.timezone))

        async def work(owner_id):
            await runtime.in_session_async(owner_account.pause, owner_id, settings, until)
            self._show_done("my.paused_done")

        return await self._act(owner_id, work)

    @rx.event
    @owner_event
    async def resume(self, owner_id: int):
        """Share again."""

        async def work(owner_id):
            await runtime.in_session_async(owner_account.resume, owner_id, runtime.settings())
            self._show_done("my.resumed_done")

        return await self._act(owner_id, work)

    @rx.event
    def set_confirm_withdraw(self, checked: bool):
        """The box saying "yes, delete everything"."""
        self.confirm_withdraw = bool(checked)

    @rx.event
    @owner_event
    async def withdraw(self, owner_id: int):
        """Delete the owner's data now (only with the box ticked)."""
        self._clear_errors()
        if not self.confirm_withdraw:
            self._show_error(DomainError("my.withdraw_confirm_needed", field="confirm_withdraw"))
            return None
        await runtime.in_session_async(
            withdrawal.withdraw,
            owner_id,
            runtime.settings(),
            footage_storage=runtime.footage_storage(),
        )
        self.details, self.sites, self.requests, self.consents, self.typed = {}, [], [], [], {}
        self.withdrawn = True
        return None

    @rx.event
    def sign_out(self):
        """End this phone's session: the sign-out route revokes it and clears the cookie."""
        return post_and_follow(routes.session_sign_out_path("owner"))

    @rx.event
    @owner_event
    async def edit_cameras(self, owner_id: int, site_id: str):
        """Open the camera editor for one of the owner's locations."""
        self._clear_errors()
        try:
            self.edit_rows = await runtime.in_session_async(
                owner_account.site_camera_rows, owner_id, int(site_id)
            )
        except (DomainError, ValueError):
            self._show_error(DomainError("owner.site_not_found"))
            return None
        self.editing_site = site_id
        return None

    @rx.event
    def set_row(self, index: int, field: str, value: str):
        """One field of one camera row, as chosen."""
        if 0 <= index < len(self.edit_rows) and field in self.edit_rows[index]:
            self.edit_rows[index][field] = str(value)[:20]

    @rx.event
    def add_row(self):
        """One more row of cameras."""
        self.edit_rows.append(
            {
                "camera_kind": "",
                "count": "1",
                "faces": "",
                "direction": "",
                "recording": "",
                "retention_days": "30",
            }
        )

    @rx.event
    def remove_row(self, index: int):
        """Drop a row."""
        if 0 <= index < len(self.edit_rows):
            self.edit_rows.pop(index)

    @rx.event
    def cancel_edit(self):
        """Close the editor without saving."""
        self.editing_site, self.edit_rows = "", []
        self._clear_errors()

    @rx.event
    @owner_event
    async def save_cameras(self, owner_id: int):
        """Save the rows; each problem shows under its field."""
        site_id, rows = self.editing_site, [dict(r) for r in self.edit_rows]
        saved: list[bool] = []

        async def work(owner_id):
            await runtime.in_session_async(
                owner_account.save_site_cameras, owner_id, int(site_id), rows
            )
            saved.append(True)

        result = await self._act(owner_id, work)
        if saved:
            self.editing_site, self.edit_rows = "", []
            self._show_done("my.cameras_saved")
        return result

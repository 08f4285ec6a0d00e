"""Staff sign-in: password first, then a TOTP code (or enrolling an authenticator app).

The half-done sign-in (password accepted, code next) is a backend-only var, so it stays on
the server; once signed in, the session reaches the browser only as an HttpOnly cookie set
by the hand-off route (``camshare.api_sessions``).
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from camshare import routes, runtime
from camshare.services.errors import DomainError
from camshare.services.staff import sessions
from camshare.state.session import post_and_follow
from camshare.state.staff import StaffState


class SignInState(StaffState):
    """Where the sign-in stands: "password", "totp" or "enrol"."""

    page_ready: bool = False
    step: str = "password"
    busy: bool = False
    enrol_qr: str = ""
    enrol_secret: str = ""
    typed_username: str = ""
    # The session of a half-done sign-in (password accepted, code next): server-side only.
    _pending_token: str = ""

    @rx.event
    async def load(self):
        """Page load: an already signed-in member goes on; a half-done sign-in resumes."""
        self._initial_language()
        self._clear_errors()
        self.page_ready = True
        if await self._actor() is not None:
            return rx.redirect(self._next())
        step = await runtime.in_session_async(sessions.pending_step, self._pending_token)
        self.step = step or "password"
        if self.step == "enrol":
            await self._show_enrolment()
        return None

    def _next(self) -> str:
        return routes.safe_staff_next(self._page_value("next"))

    def _hand_off(self, code: str):
        """Off to the hand-off route, which sets the cookie and opens the next page."""
        self._pending_token = ""
        self.enrol_qr = self.enrol_secret = ""
        return post_and_follow(
            routes.session_handoff_path("staff"), {"code": code, "next": self._next()}
        )

    async def _show_enrolment(self) -> None:
        enrolment = await runtime.in_session_async(
            sessions.begin_enrolment, self._pending_token, settings=runtime.settings()
        )
        self.enrol_qr, self.enrol_secret = enrolment.qr_data_uri, enrolment.secret

    @rx.event
    async def submit_password(self, form: dict[str, Any]):
        """Check the username and password; then ask for the code if the role needs one."""
        self._clear_errors()
        self.typed_username = str(form.get("username") or "").strip()
        try:
            done = await runtime.in_session_async(
                sessions.sign_in_and_hand_off,
                self.typed_username,
                str(form.get("password") or ""),
                ip_address=self.client_ip(),
                user_agent=self.user_agent(),
                settings=runtime.settings(),
            )
        except DomainError as exc:
            self._show_error(exc)
            return None
        if done.handoff:
            return self._hand_off(done.handoff)
        self._pending_token = done.step.token
        self.step = done.step.next_step
        if self.step == "enrol":
            await self._show_enrolment()
        return rx.call_script("setTimeout(() => document.getElementById('f-code')?.focus(), 50)")

    @rx.event
    async def submit_code(self, form: dict[str, Any]):
        """Check the authenticator's code; signed in when it is right."""
        self._clear_errors()
        try:
            handoff = await runtime.in_session_async(
                sessions.confirm_totp_and_hand_off,
                self._pending_token,
                str(form.get("code") or ""),
                runtime.settings(),
            )
        except DomainError as exc:
            self._show_error(exc)
            if exc.key in ("signin.expired", "signin.locked"):
                self.step = "password"
            return None
        return self._hand_off(handoff)

    @rx.event
    def start_again(self):
        """Back to the password step (another account, or a lost phone)."""
        self._pending_token = ""
        self.step = "password"
        self._clear_errors()

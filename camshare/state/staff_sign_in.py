"""Staff sign-in: password first, then a TOTP code (or enrolling an authenticator app)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from camshare import routes, runtime
from camshare.services.errors import DomainError
from camshare.services.staff import sessions
from camshare.state.staff import StaffState


def _safe_next(path: str | None) -> str:
    """Only a staff page of this site is a place to go after signing in."""
    if path and path.startswith("/staff") and "//" not in path and path != routes.STAFF_SIGN_IN:
        return path
    return routes.STAFF_HOME


class SignInState(StaffState):
    """Where the sign-in stands: "password", "totp" or "enrol"."""

    page_ready: bool = False
    step: str = "password"
    busy: bool = False
    enrol_qr: str = ""
    enrol_secret: str = ""
    typed_username: str = ""

    @rx.event
    async def load(self):
        """Page load: an already signed-in member goes on; a half-done sign-in resumes."""
        self._initial_language()
        self._clear_errors()
        self.page_ready = True
        if await self._actor() is not None:
            return rx.redirect(self._next())
        step = await runtime.in_session_async(sessions.pending_step, self.session_token)
        self.step = step or "password"
        if self.step == "enrol":
            await self._show_enrolment()
        return None

    def _next(self) -> str:
        return _safe_next(self.router.page.params.get("next"))

    async def _show_enrolment(self) -> None:
        enrolment = await runtime.in_session_async(
            sessions.begin_enrolment, self.session_token, settings=runtime.settings()
        )
        self.enrol_qr, self.enrol_secret = enrolment.qr_data_uri, enrolment.secret

    @rx.event
    async def submit_password(self, form: dict[str, Any]):
        """Check the username and password; then ask for the code if the role needs one."""
        self._clear_errors()
        self.typed_username = str(form.get("username") or "").strip()
        try:
            step = await runtime.in_session_async(
                sessions.sign_in,
                self.typed_username,
                str(form.get("password") or ""),
                ip_address=self.client_ip(),
                user_agent=self.user_agent(),
                settings=runtime.settings(),
            )
        except DomainError as exc:
            self._show_error(exc)
            return None
        self.session_token = step.token
        if step.next_step == "done":
            return rx.redirect(self._next())
        self.step = step.next_step
        if self.step == "enrol":
            await self._show_enrolment()
        return rx.call_script("setTimeout(() => document.getElementById('f-code')?.focus(), 50)")

    @rx.event
    async def submit_code(self, form: dict[str, Any]):
        """Check the authenticator's code; signed in when it is right."""
        self._clear_errors()
        try:
            await runtime.in_session_async(
                sessions.confirm_totp,
                self.session_token,
                str(form.get("code") or ""),
                settings=runtime.settings(),
            )
        except DomainError as exc:
            self._show_error(exc)
            if exc.key in ("signin.expired", "signin.locked"):
                self.step = "password"
            return None
        self.enrol_qr = self.enrol_secret = ""
        return rx.redirect(self._next())

    @rx.event
    def start_again(self):
        """Back to the password step (another account, or a lost phone)."""
        self.session_token = ""
        self.step = "password"
        self._clear_errors()

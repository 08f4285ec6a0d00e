"""The signed-in staff member, checked on the server at every staff event.

The browser holds only a random session token (an HttpOnly cookie, read here from the
event socket's handshake, never a state var); every page load and every staff event
handler resolves it to an Actor through the sessions use case, which
refuses an expired, revoked or disabled session at once. Pages never decide access:
every staff handler is decorated with ``@staff_event("<permission>")``, which refuses
(sign-in redirect, or the page marked forbidden) or passes the Actor to the handler; the
use cases check the role again.
"""

from __future__ import annotations

import reflex as rx

from camshare import routes, runtime
from camshare.services.errors import DomainError
from camshare.services.permissions import Actor, Forbidden, may
from camshare.services.staff.accounts import set_own_language
from camshare.services.staff.sessions import resolve_session
from camshare.session_cookies import STAFF_COOKIE
from camshare.state.base import AppState
from camshare.state.feedback import FormFeedback
from camshare.state.guard import guarded
from camshare.state.session import cookie_of, post_and_follow


def staff_event(permission: str, *, page: bool = False):
    """Decorate a staff handler: it runs only for a signed-in member whose role allows
    ``permission``, and receives that Actor as its first argument.

    Not signed in: a redirect to sign-in (back here after). Wrong role: the page is marked
    forbidden. ``page=True`` is a page load's flavour: it also picks the language and clears
    what the page showed before the check.
    """

    async def resolve(state: StaffState, action: str):
        if page:
            state._initial_language()
            state.forbidden = False
            state._clear_errors()
        try:
            return await state._require(action), None
        except (NotSignedIn, Forbidden) as exc:
            return None, state._refused(exc)

    return guarded(permission, resolve)


class NotSignedIn(Exception):
    """The staff session is missing or no longer valid."""


class StaffState(FormFeedback, AppState):
    """Who is signed in, for the header; the token itself is only ever checked server-side."""

    staff_name: str = ""
    staff_role: str = ""
    # Set when the signed-in role may not see this page: the page says so, shows nothing.
    # (Each page's own state has a ``page_ready`` flag: a shared one would show a page's
    # form before its load ran, and the load would then wipe what was typed.)
    forbidden: bool = False

    @rx.var
    def can(self) -> dict[str, bool]:
        """Which links the header offers (display only: handlers check again)."""
        return {
            action: may(self.staff_role, action)
            for action in (
                "request.create",
                "request.view",
                "footage.view",
                "staff.manage",
                "audit.view",
                "campaign.manage",
                "dashboard.view",
                "dashboard.export_personal",
                "agreement.publish",
            )
        }

    def _session_token(self) -> str:
        return cookie_of(self, STAFF_COOKIE)

    async def _actor(self) -> Actor | None:
        settings = runtime.settings()
        return await runtime.in_session_async(
            resolve_session,
            self._session_token(),
            settings=settings,
            ip_address=self.client_ip(),
        )

    async def _require(self, action: str) -> Actor:
        """The signed-in staff member allowed ``action``; raises NotSignedIn or Forbidden."""
        actor = await self._actor()
        if actor is None:
            self.staff_name = self.staff_role = ""
            raise NotSignedIn
        # Assigned only when they change: every assignment is a delta and a state write,
        # and a board asks here every second.
        if (self.staff_name, self.staff_role) != (actor.username, actor.role):
            self.staff_name, self.staff_role = actor.username, actor.role
        if not may(actor.role, action):
            raise Forbidden(action)
        return actor

    def _refused(self, exc: Exception):
        """What a handler returns when the session or role does not allow its work."""
        if isinstance(exc, NotSignedIn):
            path = self._page_path() or routes.STAFF_HOME
            return rx.redirect(f"{routes.STAFF_SIGN_IN}?next={path}")
        self.forbidden = True
        if isinstance(exc, DomainError):
            self._show_error(exc)
        return None

    async def _open_form(self, actor: Actor, blank: dict[str, str], refresh) -> None:
        """A form page's load after its check: a blank form the first time (what was typed
        stays across visits), then ``refresh(actor)``; the page shows once it is ready."""
        if not self.typed:
            self.typed = dict(blank)
            self.form_version += 1
        await refresh(actor)
        self.page_ready = True

    async def _perform(self, actor: Actor, work=None, refresh=None):
        """An event's work as ``actor``: ``work(actor)``, then ``refresh(actor)``; errors
        are shown."""
        self._clear_errors()
        try:
            if work is not None:
                await work(actor)
        except DomainError as exc:
            self._show_error(exc)
        if refresh is not None:
            await refresh(actor)
        return None

    @rx.event
    async def switch_language(self, lang: str) -> None:
        """Switch the staff pages to ``lang``; for a signed-in member, keep it on the
        account too, so the texts sent to them (an emergency notice) are in it."""
        self._switch_language(lang)
        actor = await self._actor()
        if actor is not None:
            await runtime.in_session_async(set_own_language, actor, lang)

    @rx.event
    def sign_out(self):
        """End this session: the sign-out route revokes it and clears the cookie."""
        self.staff_name = self.staff_role = ""
        return post_and_follow(routes.session_sign_out_path("staff"))

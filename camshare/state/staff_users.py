"""Staff accounts for admins: the list with its per-row actions, and the new-account form."""

from __future__ import annotations

import contextlib
from typing import Any

import reflex as rx

from camshare import runtime
from camshare.i18n import translate
from camshare.services.access.request_texts import format_moment
from camshare.services.permissions import ROLES
from camshare.services.staff import accounts
from camshare.state.staff import StaffState, staff_event

# What the form keeps while the admin works. Never the password: a public state var is
# synced to the browser and kept there, so the password is read from the submitted form
# and dropped after the one call that uses it.
FIELDS = ("username", "display_name", "role", "phone_e164")


def _user_row(summary: accounts.StaffSummary, lang: str) -> dict[str, str]:
    settings = runtime.settings()
    return {
        "id": str(summary.id),
        "username": summary.username,
        "display_name": summary.display_name,
        "role": translate(lang, f"users.role.{summary.role}"),
        "disabled": "1" if summary.disabled else "",
        "locked": "1" if summary.locked else "",
        "totp": "1" if summary.totp_enrolled else "",
        "last_login": format_moment(summary.last_login_at, lang, settings)
        if summary.last_login_at
        else translate(lang, "users.never"),
    }


class StaffUsersState(StaffState):
    """Every staff account, and what the admin typed for a new one (kept on error)."""

    page_ready: bool = False
    rows: list[dict[str, str]] = []
    typed: dict[str, str] = {}
    form_version: int = 0

    @rx.var
    def role_options(self) -> list[dict[str, str]]:
        """The roles an account may have, named in the page's language."""
        return [{"value": r, "label": translate(self.lang, f"users.role.{r}")} for r in ROLES]

    async def _refresh(self, actor) -> None:
        summaries = await runtime.in_session_async(accounts.list_staff, actor)
        self.rows = [_user_row(s, self.lang) for s in summaries]

    @rx.event
    @staff_event("staff.manage", page=True)
    async def load(self, actor):
        """Page load: the role check on the server, then the accounts."""
        return await self._open_form(actor, dict.fromkeys(FIELDS, ""), self._refresh)

    @rx.event
    def remember(self, name: str, value: Any):
        """Keep what was typed in a field when it loses focus."""
        if name in FIELDS:
            self.typed[name] = str(value)[:256]

    @rx.event
    def choose_role(self, value: str):
        """The role picked from the list."""
        self.typed["role"] = value

    async def _act(self, actor, work) -> Any:
        """Run ``work(actor)``, refresh the list."""
        return await self._perform(actor, work, self._refresh)

    @rx.event
    @staff_event("staff.manage")
    async def create(self, actor, form: dict[str, Any]):
        """Create the account submitted; on error each field shows its message, the other
        fields stay typed and the password field is blank, asking for it again."""
        typed = {name: str(form.get(name, self.typed.get(name, "")))[:256] for name in FIELDS}
        password = str(form.get("password") or "")
        self.typed = typed
        created: list[str] = []

        async def work(actor):
            user = await runtime.in_session_async(
                accounts.add_staff_account,
                actor,
                typed["username"],
                typed["display_name"],
                typed["role"],
                password,
                phone_e164=typed["phone_e164"] or None,
                settings=runtime.settings(),
            )
            created.append(user.username)

        result = await self._act(actor, work)
        if created:
            self.typed = dict.fromkeys(FIELDS, "")
            self._show_done("users.created", username=created[0])
        elif self.errors or self.notice:
            self.errors = {"password": "users.password_again", **self.errors}
        self.form_version += 1  # re-mounted: the password field is blank again
        return result

    async def _on_row(self, actor, use_case, user_id: str, *args) -> Any:
        target = 0
        with contextlib.suppress(TypeError, ValueError):
            target = int(user_id)

        async def work(actor):
            await runtime.in_session_async(use_case, actor, target, *args)

        return await self._act(actor, work)

    @rx.event
    @staff_event("staff.manage")
    async def disable(self, actor, user_id: str):
        """Disable an account: its sessions end at once."""
        return await self._on_row(actor, accounts.set_disabled, user_id, True)

    @rx.event
    @staff_event("staff.manage")
    async def enable(self, actor, user_id: str):
        """Let a disabled account sign in again."""
        return await self._on_row(actor, accounts.set_disabled, user_id, False)

    @rx.event
    @staff_event("staff.manage")
    async def unlock(self, actor, user_id: str):
        """End a lock after too many failed sign-ins."""
        return await self._on_row(actor, accounts.unlock, user_id)

    @rx.event
    @staff_event("staff.manage")
    async def reset_totp(self, actor, user_id: str):
        """Forget the account's authenticator: they enrol again at next sign-in."""
        return await self._on_row(actor, accounts.reset_totp, user_id)

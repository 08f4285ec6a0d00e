"""/my's live-view section: pairing a bridge, the owner's bridges and cameras, every live
share with who watched and for how long, "Stop sharing now", and standing consent."""

from __future__ import annotations

import reflex as rx

from camshare import runtime
from camshare.i18n import translate
from camshare.services.access.request_texts import format_moment, incident_label
from camshare.services.errors import DomainError
from camshare.services.live import devices, overview, shares
from camshare.state.owner import OwnerState, owner_event


def _watcher(lang: str, role: str, minutes: int) -> str:
    who = translate(lang, f"custody.role.{role}")
    return translate(lang, "live.my.watcher", role=who, count=minutes)


class MyLiveState(OwnerState):
    """The signed-in owner's live view, as text in the page's language."""

    bridges: list[dict[str, str]] = []
    bridge_cameras: list[dict[str, str]] = []
    live_shares: list[dict[str, str]] = []
    any_running: bool = False
    # Shown once, right after "Add a live-view device"; it works once, for 15 minutes.
    pairing_code: str = ""
    pairing_until: str = ""
    # The bridge whose "Remove this device" waits for its confirmation.
    revoke_target: str = ""
    standing_radius: str = ""
    radius_choice: str = str(shares.STANDING_RADII[0])
    radii: list[str] = [str(r) for r in shares.STANDING_RADII]

    async def _refresh(self, owner_id: int) -> None:
        settings, lang, now = runtime.settings(), self.lang, runtime.now()
        found = await runtime.in_session_async(devices.devices_for_owner, owner_id)
        self.bridges = [
            {
                "id": str(d.device_id),
                "name": d.name,
                "seen": format_moment(d.last_seen_at, lang, settings) if d.last_seen_at else "-",
            }
            for d in found
        ]
        self.bridge_cameras = [
            {
                "bridge": d.name,
                "name": c.name,
                "status": c.status,
                "status_text": translate(lang, f"live.camera_status.{c.status}"),
            }
            for d in found
            for c in d.cameras
        ]
        listed = await runtime.in_session_async(overview.owner_shares, owner_id, now)
        self.live_shares = [
            {
                "case": s.case_number,
                "incident": incident_label(s.incident_type, lang),
                "camera": s.camera_name,
                "from": format_moment(s.starts_at, lang, settings),
                "to": format_moment(s.ends_at, lang, settings),
                "state": translate(lang, "live.my.running")
                if s.active
                else translate(lang, f"live.my.ended_{s.ended_by or 'expiry'}"),
                "watched": ", ".join(
                    translate(
                        lang,
                        "live.my.watcher",
                        role=translate(lang, f"custody.role.{role}"),
                        count=m,
                    )
                    for role, m in s.watchers
                )
                or translate(lang, "live.my.nobody_watched"),
            }
            for s in listed
        ]
        self.any_running = any(s.active for s in listed)
        standing = await runtime.in_session_async(shares.standing_consent_for, owner_id)
        self.standing_radius = str(standing.radius_m) if standing else ""

    @rx.event
    @owner_event
    async def load(self, owner_id: int):
        """The section appears: the owner's bridges, shares and standing consent."""
        self.pairing_code = self.revoke_target = ""
        await self._refresh(owner_id)

    @rx.event
    @owner_event
    async def add_device(self, owner_id: int):
        """A new one-time pairing code (older unused ones stop working)."""
        code = await runtime.in_session_async(devices.issue_pairing_code, owner_id, runtime.now())
        self.pairing_code = code.code
        self.pairing_until = format_moment(code.expires_at, self.lang, runtime.settings())

    @rx.event
    @owner_event
    async def ask_revoke(self, owner_id: int, device_id: str):
        """ "Remove this device": asks to confirm first."""
        self.revoke_target = device_id

    @rx.event
    @owner_event
    async def keep_device(self, owner_id: int):
        """The owner changed their mind."""
        self.revoke_target = ""

    @rx.event
    @owner_event
    async def revoke(self, owner_id: int, device_id: str):
        """Unpair one bridge, confirmed: it can push nothing more, its shares end now."""
        self.revoke_target = ""
        await runtime.in_session_async(
            devices.revoke_device, runtime.settings(), owner_id, int(device_id), runtime.now()
        )
        await self._refresh(owner_id)

    @rx.event
    @owner_event
    async def stop_all(self, owner_id: int):
        """ "Stop sharing now": every live share of the owner ends at once."""
        await runtime.in_session_async(
            shares.stop_all_for_owner, runtime.settings(), owner_id, runtime.now(), "my"
        )
        await self._refresh(owner_id)

    @rx.event
    @owner_event
    async def set_radius_choice(self, owner_id: int, value: str):
        """The distance chosen for standing consent."""
        self.radius_choice = value

    @rx.event
    @owner_event
    async def give_standing(self, owner_id: int):
        """Turn standing consent on (emergencies within the chosen distance only)."""
        self._clear_errors()
        try:
            await runtime.in_session_async(
                shares.give_standing_consent,
                owner_id,
                int(self.radius_choice or 0),
                runtime.now(),
                self.client_ip(),
            )
        except (DomainError, ValueError) as exc:
            if isinstance(exc, DomainError):
                self._show_error(exc)
            return
        await self._refresh(owner_id)

    @rx.event
    @owner_event
    async def withdraw_standing(self, owner_id: int):
        """Turn standing consent off."""
        await runtime.in_session_async(
            shares.withdraw_standing_consent, owner_id, runtime.now(), self.client_ip()
        )
        await self._refresh(owner_id)

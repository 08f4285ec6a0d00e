"""The footage panel of a request's board: files as they arrive, play, download, decide.

Kept apart from ``BoardState``: its own tick sends the server the stamps of the rows it
shows and changes only rows that changed (nothing at all when nothing did), so an open
board stays cheap however many files it holds.
"""

from __future__ import annotations

import hashlib
import logging

import reflex as rx

from camshare import routes, runtime
from camshare.i18n import translate
from camshare.services.access.request_texts import format_moment
from camshare.services.errors import DomainError
from camshare.services.footage import panel, triage, viewing
from camshare.services.permissions import Forbidden
from camshare.state.staff import StaffState, staff_event

log = logging.getLogger(__name__)


def size_label(size: int, lang: str) -> str:
    """A file size people read: "812 KB", "1.4 GB"."""
    value, unit = float(size), "B"
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            break
        value /= 1000
    text = f"{value:.0f}" if unit in ("B", "KB") or value >= 100 else f"{value:.1f}"
    return f"{text.replace('.', ',') if lang == 'es' else text} {unit}"


def duration_label(seconds: float | None) -> str:
    """ "1:05" for 65 seconds; "" when unknown."""
    if seconds is None:
        return ""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def footage_row(row: panel.FootageRow, lang: str) -> dict[str, str]:
    """What the page shows of one file (plain strings)."""
    settings = runtime.settings()
    return {
        "id": str(row.file_id),
        "name": row.original_name,
        "caption": row.caption or "",
        "status": row.status,
        "status_label": translate(lang, f"custody.status.{row.status}"),
        "size": size_label(row.size_bytes, lang),
        "duration": duration_label(row.duration_seconds),
        "received": format_moment(row.received_at, lang, settings) if row.received_at else "",
        "sha256": row.sha256 or "",
        # The stamp in the address: a new thumbnail is fetched anew, an unchanged one is not
        # (a stable digest: Python's hash() differs between the web workers).
        "thumbnail": f"{routes.footage_thumbnail_path(row.file_id)}?v={_digest(row.stamp)}"
        if row.has_thumbnail
        else "",
        "playable": "1" if row.playable else "",
        "preview_pending": "1" if row.preview_pending else "",
        "needs_player": "1" if row.needs_player else "",
        "hold": row.hold_reason or "",
        "on_behalf": "1" if row.on_behalf else "",
        "delete_after": format_moment(row.delete_after, lang, settings) if row.delete_after else "",
    }


class RequestFootageState(StaffState):
    """The files owners sent for the request on screen, and what the member may do."""

    page_ready: bool = False
    files: list[dict[str, str]] = []
    may: dict[str, bool] = {}
    # The file playing, and its signed short-lived address.
    player_id: str = ""
    player_src: str = ""
    hold_reason: str = ""
    grant_username: str = ""
    grant_level: str = ""
    grants: list[dict[str, str]] = []
    # Owners who approved (id, distance), and the one an officer uploads for ("<req>:<rec>").
    pickup_choices: list[dict[str, str]] = []
    pickup_target: str = ""
    # The largest file the server takes (for the uploader's early message; checked again).
    max_bytes: str = ""
    # file id -> stamp of the row on screen: the server's side of "only what changed".
    _stamps: dict[int, str] = {}

    async def _refresh(self, actor, everything: bool = False) -> None:
        known = {} if everything else dict(self._stamps)
        found = await runtime.in_session_async(
            panel.footage_panel, actor, self._request_id(), known
        )
        may = {
            "download": found.may_download,
            "triage": found.may_triage,
            "hold": found.may_hold,
            "export": found.may_export,
            "grant": found.may_grant,
            "upload": found.may_upload,
        }
        if may != self.may:
            self.may = may
        if everything:
            self.files, self._stamps = [], {}
            self.max_bytes = str(runtime.settings().footage_max_file_bytes)
            self.pickup_choices = [
                {"id": str(recipient_id), "distance": str(distance)}
                for recipient_id, distance in found.pickup_for
            ]
        if not found.changed and not found.gone:
            return
        index = {row["id"]: i for i, row in enumerate(self.files)}
        files = list(self.files)
        for row in found.changed:
            shown = footage_row(row, self.lang)
            if shown["id"] in index:
                files[index[shown["id"]]] = shown
            else:
                files.append(shown)
            self._stamps[row.file_id] = row.stamp
        gone = {str(i) for i in found.gone}
        for file_id in found.gone:
            self._stamps.pop(file_id, None)
        self.files = [f for f in files if f["id"] not in gone]

    async def _act(self, actor, work=None):
        self._clear_errors()
        try:
            if work is not None:
                await work(actor)
            await self._refresh(actor)
        except Forbidden:
            self.may, self.files, self._stamps = {}, [], {}
        except DomainError as exc:
            self._show_error(exc)
        self.page_ready = True
        return None

    async def _open(self, actor):
        self.player_id = self.player_src = ""
        refusal = None
        try:
            await self._refresh(actor, everything=True)
        except Forbidden as exc:
            self.may, self.files, self._stamps = {}, [], {}
            refusal = exc
        except DomainError as exc:
            self._show_error(exc)
        self.page_ready = True
        return refusal

    @rx.event
    @staff_event("footage.view")
    async def load(self, actor):
        """The board's panel appears: every file, after the role and the request's check."""
        await self._open(actor)
        return None

    @rx.event
    @staff_event("footage.view", page=True)
    async def open_page(self, actor):
        """The footage page's load: staff added to a request see its footage, not its board."""
        refusal = await self._open(actor)
        return None if refusal is None else self._refused(refusal)

    @rx.event
    @staff_event("footage.view")
    async def tick(self, actor):
        """Every few seconds while the board is open: new files and changed rows only."""
        if not self.page_ready or not self.may:
            return None
        try:
            await self._refresh(actor)
        except DomainError:
            log.debug("footage refresh refused", exc_info=True)
        return None

    async def _link(self, actor, file_id: str, purpose: str) -> str:
        settings = runtime.settings()
        link = await runtime.in_session_async(
            viewing.make_link,
            actor,
            int(file_id),
            purpose,
            settings.secret_key,
            settings.footage_read_link_seconds / 60,
        )
        return routes.footage_link_path(link.token)

    @rx.event
    @staff_event("footage.view")
    async def play(self, actor, file_id: str):
        """Play one file here (the view is logged); the link works minutes, for this member."""

        async def work(actor):
            self.player_src = await self._link(actor, file_id, "play")
            self.player_id = file_id

        return await self._act(actor, work)

    @rx.event
    @staff_event("footage.view")
    async def download(self, actor, file_id: str):
        """Download the original, bit for bit (logged when the bytes are fetched)."""
        self._clear_errors()
        try:
            path = await self._link(actor, file_id, "download")
        except DomainError as exc:
            self._show_error(exc)
            return None
        return rx.download(url=path)

    async def _decide(self, actor, file_id: str, decision: str):
        async def work(actor):
            await runtime.in_session_async(
                triage.decide, actor, int(file_id), decision, runtime.settings()
            )

        return await self._act(actor, work)

    @rx.event
    @staff_event("footage.triage")
    async def accept(self, actor, file_id: str):
        """Accept one file into evidence."""
        return await self._decide(actor, file_id, "accepted")

    @rx.event
    @staff_event("footage.triage")
    async def decline(self, actor, file_id: str):
        """Decline one file (it is deleted with the unaccepted ones)."""
        return await self._decide(actor, file_id, "declined")

    @rx.event
    def remember(self, name: str, value: str):
        """Keep what was typed or chosen (a hold's reason, a grant) in this tab only."""
        value = str(value)
        if name == "hold_reason":
            self.hold_reason = value[: triage.HOLD_REASON_MAX + 1]
        elif name == "grant_username":
            self.grant_username = value[:64]
        elif name == "grant_level":
            self.grant_level = value if value in ("view", "download") else ""
        elif name == "pickup_recipient":
            # Display only: the tus hook checks the officer and the owner's answer again.
            known = {c["id"] for c in self.pickup_choices}
            self.pickup_target = f"{self._request_id()}:{value}" if value in known else ""

    @rx.event
    @staff_event("footage.hold")
    async def hold(self, actor, file_id: str):
        """A supervisor's legal hold, with the reason typed."""
        reason = self.hold_reason

        async def work(actor):
            await runtime.in_session_async(
                triage.hold, actor, int(file_id), reason, runtime.settings()
            )
            self.hold_reason = ""

        return await self._act(actor, work)

    @rx.event
    @staff_event("footage.hold")
    async def release(self, actor, file_id: str):
        """End a hold: the file's deletion is scheduled again."""

        async def work(actor):
            await runtime.in_session_async(triage.release, actor, int(file_id), runtime.settings())

        return await self._act(actor, work)

    async def _load_grants(self, actor) -> None:
        rows = await runtime.in_session_async(triage.grants, actor, self._request_id())
        self.grants = [
            {
                "username": r.username,
                "name": r.display_name,
                "grant": r.grant,
                "label": translate(self.lang, f"custody.grant.{r.grant}"),
            }
            for r in rows
        ]

    @rx.event
    @staff_event("footage.view")
    async def show_grants(self, actor):
        """Who was added to this request's footage (for those who may add)."""
        return await self._act(actor, self._load_grants)

    @rx.event
    @staff_event("footage.view")
    async def add_grant(self, actor):
        """Add a police member to this request's footage; granting again changes the level."""
        username, level = self.grant_username, self.grant_level or None

        async def work(actor):
            await runtime.in_session_async(
                triage.grant, actor, self._request_id(), username, level, runtime.settings()
            )
            self.grant_username = ""
            await self._load_grants(actor)

        return await self._act(actor, work)

    @rx.event
    @staff_event("footage.view")
    async def remove_grant(self, actor, username: str):
        """Take a member off this request's footage: their links stop working at once."""

        async def work(actor):
            await runtime.in_session_async(triage.revoke, actor, self._request_id(), username)
            await self._load_grants(actor)

        return await self._act(actor, work)

    @rx.event
    @staff_event("footage.export")
    async def export(self, actor):
        """The case-file archive of the accepted files (checked again by its route)."""
        self._clear_errors()
        return rx.download(url=routes.footage_export_path(self._request_id(), self.lang))

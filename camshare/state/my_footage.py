"""/my: the footage the owner sent and what happened to each file afterwards."""

from __future__ import annotations

import reflex as rx

from camshare import runtime
from camshare.i18n import translate
from camshare.services.access.request_texts import format_moment, incident_label
from camshare.services.footage.afterwards import OwnerFile, owner_footage
from camshare.state.owner import OwnerState, owner_event
from camshare.state.request_footage import size_label


def _uses(counts: tuple[tuple[str, int], ...], key: str, lang: str) -> str:
    if not counts:
        return translate(lang, f"custody.my_{key}_never")
    return "; ".join(
        translate(lang, f"custody.my_{key}", n=n, role=translate(lang, f"custody.role.{role}"))
        for role, n in counts
    )


def my_file(file: OwnerFile, lang: str) -> dict[str, str]:
    """What /my shows of one file (plain strings)."""
    settings = runtime.settings()
    if file.deleted_at:
        deletion = translate(
            lang, "custody.my_deleted_on", when=format_moment(file.deleted_at, lang, settings)
        )
    elif file.delete_after:
        deletion = translate(
            lang, "custody.my_deleted_after", when=format_moment(file.delete_after, lang, settings)
        )
    elif file.status == "refused":
        deletion = translate(lang, "custody.my_refused_deleted")
    else:
        deletion = translate(lang, "custody.my_deletion_pending")
    status = translate(lang, f"custody.my_status.{file.status}")
    if file.status == "refused" and file.refusal_reason:
        status = f"{status}: {translate(lang, file.refusal_reason)}"
    return {
        "id": str(file.file_id),
        "name": file.original_name,
        "incident": incident_label(file.incident_type, lang),
        "size": size_label(file.size_bytes, lang),
        "received": format_moment(file.received_at, lang, settings) if file.received_at else "",
        "sha256": file.sha256 or "",
        "status": file.status,
        "status_label": status,
        "views": _uses(file.views, "viewed", lang),
        "downloads": _uses(file.downloads, "downloaded", lang),
        "deletion": deletion,
    }


class MyFootageState(OwnerState):
    """The signed-in owner's files, as text in the page's language."""

    my_files: list[dict[str, str]] = []

    @rx.event
    @owner_event
    async def load(self, owner_id: int):
        """The section appears: the owner's files (their own only, found by the session)."""
        files = await runtime.in_session_async(owner_footage, owner_id)
        self.my_files = [my_file(f, self.lang) for f in files]

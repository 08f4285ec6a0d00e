"""Agreement versions for admins: the current one, every earlier one, publishing a new one."""

from __future__ import annotations

from typing import Any

import reflex as rx

from camshare import runtime
from camshare.i18n import LANGUAGES, plural
from camshare.services.access.request_texts import format_moment
from camshare.services.agreements import consent_history, publishing
from camshare.services.owners import reconsent_requests
from camshare.state.staff import StaffState, staff_event

LANG_FIELDS = ("title", "summary", "body", "change")
FIELDS = ("version", *(f"{lang}_{name}" for lang in LANGUAGES for name in LANG_FIELDS))
# Owners asked per transaction after publishing (see services/owners/reconsent_requests.py).
ASK_BATCH = 500
TYPED_MAX = publishing.BODY_MAX + 1000


def _version_row(version: consent_history.PublishedVersion, lang: str) -> dict[str, str]:
    return {
        "version": version.version,
        "published_at": format_moment(version.published_at, lang, runtime.settings()),
        "title": version.titles.get(lang) or version.titles.get("en", ""),
        "change_en": version.change_summaries.get("en", ""),
        "change_es": version.change_summaries.get("es", ""),
    }


class StaffAgreementsState(StaffState):
    """Published versions, and what the admin typed for a new one (kept on error)."""

    page_ready: bool = False
    versions: list[dict[str, str]] = []
    waiting: int = 0
    typed: dict[str, str] = {}
    form_version: int = 0
    busy: bool = False
    lookup_phone: str = ""
    history: list[dict[str, str]] = []
    history_shown: bool = False

    @rx.var
    def waiting_text(self) -> str:
        """How many owners have yet to accept the current version."""
        return plural(self.lang, "agreements.waiting", self.waiting) if self.waiting else ""

    @rx.var
    def current(self) -> dict[str, str]:
        """The version in force (the newest), or nothing."""
        return self.versions[0] if self.versions else {}

    async def _refresh(self, actor) -> None:
        versions, waiting = await runtime.in_session_async(consent_history.version_history, actor)
        self.versions = [_version_row(v, self.lang) for v in versions]
        self.waiting = waiting

    @rx.event
    @staff_event("agreement.publish", page=True)
    async def load(self, actor):
        """Page load: the role check on the server, then the versions."""
        return await self._open_form(actor, dict.fromkeys(FIELDS, ""), self._refresh)

    @rx.event
    def remember(self, name: str, value: Any):
        """Keep what was typed in a field when it loses focus."""
        if name in FIELDS:
            self.typed[name] = str(value)[:TYPED_MAX]

    @rx.event
    @staff_event("agreement.publish")
    async def publish(self, actor):
        """Publish the version typed, then ask the owners behind it to accept it again."""
        if self.busy:
            return None
        typed = dict(self.typed)
        outcome: dict[str, Any] = {}
        settings = runtime.settings()

        async def work(actor):
            texts = {
                lang: {
                    "title": typed.get(f"{lang}_title", ""),
                    "summary": typed.get(f"{lang}_summary", ""),
                    "body": typed.get(f"{lang}_body", ""),
                }
                for lang in LANGUAGES
            }
            changes = {lang: typed.get(f"{lang}_change", "") for lang in LANGUAGES}
            published = await runtime.in_session_async(
                publishing.publish_new_version,
                actor,
                typed.get("version", ""),
                texts,
                changes,
                settings,
            )
            outcome["version"] = published[0].version
            # The version is in force from here; owners are asked in batches, each its own
            # transaction (a batch never asks an owner twice, so a failure is made up later).
            asked = 0
            while True:
                done = await runtime.in_session_async(
                    reconsent_requests.ask_owners_to_reconsent, settings, limit=ASK_BATCH
                )
                asked += done
                outcome["asked"] = asked
                if done < ASK_BATCH:
                    break

        self.busy = True
        try:
            result = await self._perform(actor, work, self._refresh)
        finally:
            self.busy = False
        if "version" in outcome:
            self.typed = dict.fromkeys(FIELDS, "")
            self.form_version += 1
            # translate() picks the plural form by the one whole number, n.
            self._show_done(
                "agreements.published", version=outcome["version"], n=outcome.get("asked", 0)
            )
        return result

    @rx.event
    def set_lookup_phone(self, value: str):
        """The owner's number typed for a consent-history look-up."""
        self.lookup_phone = str(value)[:40]

    @rx.event
    @staff_event("audit.view")
    async def look_up_history(self, actor):
        """An owner's consent history by phone number (the look is audited)."""
        phone, settings, lang = self.lookup_phone, runtime.settings(), self.lang
        found: list[dict[str, str]] = []

        async def work(actor):
            records = await runtime.in_session_async(
                consent_history.consent_history_by_phone, actor, phone, settings
            )
            found.extend(
                {
                    "version": r.version,
                    "language": r.language,
                    "accepted": format_moment(r.accepted_at, lang, settings),
                    "withdrawn": format_moment(r.withdrawn_at, lang, settings)
                    if r.withdrawn_at
                    else "",
                }
                for r in records
            )

        result = await self._perform(actor, work)
        self.history, self.history_shown = found, bool(found)
        return result

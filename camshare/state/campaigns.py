"""Outreach campaigns: the list with download links, and the form to create or change one."""

from __future__ import annotations

from typing import Any

import reflex as rx

from camshare import routes, runtime
from camshare.i18n import translate
from camshare.services.outreach import campaigns
from camshare.state.staff import StaffState, staff_event

FIELDS = campaigns.CAMPAIGN_FIELDS


def _row(c: campaigns.CampaignSummary, lang: str) -> dict[str, str]:
    return {
        "id": str(c.id),
        "code": c.code,
        "name": c.name,
        "kind": translate(lang, f"campaigns.kind.{c.kind}"),
        "kind_key": c.kind,
        "event_date": c.event_date,
        "place": c.place,
        "neighbourhood": c.neighbourhood,
        "zip_code": c.zip_code,
        "flyer_language": c.flyer_language,
        "responsible_id": str(c.responsible_id or ""),
        "responsible": c.responsible,
        "join_url": c.join_url,
        "archived": "1" if c.archived else "",
        "details": " · ".join(
            part
            for part in (
                translate(lang, f"campaigns.kind.{c.kind}"),
                c.event_date,
                c.place,
                c.neighbourhood,
                c.zip_code,
                c.responsible,
            )
            if part
        ),
        "png": routes.campaign_file_path(c.code, "qr.png"),
        "svg": routes.campaign_file_path(c.code, "qr.svg"),
        "pdf": routes.campaign_file_path(c.code, "flyer.pdf"),
    }


def _blank() -> dict[str, str]:
    return {**dict.fromkeys(FIELDS, ""), "kind": "community_event", "flyer_language": "both"}


class CampaignsState(StaffState):
    """Campaigns for outreach staff; what was typed in the form survives an error."""

    page_ready: bool = False
    rows: list[dict[str, str]] = []
    people: list[dict[str, str]] = []
    typed: dict[str, str] = {}
    editing: str = ""
    form_version: int = 0
    show_archived: bool = False

    async def _refresh(self, actor) -> None:
        page = await runtime.in_session_async(
            campaigns.campaigns_page, actor, runtime.settings(), self.show_archived
        )
        self.rows = [_row(c, self.lang) for c in page.campaigns]
        self.people = [{"id": str(i), "name": name} for i, name in page.responsible]

    @rx.event
    @staff_event("campaign.manage", page=True)
    async def load(self, actor):
        """Page load: the role check on the server, then the campaigns."""
        return await self._open_form(actor, _blank(), self._refresh)

    @rx.event
    def remember(self, name: str, value: Any):
        """Keep what was typed in a field."""
        if name in FIELDS:
            self.typed[name] = str(value)[:300]

    @rx.event
    def choose(self, name: str, value: str):
        """A choice from one of the form's lists."""
        self.remember(name, value)

    @rx.event
    def edit(self, campaign_id: str):
        """Fill the form with a campaign to change it."""
        row = next((r for r in self.rows if r["id"] == campaign_id), None)
        if row is None:
            return None
        self.typed = {name: row.get(name, "") for name in FIELDS}
        self.typed["kind"] = row["kind_key"]
        self.editing = campaign_id
        self.form_version += 1
        self._clear_errors()
        return rx.call_script("document.getElementById('campaign-form')?.scrollIntoView()")

    @rx.event
    def start_new(self):
        """An empty form for a new campaign."""
        self.typed, self.editing = _blank(), ""
        self.form_version += 1
        self._clear_errors()

    @rx.event
    @staff_event("campaign.manage")
    async def save(self, actor):
        """Create or change the campaign typed in the form."""
        typed, editing = dict(self.typed), self.editing
        saved: list[str] = []

        async def work(actor):
            view = await runtime.in_session_async(
                campaigns.save_campaign,
                actor,
                typed,
                runtime.settings(),
                int(editing) if editing else None,
            )
            saved.append(view.code)

        result = await self._perform(actor, work, self._refresh)
        if saved:
            self.typed, self.editing = _blank(), ""
            self.form_version += 1
            self._show_done("campaigns.saved", code=saved[0])
        return result

    @rx.event
    @staff_event("campaign.manage")
    async def set_archived(self, actor, campaign_id: str, archived: bool):
        """Archive a campaign or bring it back."""

        async def work(actor):
            await runtime.in_session_async(
                campaigns.set_archived, actor, int(campaign_id), archived
            )

        return await self._perform(actor, work, self._refresh)

    @rx.event
    @staff_event("campaign.manage")
    async def toggle_archived(self, actor):
        """Show or hide archived campaigns."""
        self.show_archived = not self.show_archived
        return await self._perform(actor, None, self._refresh)

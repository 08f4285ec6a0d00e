"""The sign-up flow's state: one event per step, each calling a registration use case.

Inputs are uncontrolled form fields (sent once on submit, not on every keystroke, which
matters on a weak connection); what the resident typed is also saved to the server-side
draft when a field loses focus, so a reload restores it. Error messages are message keys,
translated by the page, so switching language translates them too.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

import reflex as rx

from camshare import metrics, runtime
from camshare.i18n import LANGUAGES, translate
from camshare.join_shell import campaign_code
from camshare.services import registration
from camshare.services.access.request_texts import format_moment
from camshare.services.agreements import texts as agreements
from camshare.services.errors import DomainError
from camshare.services.geography.addresses import ADDRESS_FIELDS, one_line_address
from camshare.services.phones import display_phone
from camshare.services.registration import verification
from camshare.state.base import AppState
from camshare.state.feedback import FormFeedback

log = logging.getLogger(__name__)

# The sign-up's screens in order: the progress line counts them, and Back walks them back.
STEPS = ("contact", "location", "pin", "cameras", "agreement", "verify")
STEP_NUMBER = {step: number for number, step in enumerate(STEPS, start=1)}
CONTACT_FIELDS = ("full_name", "phone", "email", "owner_kind", "business_name")
GEOLOCATE_JS = """new Promise((resolve) => {
  if (!navigator.geolocation) { resolve({error: "unsupported"}); return; }
  navigator.geolocation.getCurrentPosition(
    (p) => resolve({lat: p.coords.latitude, lon: p.coords.longitude}),
    (e) => resolve({error: String(e.code)}),
    {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
  // An unanswered permission prompt never calls back: give up on our own.
  setTimeout(() => resolve({error: "timeout"}), 30000);
})"""


def unbreakable(text: str) -> str:
    """Keep a phone number on one line: no-break spaces and a non-breaking hyphen."""
    return text.replace(" ", "\u00a0").replace("-", "\u2011")


HISTORY_INPUT_ID = "join-history"
# Each step gets its own history entry (?step=…), so the phone's Back goes to the step
# before instead of leaving the sign-up. Back or Forward hands the step to the page through
# a hidden input (a counter makes each one a change React reports), after taking the focus
# off the field being typed in so that its value is kept first.
HISTORY_JS = """(function (step, replace) {
  const url = new URL(window.location.href);
  if (url.searchParams.get("step") !== step) {
    const first = !url.searchParams.has("step");
    url.searchParams.set("step", step);
    window.history[replace || first ? "replaceState" : "pushState"]({ step }, "", url);
  }
  if (window.__camshareHistory !== undefined) return;
  window.__camshareHistory = 0;
  window.addEventListener("popstate", () => {
    const wanted = new URL(window.location.href).searchParams.get("step");
    const input = document.getElementById("HISTORY_INPUT_ID");
    if (!wanted || !input) return;
    if (document.activeElement && document.activeElement.blur) document.activeElement.blur();
    const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set;
    set.call(input, wanted + "|" + (++window.__camshareHistory));
    input.dispatchEvent(new Event("input", { bubbles: true }));
  });
})""".replace("HISTORY_INPUT_ID", HISTORY_INPUT_ID)


def record_step(step: str, replace: bool = False):
    """Give the step its own entry in the browser's history (or rename the current one)."""
    return rx.call_script(f"{HISTORY_JS}({step!r}, {str(replace).lower()})")


def focus_when_shown(element_id: str):
    """Move the keyboard focus to an element the next render brings (the button that was
    pressed is gone, and the focus would otherwise fall to the page body)."""
    return rx.call_script(
        "(function focus(tries) {"
        f" const el = document.getElementById({element_id!r});"
        " if (el) { el.focus(); } else if (tries > 0) {"
        " requestAnimationFrame(() => focus(tries - 1)); } })(120)"
    )


def blank_camera() -> dict[str, str]:
    """A camera row as a new one starts."""
    return {
        "camera_kind": "",
        "count": "1",
        "faces": "",
        "direction": "",
        "recording": "",
        "retention_days": "30",
    }


class JoinState(FormFeedback, AppState):
    """A resident registering cameras at /join/<campaign-code>."""

    draft_key: str = rx.LocalStorage("", name="camshare_draft", sync=True)
    loaded: bool = False
    campaign_code: str = ""
    step: str = "contact"
    busy: bool = False
    form_version: int = 0

    # What the resident typed, restored from the draft (fields' default values).
    typed: dict[str, str] = {}
    owner_kind: str = "resident"

    # Location being placed.
    # Until an address or the phone places it, the pin is where maps start.
    pin_lat: float = runtime.settings().map_center_point[0]
    pin_lon: float = runtime.settings().map_center_point[1]
    geocode_status: str = "ok"
    site_address: str = ""

    cameras: list[dict[str, str]] = [blank_camera()]
    sites: list[dict[str, str]] = []

    agreement_id: int = 0
    agreement_version: str = ""
    agreement_title: str = ""
    agreement_summary: list[str] = []
    agreement_body: list[str] = []

    phone_display: str = ""
    code_sent: bool = False

    done_version: str = ""
    done_updated: bool = False
    # "paused" or "reconsent" when registering again did not (and must not) end a hold.
    done_status: str = ""
    done_paused_until: str = ""
    done_sites: list[dict[str, str]] = []

    # Shown once a background look-up finishes (e.g. "you changed the address").
    notice_after_locate: str = ""

    # --- derived -----------------------------------------------------------------------

    @rx.var
    def step_number(self) -> int:
        """The step's number in the progress line (0 when finished)."""
        return STEP_NUMBER.get(self.step, 0)

    @rx.var
    def step_total(self) -> int:
        """How many screens the progress line counts."""
        return len(STEPS)

    @rx.var
    def outside_area_help(self) -> str:
        """Who to contact instead, while a location is refused as outside the area."""
        if "error.outside_jurisdiction" not in (self.notice, *self.errors.values()):
            return ""
        settings = runtime.settings()
        lines = [translate(self.lang, "location.outside_next", agency=settings.agency(self.lang))]
        if settings.agency_phone:
            lines.append(
                translate(self.lang, "location.outside_phone", phone=settings.agency_phone)
            )
        if settings.agency_website:
            lines.append(
                translate(self.lang, "location.outside_website", website=settings.agency_website)
            )
        return " ".join(lines)

    @rx.var
    def pin_text(self) -> str:
        """The pin's position, to a metre or so."""
        return f"{self.pin_lat:.5f}, {self.pin_lon:.5f}"

    # --- helpers -----------------------------------------------------------------------

    def _show_error(self, exc: DomainError) -> None:
        super()._show_error(exc)
        if exc.key in ("error.draft_expired", "error.draft_completed"):
            self.draft_key = ""

    def _apply(self, snapshot: registration.DraftSnapshot) -> None:
        """Show the draft as the server has it."""
        data = snapshot.data
        self.draft_key = snapshot.key
        raw = dict(data.get("raw") or {})
        contact = data.get("contact") or {}
        site = data.get("site") or {}
        for name in ("full_name", "email", "business_name"):
            raw.setdefault(name, contact.get(name) or "")
        if contact.get("phone_e164") and not raw.get("phone"):
            raw["phone"] = display_phone(contact["phone_e164"])
        for name in ADDRESS_FIELDS:
            if site.get(name):
                raw.setdefault(name, site[name])  # what the resident typed last wins
        settings = runtime.settings()
        raw.setdefault("city", settings.default_city)
        raw.setdefault("state", settings.default_state)
        typed = {k: str(v) for k, v in raw.items()}
        restored = {k: v for k, v in raw.items() if v and k not in ("city", "state")}
        if any(self.typed.get(k) != str(v) for k, v in restored.items()):
            # Re-mount the fields with the server's values only when they differ: a fresh
            # page keeps whatever the resident typed before the app finished loading.
            self.form_version += 1
        self.typed = typed
        self.owner_kind = contact.get("owner_kind") or raw.get("owner_kind") or "resident"
        if site:
            self.pin_lat, self.pin_lon = (
                float(v) for v in site.get("pin") or (site["lat"], site["lon"])
            )
            self.geocode_status = site.get("geocode_status", "ok")
            self.site_address = one_line_address(site) if site.get("address_line") else ""
        rows = site.get("cameras") or data.get("raw_cameras")
        if rows:
            self.cameras = [
                {k: "" if v is None else str(v) for k, v in row.items()} for row in rows
            ]
        self.sites = [
            {
                "address": one_line_address(s),
                "cameras": str(sum(int(r["count"]) for r in s["cameras"])),
            }
            for s in data.get("sites") or []
        ]
        if contact.get("phone_e164"):
            self.phone_display = unbreakable(display_phone(contact["phone_e164"]))
        self.step = snapshot.step
        self.code_sent = self.step == "verify" and bool(data.get("code_requested"))

    async def _start_again_with_what_was_typed(self) -> None:
        """The draft expired under the resident: open a new one and keep their typing."""
        snapshot = await runtime.in_session_async(
            registration.open_draft_keeping,
            dict(self.typed),
            self.campaign_code or None,  # the flyer keeps the credit for this sign-up
            self.lang,
            ttl_hours=runtime.settings().draft_ttl_hours,
        )
        self._apply(snapshot)
        self.notice = "error.draft_expired_kept"

    async def _show(self, snapshot: registration.DraftSnapshot | None) -> None:
        """Show a draft the server returned (nothing when the step was refused)."""
        if snapshot is None:
            return
        self._apply(snapshot)
        if self.step == "agreement":
            await self._load_agreement()

    def focus_after(self, step_before: str):
        """Focus the first field in error, or the new screen's heading after a step change.

        Without it a screen reader stays on a button that no longer exists. A new step also
        gets its own history entry.
        """
        if not self.errors:
            if self.step == step_before:
                return None
            return [
                record_step(self.step),
                rx.call_script("document.getElementById('step-heading')?.focus()"),
            ]
        field = next(iter(self.errors))
        element_id = (
            "cam-" + field.split(".")[1] + "-" + field.split(".")[2]
            if field.startswith("cameras.") and field.count(".") == 2
            else f"f-{field}"
        )
        return rx.call_script(f"document.getElementById({element_id!r})?.focus()")

    async def _call(self, work, *args, **kwargs) -> Any:
        """Run a use case off the event loop; domain errors become messages, not crashes."""
        self._clear_errors()
        try:
            return await runtime.in_session_async(work, *args, **kwargs)
        except DomainError as exc:
            if exc.key == "error.draft_expired" and self.step != "done":
                await self._start_again_with_what_was_typed()
            else:
                self._show_error(exc)
        except Exception:
            log.exception("sign-up step failed")
            self.notice = "error.unexpected"
        return None

    # --- events ------------------------------------------------------------------------

    @rx.event
    async def load(self):
        """Open (or resume) this browser's draft for the campaign in the URL."""
        return await self._open()

    async def _open(self) -> None:
        self._initial_language()
        self.busy = False  # a look-up cut short by a restart or a closed tab must not linger
        url = self.router.url
        code = campaign_code(url.path or "", dict(url.query_parameters))
        self.campaign_code = code or ""
        settings = runtime.settings()
        kept = self.draft_key
        snapshot = await self._call(
            registration.open_draft,
            self.draft_key,
            code,
            self.lang,
            ttl_hours=settings.draft_ttl_hours,
        )
        if snapshot is not None and snapshot.key != kept:
            metrics.SIGNUPS_STARTED.inc()
        if snapshot is not None and self.lang_choice not in LANGUAGES:
            self.lang = snapshot.language  # a resumed draft keeps the language it was in
        await self._show(snapshot)
        self.loaded = True
        return record_step(self.step, replace=True)

    @rx.event
    async def change_language(self, lang: str):
        """Switch language for the page and for the SMS this draft will send."""
        self._switch_language(lang)
        if self.draft_key:
            await self._call(registration.set_language, self.draft_key, self.lang)
            if self.step == "agreement":
                await self._load_agreement()

    @rx.event
    async def remember(self, name: str, value: str):
        """Keep a typed value in the draft when the field loses focus."""
        if not isinstance(value, str) or name not in registration.TYPED_FIELDS:
            return
        value = value[: registration.MAX_TYPED_VALUE]
        if name in self.errors and self.typed.get(name) != value:
            # The resident changed a field in error: stop showing the old message under it.
            self.errors = {k: v for k, v in self.errors.items() if k != name}
        if self.draft_key and self.typed.get(name) != value:
            self.typed[name] = value
            # An expired draft is reported by the next real step, not here.
            with contextlib.suppress(DomainError):
                await runtime.in_session_async(
                    registration.save_typed, self.draft_key, {name: value}
                )

    @rx.event
    def choose_owner_kind(self, value: str) -> None:
        """Show or hide the business name field."""
        if value in registration.OWNER_KINDS:
            self.owner_kind = value

    @rx.event
    async def go_to(self, step: str):
        """Go back to an earlier step."""
        before = self.step
        snapshot = await self._call(registration.go_to_step, self.draft_key, step)
        await self._show(snapshot)
        return self.focus_after(before)

    @rx.event
    async def follow_history(self, value: str):
        """The phone's Back (or Forward) asked for a step: show it when it can be reached,
        else put the address bar back on the step shown."""
        step = str(value or "").partition("|")[0]
        if step == self.step or not self.draft_key or self.step == "done":
            return record_step(self.step, replace=True) if self.step != "done" else None
        before = self.step
        snapshot = None
        if step in STEP_NUMBER:
            snapshot = await self._call(registration.go_to_step, self.draft_key, step)
        if snapshot is None:
            self._clear_errors()
            return record_step(self.step, replace=True)
        await self._show(snapshot)
        self.busy = False
        events = [record_step(self.step, replace=True)]
        if self.step != before:
            events.append(rx.call_script("document.getElementById('step-heading')?.focus()"))
        return events

    @rx.event
    async def submit_contact(self, form: dict[str, Any]):
        """Validate and keep the contact details."""
        before = self.step
        self.busy = True
        yield
        values = {name: str(form.get(name) or "") for name in CONTACT_FIELDS}
        self.typed.update(values)
        snapshot = await self._call(
            registration.save_contact,
            self.draft_key,
            values["full_name"],
            values["phone"],
            values["email"],
            values["owner_kind"],
            values["business_name"],
            region=runtime.settings().default_region,
            allowed_regions=runtime.settings().sms_region_list,
        )
        await self._show(snapshot)
        self.busy = False
        yield self.focus_after(before)

    async def _load_agreement(self) -> None:
        agreement = await runtime.in_session_async(agreements.current_agreement, self.lang)
        if agreement is None:
            self.notice = "error.unexpected"
            return
        self.agreement_id = agreement.id
        self.agreement_version = agreement.version
        self.agreement_title = agreement.title
        self.agreement_summary = agreement.summary
        self.agreement_body = agreement.body

    @rx.event
    async def submit_agreement(self, form: dict[str, Any]):
        """Record the signature on the exact text shown."""
        before = self.step
        typed_name = str(form.get("typed_name") or "")
        self.typed["typed_name"] = typed_name
        snapshot = await self._call(
            registration.accept_agreement,
            self.draft_key,
            self.agreement_id,
            bool(form.get("accepted")),
            typed_name,
            self.client_ip(),
            self.user_agent(),
        )
        await self._show(snapshot)
        return self.focus_after(before)

    @rx.event
    async def send_code(self):
        """Text a verification code, within the throttles."""
        settings = runtime.settings()
        sent = await self._call(
            verification.send_code,
            self.draft_key,
            settings,
            self.client_ip(),
            lookup=runtime.line_type_lookup(),
        )
        if sent is not None:
            self.code_sent = True
            self.notice = ""
            self.phone_display = unbreakable(display_phone(sent.phone_e164))
            # Look again shortly: if the provider refused the number, say so rather than
            # leave the resident waiting for a text that will never come.
            return [
                focus_when_shown("f-code"),
                rx.call_script(
                    "new Promise((resolve) => setTimeout(resolve, 8000))",
                    callback=JoinState.check_code_delivery,
                ),
            ]
        return None

    @rx.event
    async def check_code_delivery(self, _ignored: Any = None):
        """Show why the code cannot arrive, when the provider said so."""
        if self.step != "verify" or not self.draft_key:
            return
        with contextlib.suppress(DomainError):
            problem = await runtime.in_session_async(
                verification.code_delivery_problem, self.draft_key
            )
            if problem:
                self.notice = problem

    @rx.event
    async def submit_code(self, form: dict[str, Any]):
        """Check the code; when right, the registration is created and a receipt sent."""
        settings = runtime.settings()
        code = str(form.get("code") or "")
        before = self.step
        self.busy = True
        yield
        result = await self._call(verification.verify_and_register, self.draft_key, code, settings)
        if result is not None:
            check, done = result
            if not check.ok:
                # Under the code field only (it takes the focus): one message, not two.
                self.errors = {"code": check.error_key or "error.code_format"}
                self.error_params = {"code": {"left": check.left}}
            elif done is not None:
                metrics.SIGNUPS_COMPLETED.inc()
                self.done_version = done.agreement_version
                self.done_updated = done.updated_existing
                self.done_status = done.status
                self.done_paused_until = (
                    format_moment(done.paused_until, self.lang, settings)
                    if done.paused_until
                    else ""
                )
                self.done_sites = [
                    {"address": s.address, "cameras": str(s.cameras)} for s in done.sites
                ]
                self.step = "done"
                self.draft_key = ""
                self.typed = {}  # registered: nothing personal stays in the page's state
        self.busy = False
        yield self.focus_after(before)

    @rx.event
    async def start_over(self):
        """Begin a new registration in this browser."""
        self.draft_key = ""
        self.done_sites = []
        return await self._open()

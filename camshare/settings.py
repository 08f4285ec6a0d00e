"""Every setting camshare reads, in one typed object built from the environment.

Each field's environment variable is ``CAMSHARE_<FIELD NAME IN CAPITALS>`` unless the
field's metadata names another (Twilio's own variable names are kept so that its
documentation applies as written). The README lists them all; ``python -m camshare.cli
settings`` prints the values in force.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlparse

from camshare.links import Links

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent


LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
# Listening on every interface is what an installation reached by others does.
EVERY_INTERFACE = "0.0.0.0"  # noqa: S104
DEFAULT_SECRET = "change-me-in-production"  # noqa: S105 - the demo default, refused by check()


# Variables of this name shape that are not settings: read by the scripts and the tests.
OTHER_VARIABLES = frozenset(
    {"CAMSHARE_ADMIN_PASSWORD", "CAMSHARE_ROOT", "CAMSHARE_TEST_DATABASE_URL"}
)
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})


def _env(
    name: str | None = None,
    doc: str = "",
    choices: tuple[str, ...] | Callable[[], tuple[str, ...]] | None = None,
) -> dict:
    """A field's metadata: its variable (if not the usual one), its doc and allowed values.

    ``choices`` (a tuple, or a function giving one when it is costly to work out) is
    checked by ``load_settings``: any other value stops the process.
    """
    return {"env": name, "doc": doc, "choices": choices}


def geopy_geocoder_names() -> tuple[str, ...]:
    """Every geocoder name geopy knows (``CAMSHARE_GEOCODER``'s allowed values)."""
    from geopy.geocoders import SERVICE_TO_GEOCODER

    return tuple(sorted(SERVICE_TO_GEOCODER))


@dataclass(frozen=True)
class Settings:
    """The configuration of one camshare installation."""

    database_url: str = field(
        default=f"sqlite:///{PROJECT_DIR / 'camshare.db'}",
        metadata=_env(doc="SQLAlchemy URL; postgresql+psycopg://user@host/db for PostgreSQL"),
    )
    port: int = field(
        default=3000,
        metadata=_env(doc="Port the production server listens on (pages, events, /api)"),
    )
    public_base_url: str = field(
        default="http://localhost:3000",
        metadata=_env(doc="Public address of the app, used in SMS links and QR codes"),
    )
    listen_host: str = field(
        default="",
        metadata=_env(
            doc="Address the server listens on; by default 127.0.0.1 while the public "
            "address is this computer's, otherwise every interface (0.0.0.0)"
        ),
    )
    hsts_seconds: int = field(
        default=31536000,
        metadata=_env(doc="Strict-Transport-Security max-age when the public address is https"),
    )
    secret_key: str = field(
        default=DEFAULT_SECRET,
        metadata=_env(doc="Secret for hashing verification codes and tokens"),
    )
    demo_mode: bool = field(
        default=True,
        metadata=_env(doc="Seed demo data and show the on-screen SMS outbox at /outbox"),
    )
    # SMS
    sms_backend: str = field(
        default="outbox",
        metadata=_env(
            doc="'outbox' records messages on screen; 'twilio' sends them",
            choices=("outbox", "twilio"),
        ),
    )
    twilio_account_sid: str = field(default="", metadata=_env("TWILIO_ACCOUNT_SID"))
    twilio_auth_token: str = field(default="", metadata=_env("TWILIO_AUTH_TOKEN"))
    twilio_from_number: str = field(
        default="", metadata=_env("TWILIO_FROM_NUMBER", "Sender number in E.164")
    )
    twilio_messaging_service_sid: str = field(
        default="",
        metadata=_env("TWILIO_MESSAGING_SERVICE_SID", "Used instead of the sender number"),
    )
    twilio_api_base_url: str = field(
        default="", metadata=_env(doc="Override of Twilio's API address (tests' stand-in)")
    )
    sms_dispatcher: str = field(
        default="inprocess",
        metadata=_env(
            doc="'inprocess' sends from the web app; 'external' leaves it to the worker",
            choices=("inprocess", "external"),
        ),
    )
    sms_per_second: float = field(
        default=1.0, metadata=_env(doc="Messages sent per second at most (US long code: 1)")
    )
    sms_retry_hours: float = field(
        default=24.0,
        metadata=_env(
            doc="Hours a message is retried after temporary provider errors before it fails"
        ),
    )
    sms_timeout: float = field(default=10.0, metadata=_env(doc="Seconds per provider call"))
    twilio_lookup: bool = field(
        default=False,
        metadata=_env(doc="Check with Twilio Lookup that a new number takes SMS (paid per lookup)"),
    )
    # Geocoding
    geocoder: str = field(
        default="nominatim",
        metadata=_env(
            doc="Any geopy geocoder name, e.g. nominatim, arcgis", choices=geopy_geocoder_names
        ),
    )
    geocoder_domain: str = field(
        default="", metadata=_env(doc="Geocoder host[:port] (self-hosted Nominatim, stand-in)")
    )
    geocoder_scheme: str = field(
        default="https", metadata=_env(doc="http or https", choices=("http", "https"))
    )
    geocoder_user_agent: str = field(
        default="camshare/0.1 (community camera registry)",
        metadata=_env(doc="Identifying user agent, required by Nominatim's usage policy"),
    )
    geocoder_timeout: float = field(default=5.0, metadata=_env(doc="Seconds per geocoder call"))
    geocoder_min_delay: float = field(
        default=1.0, metadata=_env(doc="Seconds between geocoder calls across the app")
    )
    geocoder_options: str = field(
        default="{}", metadata=_env(doc="JSON of extra keyword arguments for the geopy class")
    )
    geocoder_country_codes: str = field(default="us", metadata=_env(doc="Restrict results"))
    # Agency and place
    jurisdiction_file: str = field(
        default=str(PACKAGE_DIR / "data" / "dallas.geojson"),
        metadata=_env(doc="GeoJSON (Multi)Polygon of the area where cameras may be registered"),
    )
    default_region: str = field(default="US", metadata=_env(doc="Phone numbers' default region"))
    default_city: str = field(default="Dallas", metadata=_env(doc="City pre-filled in addresses"))
    default_state: str = field(default="TX", metadata=_env(doc="State pre-filled in addresses"))
    sms_regions: str = field(
        default="US", metadata=_env(doc="Comma-separated regions whose numbers may register")
    )
    agency_name: str = field(default="Dallas Police Department", metadata=_env())
    agency_name_es: str = field(
        default="Departamento de Policía de Dallas", metadata=_env(doc="In Spanish")
    )
    agency_short_name: str = field(default="Dallas PD", metadata=_env())
    agency_short_name_es: str = field(
        default="Policía de Dallas", metadata=_env(doc="In Spanish (SMS)")
    )
    # How an owner checks that a request is genuine, printed in every request SMS and page.
    agency_phone: str = field(
        default="214-744-4444",
        metadata=_env(doc="The agency's published phone number, to check a request is genuine"),
    )
    agency_website: str = field(
        default="dallaspolice.net",
        metadata=_env(doc="The agency's official website (no scheme), to check a request"),
    )
    program_name: str = field(default="Dallas Community Camera Registry", metadata=_env())
    program_name_es: str = field(
        default="Registro Comunitario de Cámaras de Dallas", metadata=_env(doc="In Spanish")
    )
    theme_color: str = field(default="#1d3f73", metadata=_env(doc="Brand colour (hex)"))
    logo_url: str = field(default="/icon-192.png", metadata=_env())
    map_center: str = field(default="32.7767,-96.7970", metadata=_env(doc="lat,lon"))
    map_tile_url: str = field(
        default="https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        metadata=_env(doc="Slippy-map tile URL template"),
    )
    map_attribution: str = field(default="© OpenStreetMap contributors", metadata=_env())
    map_attribution_es: str = field(
        default="© colaboradores de OpenStreetMap", metadata=_env(doc="Tile attribution in Spanish")
    )
    # Verification codes
    otp_ttl_minutes: int = field(default=10, metadata=_env())
    otp_max_attempts: int = field(default=5, metadata=_env())
    otp_resend_seconds: int = field(default=60, metadata=_env(doc="Wait before a new code"))
    otp_per_phone_per_hour: int = field(default=5, metadata=_env())
    otp_per_ip_per_hour: int = field(default=20, metadata=_env())
    otp_per_hour_total: int = field(
        default=300, metadata=_env(doc="Codes per hour for the whole installation")
    )
    trusted_proxy_hops: int = field(
        default=0, metadata=_env(doc="Reverse proxies in front of the app (for client IPs)")
    )
    draft_ttl_hours: int = field(default=24, metadata=_env(doc="Unverified drafts expire"))
    timezone: str = field(
        default="America/Chicago", metadata=_env(doc="Local time zone for dates in SMS and pages")
    )
    # Police access requests
    incident_types: str = field(
        default=(
            "homicide,shooting,robbery,aggravated_assault,sexual_assault,kidnapping,"
            "burglary,auto_theft,hit_and_run,arson,criminal_mischief"
        ),
        metadata=_env(doc="Comma-separated criminal incident categories police may choose"),
    )
    emergency_types: str = field(
        default="missing_child,missing_person,active_threat",
        metadata=_env(doc="Comma-separated emergency categories (sent at once)"),
    )
    request_max_window_hours: float = field(
        default=12.0, metadata=_env(doc="Longest time window a request may cover")
    )
    request_default_radius_m: int = field(default=150, metadata=_env())
    request_max_radius_m: int = field(default=400, metadata=_env())
    request_expiry_hours: int = field(
        default=72, metadata=_env(doc="Requests close this long after they are sent")
    )
    request_needs_approval: bool = field(
        default=True, metadata=_env(doc="Non-emergency requests wait for a supervisor")
    )
    request_message_max: int = field(default=500, metadata=_env(doc="Characters"))
    request_own_words: bool = field(
        default=False,
        metadata=_env(doc="Officers may add their own words (shown untranslated) to a template"),
    )
    transparency_cache_seconds: float = field(
        default=300.0, metadata=_env(doc="How long the public figures are served from memory")
    )
    # Owners' own pages, agreement versions, keeping the registry current
    owner_session_hours: float = field(
        default=2.0, metadata=_env(doc="An owner's sign-in on their own pages lasts this long")
    )
    owner_idle_minutes: float = field(
        default=30.0, metadata=_env(doc="An owner's sign-in unused this long ends")
    )
    manage_link_hours: float = field(
        default=72.0, metadata=_env(doc="The receipt's manage link works once, this long")
    )
    reconsent_pauses: bool = field(
        default=True,
        metadata=_env(doc="Owners on an older agreement get no request until they accept again"),
    )
    reconfirm_after_days: int = field(
        default=365, metadata=_env(doc="Ask owners to confirm their cameras after this long")
    )
    reconfirm_grace_days: int = field(
        default=30, metadata=_env(doc="Pause owners who have not confirmed after this long")
    )
    retention_request_details_days: int = field(
        default=180, metadata=_env(doc="Closed requests' personal details are purged after")
    )
    retention_audit_days: int = field(
        default=1095, metadata=_env(doc="Audit entries are deleted after this long (3 years)")
    )
    retention_tokens_hours: int = field(
        default=24, metadata=_env(doc="Used or expired links, sessions and codes are deleted after")
    )
    # Footage (issue 11): where the files owners send are kept, and the limits on them
    footage_storage: str = field(
        default="local",
        metadata=_env(doc="Where footage is stored: local (a folder) or s3 (S3-compatible)"),
    )
    footage_dir: str = field(
        default=str(PROJECT_DIR / "data" / "footage"),
        metadata=_env(doc="Folder of the local footage store (originals and derived copies)"),
    )
    footage_parts_dir: str = field(
        default=str(PROJECT_DIR / "data" / "footage-parts"),
        metadata=_env(doc="Folder where uploads are received until they are complete"),
    )
    footage_s3_bucket: str = field(default="camshare-footage", metadata=_env())
    footage_s3_endpoint: str = field(
        default="", metadata=_env(doc="S3 endpoint URL (MinIO, SeaweedFS); empty: AWS")
    )
    footage_s3_region: str = field(default="us-east-1", metadata=_env())
    footage_s3_access_key: str = field(default="", metadata=_env())
    footage_s3_secret_key: str = field(default="", metadata=_env())
    footage_link_days: int = field(
        default=10,
        metadata=_env(doc="An owner's upload link works at most this long (and until close)"),
    )
    footage_max_files: int = field(
        default=25, metadata=_env(doc="Files one owner may send for one request")
    )
    footage_max_file_bytes: int = field(
        default=4 * 1024**3, metadata=_env(doc="Largest file an owner may send, in bytes")
    )
    footage_incomplete_hours: int = field(
        default=24, metadata=_env(doc="Uploads never completed are deleted after this long")
    )
    footage_read_link_seconds: int = field(
        default=300, metadata=_env(doc="How long a link to read stored footage works")
    )
    footage_receipt_window_seconds: int = field(
        default=120,
        metadata=_env(doc="Files received this soon after the first share one receipt SMS"),
    )
    # Footage custody
    footage_grant_default: str = field(
        default="view",
        metadata=_env(doc="What a member added to a request's footage may do: view|download"),
    )
    footage_unaccepted_days: int = field(
        default=30, metadata=_env(doc="Declined, never-triaged footage deleted this long after")
    )
    footage_evidence_days: int = field(
        default=1095, metadata=_env(doc="Accepted footage kept this long after the request closes")
    )
    # Live view (issue 14): owners share a camera's live stream for one request, time-boxed
    live_max_hours: int = field(
        default=12, metadata=_env(doc="A live share lasts at most this many hours")
    )
    live_default_minutes: int = field(
        default=60, metadata=_env(doc="A live share's length unless the owner chooses another")
    )
    live_segments: str = field(
        default="auto",
        metadata=_env(
            doc="Where live segments are kept for viewers: auto (Redis when REFLEX_REDIS_URL "
            "is set, so every web worker serves every share; a folder otherwise), local or redis",
            choices=("auto", "local", "redis"),
        ),
    )
    live_segments_dir: str = field(
        default=str(PROJECT_DIR / "data" / "live"),
        metadata=_env(doc="Folder of the local live-segment store (a short rolling window)"),
    )
    live_viewer_seconds: int = field(
        default=120,
        metadata=_env(doc="A viewer's stream credential works this long; the board renews it"),
    )
    # Reflex's own variable: the one Redis of an installation (tabs' states, live segments).
    redis_url: str = field(
        default="",
        metadata=_env(
            "REFLEX_REDIS_URL",
            doc="Redis shared by every web worker: the tabs' states (Reflex) and live segments",
        ),
    )
    # Staff accounts
    staff_session_hours: float = field(
        default=12.0, metadata=_env(doc="A staff sign-in lasts at most this long")
    )
    staff_idle_minutes: float = field(
        default=60.0, metadata=_env(doc="A staff session unused this long ends")
    )
    login_throttle_after: int = field(
        default=3, metadata=_env(doc="Failed sign-ins before each try must wait")
    )
    login_lock_after: int = field(default=10, metadata=_env(doc="Failed sign-ins before a lock"))
    login_lock_minutes: int = field(default=30, metadata=_env())
    totp_roles: str = field(
        default="admin,supervisor,police",
        metadata=_env(doc="Roles that need a TOTP second factor"),
    )
    # Operations: readiness, metrics, logs
    heartbeat_stale_seconds: float = field(
        default=60.0,
        metadata=_env(doc="/readyz fails when no dispatcher has been alive for this long"),
    )
    metrics_port: int = field(
        default=0, metadata=_env(doc="Port of the Prometheus metrics of each process; 0: off")
    )
    metrics_host: str = field(
        default="127.0.0.1", metadata=_env(doc="Address the metrics port listens on")
    )
    log_format: str = field(
        default="json",
        metadata=_env(
            doc="json: one JSON object a line; text: plain lines", choices=("json", "text")
        ),
    )
    log_level: str = field(
        default="INFO",
        metadata=_env(doc="Lowest level logged", choices=("DEBUG", "INFO", "WARNING", "ERROR")),
    )

    def check(self) -> None:
        """Refuse configurations that would be unsafe in production."""
        local = urlparse(self.public_base_url).hostname in LOOPBACK_NAMES
        exposed = not self.demo_mode or self.sms_backend == "twilio" or not local
        if exposed and self.secret_key == DEFAULT_SECRET:
            raise SettingsError(
                "Set CAMSHARE_SECRET_KEY to a long random value: the default is only for a "
                "demo on this computer (demo mode, SMS outbox, a localhost address)."
            )
        if self.sms_backend == "twilio" and not (
            self.twilio_account_sid
            and self.twilio_auth_token
            and (self.twilio_from_number or self.twilio_messaging_service_sid)
        ):
            raise SettingsError(
                "CAMSHARE_SMS_BACKEND=twilio needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and "
                "TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID."
            )

        if self.live_segments == "redis" and not self.redis_url:
            raise SettingsError("CAMSHARE_LIVE_SEGMENTS=redis needs REFLEX_REDIS_URL.")
        if not 1 <= self.live_default_minutes <= self.live_max_hours * 60:
            raise SettingsError(
                "CAMSHARE_LIVE_DEFAULT_MINUTES must be between 1 and CAMSHARE_LIVE_MAX_HOURS * 60."
            )

    def program(self, language: str) -> str:
        """The program's name in ``language``."""
        return self.program_name_es if language == "es" else self.program_name

    def agency(self, language: str) -> str:
        """The agency's name in ``language`` (the English one when no Spanish one is set)."""
        return (self.agency_name_es if language == "es" else "") or self.agency_name

    def agency_short(self, language: str) -> str:
        """The agency's short name in ``language``, as SMS use it."""
        return (self.agency_short_name_es if language == "es" else "") or self.agency_short_name

    def public_url(self, path: str) -> str:
        """The address users (and Twilio) reach ``path`` at."""
        return self.links.absolute(path)

    @property
    def links(self) -> Links:
        """The link builder for texts: ``settings.links.owner_answer(token)`` and the like."""
        return Links(self.public_base_url)

    @property
    def public_origin(self) -> str:
        """The scheme, host and port of the public address: the only origin pages come from."""
        parts = urlparse(self.public_base_url)
        return f"{parts.scheme}://{parts.netloc}".lower()

    @property
    def allowed_origins(self) -> tuple[str, ...]:
        """Origins whose pages may call /api and the event socket with the user's cookies.

        The public origin; when that is a loopback name (a demo on this computer), the same
        port under the other loopback names too, since the machine answers on all of them.
        """
        parts = urlparse(self.public_base_url)
        if parts.hostname not in LOOPBACK_NAMES:
            return (self.public_origin,)
        port = f":{parts.port}" if parts.port else ""
        hosts = ("localhost", "127.0.0.1", "[::1]")
        return tuple(f"{parts.scheme}://{host}{port}".lower() for host in hosts)

    @property
    def bind_host(self) -> str:
        """Where the server listens: a demo on this computer is not reachable from others."""
        if self.listen_host:
            return self.listen_host
        local = urlparse(self.public_base_url).hostname in LOOPBACK_NAMES
        return "127.0.0.1" if local else EVERY_INTERFACE

    @property
    def served_over_https(self) -> bool:
        """Whether users reach the app over HTTPS (Secure cookies, HSTS)."""
        return urlparse(self.public_base_url).scheme == "https"

    @property
    def sms_region_list(self) -> tuple[str, ...]:
        """``sms_regions`` as a tuple of region codes."""
        return tuple(r.strip().upper() for r in self.sms_regions.split(",") if r.strip())

    @property
    def incident_type_list(self) -> tuple[str, ...]:
        """The criminal incident categories, in the configured order."""
        return _csv(self.incident_types)

    @property
    def emergency_type_list(self) -> tuple[str, ...]:
        """The emergency categories, in the configured order."""
        return _csv(self.emergency_types)

    @property
    def totp_role_set(self) -> frozenset[str]:
        """Roles whose sign-in needs a TOTP code."""
        return frozenset(_csv(self.totp_roles))

    @property
    def outbox_page_enabled(self) -> bool:
        """The on-screen outbox shows codes and links: only for a demo that sends nothing."""
        return self.demo_mode and self.sms_backend == "outbox"

    @property
    def geocoder_extra_options(self) -> dict:
        """The JSON in ``geocoder_options`` as a dict."""
        return json.loads(self.geocoder_options or "{}")

    @property
    def map_center_point(self) -> tuple[float, float]:
        """``map_center`` as (lat, lon)."""
        lat, lon = (float(part) for part in self.map_center.split(","))
        return lat, lon


def _csv(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def env_name(f) -> str:
    """The environment variable that sets field ``f``."""
    return f.metadata.get("env") or f"CAMSHARE_{f.name.upper()}"


class SettingsError(RuntimeError):
    """A setting that cannot be used; the message names the variable and what it accepts."""


def choices_of(f) -> tuple[str, ...] | None:
    """The values field ``f`` allows, or None when any value of its type will do."""
    choices = f.metadata.get("choices")
    return choices() if callable(choices) else choices


def _convert(name: str, raw: str, default: object) -> object:
    """``raw`` as the type of ``default``; a value that is not one raises SettingsError."""
    if isinstance(default, bool):
        word = raw.strip().lower()
        if word in TRUE_WORDS | FALSE_WORDS:
            return word in TRUE_WORDS
        raise SettingsError(f"{name}={raw!r} is not a yes/no value: use true or false")
    kind = int if isinstance(default, int) else float if isinstance(default, float) else None
    if kind is None:
        return raw
    try:
        return kind(raw)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise SettingsError(f"{name}={raw!r} is not {what}") from None


def _unknown_variables(environ: Mapping[str, str], known: set[str]) -> list[str]:
    """Problems with ``CAMSHARE_*`` variables no setting reads (typos, most likely)."""
    problems = []
    for name in sorted(environ):
        if not name.startswith("CAMSHARE_") or name in known or name in OTHER_VARIABLES:
            continue
        close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]}?" if close else ""
        problems.append(f"{name} is not a camshare setting{hint}")
    return problems


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build settings from ``environ`` (the process environment by default).

    Every problem is reported at once, in one SettingsError: a value that is not of the
    field's type, one outside the field's ``choices``, an unknown ``CAMSHARE_*`` variable.
    """
    environ = os.environ if environ is None else environ
    values, problems, known = {}, [], set()
    for f in fields(Settings):
        name = env_name(f)
        known.add(name)
        raw = environ.get(name)
        if raw is None or f.default is MISSING:
            continue
        try:
            value = _convert(name, raw, f.default)
        except SettingsError as exc:
            problems.append(str(exc))
            continue
        allowed = choices_of(f)
        if allowed is not None and value not in allowed:
            problems.append(f"{name}={raw!r} is not allowed; use one of: {', '.join(allowed)}")
            continue
        values[f.name] = value
    problems += _unknown_variables(environ, known)
    if problems:
        raise SettingsError("camshare cannot start:\n  " + "\n  ".join(problems))
    return Settings(**values)


def settings_or_exit(environ: Mapping[str, str] | None = None, *, serving: bool = True) -> Settings:
    """The settings, or the process stops with the reason (every entry point calls it).

    ``serving`` (the web app, the worker) also refuses what is unsafe in production
    (``Settings.check``); the CLI's administration commands only need valid values.
    """
    try:
        settings = load_settings(environ)
        if serving:
            settings.check()
    except SettingsError as exc:
        raise SystemExit(str(exc)) from None
    return settings


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, read once."""
    return load_settings()

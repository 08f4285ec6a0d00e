"""Every page's route, in one place."""

# Everything the server answers itself rather than as a page lives under this prefix
# (assets/sw.js keeps out of its way; a test checks the script says the same).
API = "/api"
HEALTH = "/api/health"
# The probes a load balancer or supervisor polls, at the names they conventionally have
# (outside /api; assets/sw.js keeps out of their way too).
HEALTHZ = "/healthz"
READYZ = "/readyz"
PROBES = (HEALTHZ, READYZ)
HOME = "/"
JOIN = "/join"
JOIN_CAMPAIGN = "/join/[code]"
MANAGE = "/manage/[token]"
OUTBOX = "/outbox"
TWILIO_STATUS = "/api/twilio/status"
TWILIO_INBOUND = "/api/twilio/inbound"
OWNER_ANSWER = "/r/[token]"
STAFF_SIGN_IN = "/staff/sign-in"
STAFF_HOME = "/staff"
STAFF_REQUESTS = "/staff/requests"
STAFF_NEW_REQUEST = "/staff/requests/new"
STAFF_REQUEST_BOARD = "/staff/requests/[request_id]"
# A request's footage alone: for staff added to it who do not see the rest of the board.
STAFF_REQUEST_FOOTAGE = "/staff/requests/[request_id]/footage"
STAFF_USERS = "/staff/users"
STAFF_AUDIT = "/staff/audit"
STAFF_AGREEMENTS = "/staff/agreements"
RECONSENT = "/a/[token]"
RECONFIRM = "/c/[token]"
# The owner's upload page, and the tus endpoint its files go to (issue 11).
FOOTAGE_UPLOAD = "/f/[token]"
FOOTAGE_TUS = "/api/footage/uploads"


def path_prefix(route: str) -> str:
    """The fixed start of ``route``, up to its first ``[argument]`` or ``{placeholder}``."""
    return route.split("[", 1)[0].split("{", 1)[0]


def _with_argument(route: str, value: object) -> str:
    """``route`` with its one ``[argument]`` filled in."""
    start, _, rest = route.partition("[")
    return f"{start}{value}{rest.partition(']')[2]}"


def owner_answer_path(token: str) -> str:
    """Where an owner answers a request: the link in their SMS."""
    return _with_argument(OWNER_ANSWER, token)


def reconsent_path(token: str) -> str:
    """Where an owner reads a new agreement version and accepts it again: their SMS link."""
    return _with_argument(RECONSENT, token)


def reconfirm_path(token: str) -> str:
    """Where an owner confirms with one tap that they still have their cameras: their SMS link."""
    return _with_argument(RECONFIRM, token)


def footage_upload_path(token: str) -> str:
    """Where an owner who approved sends their footage: the link in their follow-up SMS."""
    return _with_argument(FOOTAGE_UPLOAD, token)


def request_board_path(request_id: int) -> str:
    """A request's live board."""
    return _with_argument(STAFF_REQUEST_BOARD, request_id)


TRANSPARENCY = "/transparency"
STAFF_CAMPAIGNS = "/staff/campaigns"
STAFF_DASHBOARD = "/staff/dashboard"
# Files for a campaign's flyer (staff only): qr.png, qr.svg, flyer.pdf?lang=en|es|both
CAMPAIGN_FILES = "/api/campaigns/{code}/{name}"
DASHBOARD_CSV = "/api/dashboard.csv"


def campaign_file_path(code: str, name: str) -> str:
    """Where a campaign's QR image or PDF flyer is downloaded."""
    return CAMPAIGN_FILES.format(code=code, name=name)


MY = "/my"
MY_SIGN_IN = "/my/sign-in"
MY_DATA = "/api/my/data.json"
# A new session's hand-off code is POSTed here ({kind}: staff, owner) to become its cookie;
# signing out is a POST to the same address + /sign-out.
SESSION_HANDOFF = "/api/session/{kind}"
SESSION_SIGN_OUT = "/api/session/{kind}/sign-out"


def session_handoff_path(kind: str) -> str:
    """Where the page POSTs a sign-in's hand-off code (``kind``: staff or owner)."""
    return SESSION_HANDOFF.format(kind=kind)


def session_sign_out_path(kind: str) -> str:
    """Where the page POSTs to sign out (``kind``: staff or owner)."""
    return SESSION_SIGN_OUT.format(kind=kind)


def safe_staff_next(path: str | None) -> str:
    """Only a staff page of this site is a place to go after signing in."""
    if path and path.startswith(STAFF_HOME) and "//" not in path and path != STAFF_SIGN_IN:
        return path
    return STAFF_HOME


# Footage (staff only; every request checks the session and services/footage/access.py):
# a signed short-lived link to play or download one file, a file's thumbnail, and a
# request's case-file archive (?lang=en|es for its custody report).
FOOTAGE_LINK = "/api/custody/link/{token}"
FOOTAGE_THUMBNAIL = "/api/custody/{file_id:int}/thumbnail.jpg"
FOOTAGE_EXPORT = "/api/requests/{request_id:int}/footage.zip"


def footage_link_path(token: str) -> str:
    """Where a play or download link's bytes are served."""
    return FOOTAGE_LINK.format(token=token)


def footage_thumbnail_path(file_id: int) -> str:
    """A received file's thumbnail (a derived JPEG)."""
    return FOOTAGE_THUMBNAIL.replace("{file_id:int}", str(file_id))


def footage_export_path(request_id: int, language: str) -> str:
    """A request's case-file archive, its custody report in ``language``."""
    return FOOTAGE_EXPORT.replace("{request_id:int}", str(request_id)) + f"?lang={language}"


# Live view (issue 14): what a viewer's player fetches, with its short-lived credential.
LIVE_WATCH = "/api/live/watch/{credential}/{name}"


def live_watch_path(credential: str, name: str = "index.m3u8") -> str:
    """Where the board's player reads a share's playlist (and, beside it, its segments)."""
    return LIVE_WATCH.format(credential=credential, name=name)

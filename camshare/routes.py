"""Every page's route, in one place."""

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
STAFF_USERS = "/staff/users"
STAFF_AUDIT = "/staff/audit"


def owner_answer_path(token: str) -> str:
    """Where an owner answers a request: the link in their SMS."""
    return f"/r/{token}"


def request_board_path(request_id: int) -> str:
    """A request's live board."""
    return f"/staff/requests/{request_id}"

"""Every page's route, in one place."""

HOME = "/"
JOIN = "/join"
JOIN_CAMPAIGN = "/join/[code]"
MANAGE = "/manage/[token]"
OUTBOX = "/outbox"
TWILIO_STATUS = "/api/twilio/status"

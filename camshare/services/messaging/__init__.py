"""SMS: the gateway, the outbox, Twilio's delivery reports, inbound texts and number checks."""

"""Footage owners send for a request: intake (the bytes) and custody (what police do)."""

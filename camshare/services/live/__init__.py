"""Live view (issue 14): owners share a camera's live stream with police, per request.

``shares`` holds the rules of sharing (who may share what, for how long, and every way a
share ends); ``viewing`` who may watch, their short-lived credentials and the minutes
watched. The bridge's side (pairing, devices, segment pushes) lives beside them.
"""

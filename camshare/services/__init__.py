"""Use cases and adapters: plain Python, never Reflex."""

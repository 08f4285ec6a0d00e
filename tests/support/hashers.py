"""A cheap argon2 hasher that counts its checks, for tests that sign staff in many times."""

from __future__ import annotations

import threading
from collections.abc import Iterator

from argon2 import PasswordHasher

from camshare.services.staff import passwords


class CountingHasher(PasswordHasher):
    """Cheap argon2 parameters (the tests hash hundreds of times); counts checks, thread-safe."""

    def __init__(self, time_cost: int = 1) -> None:
        super().__init__(time_cost=time_cost, memory_cost=8, parallelism=1)
        self.verified = 0
        self._lock = threading.Lock()

    def verify(self, hash, password) -> bool:
        with self._lock:
            self.verified += 1
        return super().verify(hash, password)


def installed(monkeypatch, hasher: CountingHasher) -> Iterator[CountingHasher]:
    """Make ``hasher`` the one sign-in uses, for one test (a fixture's body: yield from it)."""
    monkeypatch.setattr(passwords, "_HASHER", hasher)
    passwords._dummy_hash.cache_clear()
    yield hasher
    passwords._dummy_hash.cache_clear()

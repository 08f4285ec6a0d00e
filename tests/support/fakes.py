"""In-memory stand-ins for the adapters, for unit tests of the use cases."""

from __future__ import annotations

from dataclasses import dataclass, field

from camshare.services.geography.geocoding import GeocoderUnavailable, Place, query_key


@dataclass
class FakeGeocoder:
    """Knows a few addresses; ``down`` makes it fail like an unreachable service."""

    places: dict[str, Place] = field(default_factory=dict)
    down: bool = False
    calls: list[str] = field(default_factory=list)
    name: str = "fake"

    def add(self, query: str, place: Place) -> None:
        """Teach it an address."""
        self.places[query_key(query)] = place

    def geocode(self, query: str) -> Place | None:
        """The place for ``query``, None if unknown; GeocoderUnavailable when down."""
        self.calls.append(query)
        if self.down:
            raise GeocoderUnavailable("down")
        return self.places.get(query_key(query))

    def reverse(self, lat: float, lon: float) -> Place | None:
        """The known place nearest (within ~100 m) to the point."""
        self.calls.append(f"reverse {lat},{lon}")
        if self.down:
            raise GeocoderUnavailable("down")
        for place in self.places.values():
            if abs(place.lat - lat) < 0.001 and abs(place.lon - lon) < 0.001:
                return place
        return None


class FakeClock:
    """A monotonic clock that moves only when a test sets ``now``."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class MemoryFootageStorage:
    """FootageStorage in a dict, for the intake use cases' tests."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def put_file(self, key, path, *, move=False) -> None:
        import os
        from pathlib import Path

        self.objects[key] = Path(path).read_bytes()
        if move:
            os.unlink(path)

    def open(self, key, start=0):
        import io

        return io.BytesIO(self.objects[key][start:])

    def size(self, key) -> int:
        return len(self.objects[key])

    def exists(self, key) -> bool:
        return key in self.objects

    def delete(self, key) -> None:
        self.objects.pop(key, None)

    def presigned_url(self, key, seconds, *, download_name=None):
        return None

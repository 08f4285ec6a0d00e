"""The life cycle the test stand-in servers share, so that each of them is only its protocol.

A stand-in must never outlive its test nor collide with another one: it binds 127.0.0.1 on
an ephemeral port (tests run in parallel and offline), serves from daemon threads (a hung
request cannot keep the interpreter alive), stops when its ``with`` block ends, and stops
itself after ``max_lifetime`` seconds in case a test never gets that far. Subclasses are
dataclasses that declare a ``max_lifetime`` field, call ``super().__post_init__()`` and say
which request handler to serve; the handler reaches its stand-in as ``self.server.owner``.
"""

from __future__ import annotations

import sys
import threading
from abc import ABC, abstractmethod
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Generic, Self, TypeVar

OwnerT = TypeVar("OwnerT", bound="LoopbackServer")


class LoopbackHTTPServer(ThreadingHTTPServer, Generic[OwnerT]):
    """The HTTP server behind a stand-in; ``owner`` is the stand-in its handlers answer for."""

    daemon_threads = True
    block_on_close = False
    owner: OwnerT

    def handle_error(self, request, client_address) -> None:
        """Stay quiet about clients that hang up (tests time out on purpose), not about bugs."""
        if not isinstance(sys.exception(), ConnectionError | TimeoutError):
            super().handle_error(request, client_address)


class LoopbackServer(ABC):
    """Start, stop and self-destruct for a stand-in server on 127.0.0.1.

    ``self._lock`` guards the life-cycle state; subclasses may take it for their own
    records as well, since ``stop`` holds it only briefly and never while shutting down.
    """

    host = "127.0.0.1"
    max_lifetime: float = 600.0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._httpd: LoopbackHTTPServer[Self] | None = None
        self._thread: threading.Thread | None = None
        self._timer: threading.Timer | None = None

    @abstractmethod
    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        """The request handler to serve with; it finds this object as ``self.server.owner``."""

    @property
    def port(self) -> int:
        """The ephemeral port it listens on, known only once started."""
        if self._httpd is None:
            raise RuntimeError(f"the {type(self).__name__} is not running")
        return self._httpd.server_address[1]

    @property
    def running(self) -> bool:
        """Whether it is serving."""
        return self._httpd is not None

    def start(self) -> Self:
        """Bind an ephemeral port and serve from a daemon thread; returns the server itself."""
        if self._httpd is not None:
            raise RuntimeError(f"the {type(self).__name__} is already running")
        httpd: LoopbackHTTPServer[Self] = LoopbackHTTPServer((self.host, 0), self.handler_class())
        httpd.owner = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=type(self).__name__,
            daemon=True,
        )
        self._thread.start()
        self._timer = threading.Timer(self.max_lifetime, self.stop)
        self._timer.daemon = True
        self._timer.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port; safe to call twice and from the lifetime timer."""
        with self._lock:
            httpd, self._httpd = self._httpd, None
            timer, self._timer = self._timer, None
            thread, self._thread = self._thread, None
        current = threading.current_thread()
        if timer is not None and timer is not current:
            timer.cancel()
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()
        if thread is not None and thread is not current:
            thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

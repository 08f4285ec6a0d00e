"""camshare's bridge API over HTTPS (the standard library's urllib: nothing to install)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from camshare_bridge import protocol
from camshare_bridge.protocol import CameraReport, RegisteredCamera, ShareOrder


class Refused(Exception):
    """camshare said no: ``status`` and the message ``key`` it gave."""

    def __init__(self, status: int, key: str) -> None:
        super().__init__(f"{status} {key}")
        self.status = status
        self.key = key


class Unreachable(Exception):
    """No answer from camshare (network down, server restarting)."""


class BridgeClient:
    """Calls to one camshare server, with this bridge's device secret."""

    def __init__(self, server: str, device_secret: str = "") -> None:
        if not server.startswith(("https://", "http://")):
            raise ValueError("the server's address starts with https://")
        self.server = server.rstrip("/")
        self.secret = device_secret

    def _call(self, method: str, path: str, body: object = None, timeout: float = 15) -> dict:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.secret:
            headers.update(protocol.bearer(self.secret))
        # The scheme was checked in __init__: http(s) only.
        request = urllib.request.Request(self.server + path, data, headers, method=method)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            try:
                key = json.loads(error.read() or b"{}").get("detail", {}).get("key", "")
            except ValueError:
                key = ""
            if error.code >= 500:
                raise Unreachable(f"HTTP {error.code}") from None
            raise Refused(error.code, key) from None
        except (OSError, ValueError) as error:
            raise Unreachable(type(error).__name__) from None

    def pair(self, code: str, name: str) -> str:
        """The device secret for a one-time pairing code."""
        return self._call("POST", protocol.PAIR, {"code": code, "name": name})["device_secret"]

    def registered_cameras(self) -> list[RegisteredCamera]:
        """The owner's cameras as registered on camshare."""
        found = self._call("GET", protocol.CAMERAS)["cameras"]
        return [RegisteredCamera.from_json(item) for item in found]

    def report(self, reports: list[CameraReport]) -> int:
        """Tell camshare what each camera is (name, codec, size, status; nothing else)."""
        body = {"cameras": [report.to_json() for report in reports]}
        return self._call("PUT", protocol.CAMERAS, body)["reported"]

    def shares(self, wait: float, known: str) -> tuple[list[ShareOrder], str]:
        """The active shares, held by the server up to ``wait`` s while they stay ``known``."""
        path = f"{protocol.SHARES}?wait={wait:g}&known={known}"
        answer = self._call("GET", path, timeout=wait + 15)
        return [ShareOrder.from_json(item) for item in answer["shares"]], answer["version"]

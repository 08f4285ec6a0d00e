"""The bridge's config file: where camshare is, its device secret, and each camera's address.

JSON in the user's config folder (``$XDG_CONFIG_HOME/camshare-bridge/config.json``, or
``CAMSHARE_BRIDGE_CONFIG``), readable by its owner only (0600): it holds camera passwords,
which never leave this computer.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class LocalCamera:
    """One camera on the owner's network, mapped to a camera registered on camshare."""

    camera_id: int
    name: str
    rtsp_url: str
    # "tcp" (RTP inside the RTSP connection: what recorders behind Wi-Fi need) or "udp".
    transport: str = "tcp"


@dataclass
class BridgeConfig:
    """Everything the bridge keeps between runs."""

    server: str = ""
    device_name: str = ""
    device_secret: str = ""
    cameras: list[LocalCamera] = field(default_factory=list)

    def camera(self, camera_id: int) -> LocalCamera | None:
        """The local camera mapped to registered camera ``camera_id``."""
        return next((c for c in self.cameras if c.camera_id == camera_id), None)


def default_path() -> Path:
    """Where the config file lives unless ``--config`` says otherwise."""
    if os.environ.get("CAMSHARE_BRIDGE_CONFIG"):
        return Path(os.environ["CAMSHARE_BRIDGE_CONFIG"])
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "camshare-bridge" / "config.json"


def load(path: Path) -> BridgeConfig:
    """The saved config, or an empty one before pairing."""
    if not path.exists():
        return BridgeConfig()
    data = json.loads(path.read_text(encoding="utf-8"))
    cameras = [LocalCamera(**camera) for camera in data.pop("cameras", [])]
    return BridgeConfig(**data, cameras=cameras)


def save(config: BridgeConfig, path: Path) -> None:
    """Write the config readable by its owner only (created 0600, never wider)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(path.name + ".part")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        json.dump(asdict(config), out, indent=2)
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)

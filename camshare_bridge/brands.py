"""RTSP address patterns of common recorder and camera brands, for the owner's setup.

Only shown to the owner: the bridge keeps the address it is given in its own config file.
"""

from __future__ import annotations

BRANDS = {
    "Hikvision": "rtsp://USER:PASS@IP:554/Streaming/Channels/101  (channel 1 main; 102 = sub)",
    "Dahua / Amcrest": "rtsp://USER:PASS@IP:554/cam/realmonitor?channel=1&subtype=0",
    "Reolink": "rtsp://USER:PASS@IP:554/h264Preview_01_main",
    "Lorex": "rtsp://USER:PASS@IP:554/cam/realmonitor?channel=1&subtype=0  (Dahua-made)",
    "Uniview": "rtsp://USER:PASS@IP:554/unicast/c1/s0/live",
    "Axis": "rtsp://USER:PASS@IP:554/axis-media/media.amp",
}


def brand_help() -> list[str]:
    """One line per brand: its name and the address pattern to fill in."""
    return [f"  {brand}: {pattern}" for brand, pattern in BRANDS.items()]

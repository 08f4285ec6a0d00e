"""``python -m camshare_bridge``: pair, set up cameras, check them, run.

pair CODE --server URL     pair with camshare using the code from the owner's page
cameras                    list the owner's cameras registered on camshare
brands                     RTSP address patterns of common brands
add-camera --camera-id N --name NAME --url RTSP [--transport tcp|udp]
check                      probe each camera here and report name, codec, size, status
run                        report cameras, wait for shares, stream each while it lasts
"""

from __future__ import annotations

import argparse
import platform
import signal
import sys
import time
from pathlib import Path

from camshare_bridge import config as config_file
from camshare_bridge.brands import brand_help
from camshare_bridge.client import BridgeClient, Refused, Unreachable
from camshare_bridge.config import BridgeConfig, LocalCamera
from camshare_bridge.messages import say
from camshare_bridge.probe import probe
from camshare_bridge.protocol import MAX_WAIT, CameraReport, ShareOrder
from camshare_bridge.relay import BACKOFF_SECONDS, Relay

POLL_WAIT = 20
# Cameras are probed again this often while the bridge runs (their status on /my).
REPORT_EVERY_SECONDS = 600


def tell(key: str, **params: object) -> None:
    """One line for the person watching the bridge (and its log)."""
    print(f"{time.strftime('%H:%M:%S')} {say(key, **params)}", flush=True)


def _client(config: BridgeConfig) -> BridgeClient:
    if not (config.server and config.device_secret):
        tell("not_paired")
        raise SystemExit(2)
    return BridgeClient(config.server, config.device_secret)


def pair(args, config: BridgeConfig, path: Path) -> int:
    name = args.name or platform.node() or "Bridge"
    try:
        secret = BridgeClient(args.server).pair(args.code, name)
    except Refused:
        tell("pair_refused")
        return 1
    except Unreachable as error:
        tell("server_unreachable", reason=error, seconds=0)
        return 1
    config.server, config.device_name, config.device_secret = args.server.rstrip("/"), name, secret
    config_file.save(config, path)
    tell("paired", server=config.server, name=name)
    return 0


def cameras(_args, config: BridgeConfig, _path: Path) -> int:
    tell("registered")
    for camera in _client(config).registered_cameras():
        print(say("registered_line", camera_id=camera.camera_id, site=camera.site_label,
                  description=camera.description))  # fmt: skip
    return 0


def brands(_args, _config: BridgeConfig, _path: Path) -> int:
    print(say("brands"))
    print("\n".join(brand_help()))
    return 0


def add_camera(args, config: BridgeConfig, path: Path) -> int:
    config.cameras = [c for c in config.cameras if c.camera_id != args.camera_id]
    camera = LocalCamera(args.camera_id, args.name, args.url, args.transport)
    config.cameras.append(camera)
    config_file.save(config, path)
    tell("added", name=args.name, camera_id=args.camera_id)
    return 0


def checked_reports(config: BridgeConfig) -> list[CameraReport]:
    """Probe each camera and say how it went; what camshare may know of each."""
    reports = []
    for camera in config.cameras:
        found = probe(camera)
        tell(f"status_{found.status}", name=camera.name, codec=found.codec,
             width=found.width, height=found.height)  # fmt: skip
        report = CameraReport(
            camera.camera_id, camera.name, found.codec, found.width, found.height, found.status
        )
        reports.append(report)
    return reports


def check(_args, config: BridgeConfig, _path: Path) -> int:
    client = _client(config)
    if not config.cameras:
        tell("no_cameras")
        return 1
    reports = checked_reports(config)
    try:
        tell("reported", count=client.report(reports))
    except Refused as refusal:
        if refusal.status == 401:
            tell("revoked")
            return 2
        raise
    return 0 if all(r.status == "ready" for r in reports) else 1


class Runner:
    """The ``run`` loop: one relay per active share, in step with what camshare says."""

    def __init__(self, config: BridgeConfig) -> None:
        self.config = config
        self.client = _client(config)
        self.relays: dict[int, Relay] = {}
        self.reported_at = 0.0

    def report(self) -> None:
        self.client.report(checked_reports(self.config))
        self.reported_at = time.monotonic()

    def reconcile(self, orders: list[ShareOrder]) -> None:
        wanted = {order.share_id: order for order in orders}
        for share_id, relay in list(self.relays.items()):
            if share_id not in wanted or not relay.running:
                relay.stop("ended on camshare" if share_id not in wanted else relay.reason)
                tell("share_stopped", share_id=share_id, reason=relay.reason)
                del self.relays[share_id]
        for share_id, order in wanted.items():
            if share_id in self.relays:
                continue
            camera = self.config.camera(order.camera_id)
            if camera is None:
                tell("share_unknown_camera", share_id=share_id, camera_id=order.camera_id)
                continue
            self.relays[share_id] = Relay(order, camera, tell).start()
            tell("share_started", share_id=share_id, name=camera.name, ends_at=order.ends_at)

    def stop_all(self, reason: str) -> None:
        for share_id, relay in list(self.relays.items()):
            relay.stop(reason)
            tell("share_stopped", share_id=share_id, reason=relay.reason)
        self.relays.clear()

    def run(self) -> int:
        tell("running")
        attempt, version = 0, ""
        while True:
            try:
                if time.monotonic() - self.reported_at > REPORT_EVERY_SECONDS:
                    self.report()
                # A relay that stopped by itself is noticed at once, not after a long poll.
                wait = 0 if any(not r.running for r in self.relays.values()) else POLL_WAIT
                orders, version = self.client.shares(min(wait, MAX_WAIT), version)
                attempt = 0
            except Refused as refusal:
                if refusal.status == 401:
                    self.stop_all("bridge removed")
                    tell("revoked")
                    return 2
                orders = None
            except Unreachable as error:
                pause = BACKOFF_SECONDS[min(attempt, len(BACKOFF_SECONDS) - 1)]
                tell("server_unreachable", reason=error, seconds=pause)
                attempt += 1
                version = ""
                # Running relays go on: they stop at their share's end, or on a 410.
                self.reconcile_finished()
                time.sleep(pause)
                continue
            if orders is not None:
                self.reconcile(orders)

    def reconcile_finished(self) -> None:
        for share_id, relay in list(self.relays.items()):
            if not relay.running:
                tell("share_stopped", share_id=share_id, reason=relay.reason)
                del self.relays[share_id]


def run(_args, config: BridgeConfig, _path: Path) -> int:
    runner = Runner(config)

    def finish(_signal, _frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, finish)
    try:
        return runner.run()
    except KeyboardInterrupt:
        return 0
    finally:
        runner.stop_all("the bridge was stopped")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m camshare_bridge",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--config", type=Path, default=None, help="config file (JSON, 0600)")
    commands = parser.add_subparsers(dest="command", required=True)
    paired = commands.add_parser("pair", help="pair with camshare using a one-time code")
    paired.add_argument("code")
    paired.add_argument("--server", required=True, help="camshare's address, https://…")
    paired.add_argument("--name", default="", help="this bridge's name on your page")
    commands.add_parser("cameras", help="your cameras registered on camshare")
    commands.add_parser("brands", help="RTSP address patterns of common brands")
    added = commands.add_parser("add-camera", help="set up one camera on this bridge")
    added.add_argument("--camera-id", type=int, required=True, help="see 'cameras'")
    added.add_argument("--name", required=True)
    added.add_argument("--url", required=True, help="rtsp://user:password@address/… (see 'brands')")
    added.add_argument("--transport", choices=("tcp", "udp"), default="tcp")
    commands.add_parser("check", help="check each camera and report it to camshare")
    commands.add_parser("run", help="stream each camera while a share of it is active")
    args = parser.parse_args(argv)
    path = args.config or config_file.default_path()
    handlers = {"pair": pair, "cameras": cameras, "brands": brands, "add-camera": add_camera,
                "check": check, "run": run}  # fmt: skip
    return handlers[args.command](args, config_file.load(path), path)


if __name__ == "__main__":
    sys.exit(main())

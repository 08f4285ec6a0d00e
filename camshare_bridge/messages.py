"""What the bridge tells the person at the owner's site, in English and Spanish.

The bridge is installed alone, so it keeps its own few messages rather than camshare's
catalogs; the language follows ``CAMSHARE_BRIDGE_LANG`` or the system's ``LANG``.
"""

from __future__ import annotations

import os

MESSAGES = {
    "en": {
        "paired": 'Paired with {server} as "{name}". Next: add your cameras with '
        "'python -m camshare_bridge add-camera', then run 'python -m camshare_bridge run'.",
        "pair_refused": "That pairing code does not work: it is wrong, was used already or "
        "is more than 15 minutes old. Get a new one on your camshare page (My registration, "
        "Add a live-view device).",
        "not_paired": "This bridge is not paired yet: run 'python -m camshare_bridge pair CODE "
        "--server URL' with the code from your camshare page.",
        "revoked": "camshare no longer knows this bridge (it was removed on your page). "
        "Pair it again with a new code.",
        "server_unreachable": "camshare cannot be reached ({reason}); trying again in {seconds} s.",
        "registered": "Your cameras registered on camshare:",
        "registered_line": "  {camera_id}: {site} — {description}",
        "added": 'Camera "{name}" saved for registered camera {camera_id}.',
        "no_cameras": "No camera is set up yet: add one with 'python -m camshare_bridge "
        "add-camera'.",
        "status_ready": '"{name}": works ({codec}, {width}x{height}).',
        "status_auth_failed": '"{name}": the camera refused the user name or password. '
        "Check them in the camera's or recorder's settings.",
        "status_unreachable": '"{name}": no answer at that address. Check the address and '
        "port, and that the camera is on.",
        "status_unsupported": '"{name}": the camera answers, but sends {codec}, which '
        "browsers cannot play. Choose H.264 in the camera's video settings.",
        "reported": "Reported {count} camera(s) to camshare (names, codec and size only).",
        "share_started": 'share {share_id}: streaming "{name}" until {ends_at}.',
        "share_stopped": "share {share_id}: stopped ({reason}).",
        "share_retry": "share {share_id}: the stream broke; starting again in {seconds} s.",
        "share_unknown_camera": "share {share_id}: camera {camera_id} is not set up on this "
        "bridge.",
        "running": "Waiting for live shares (press Ctrl+C to stop).",
        "ffmpeg_said": "share {share_id}: ffmpeg: {line}",
        "brands": "Common RTSP address patterns (replace USER, PASS and IP):",
    },
    "es": {
        "paired": 'Vinculado con {server} como "{name}". Ahora: añada sus cámaras con '
        "'python -m camshare_bridge add-camera' y luego ejecute 'python -m camshare_bridge "
        "run'.",
        "pair_refused": "Ese código de vinculación no sirve: es incorrecto, ya se usó o tiene "
        "más de 15 minutos. Pida uno nuevo en su página de camshare (Mi registro, Añadir un "
        "dispositivo de video en vivo).",
        "not_paired": "Este puente aún no está vinculado: ejecute 'python -m camshare_bridge "
        "pair CÓDIGO --server URL' con el código de su página de camshare.",
        "revoked": "camshare ya no reconoce este puente (se quitó en su página). Vincúlelo "
        "otra vez con un código nuevo.",
        "server_unreachable": "No se puede contactar camshare ({reason}); se reintenta en "
        "{seconds} s.",
        "registered": "Sus cámaras registradas en camshare:",
        "registered_line": "  {camera_id}: {site} — {description}",
        "added": 'Cámara "{name}" guardada para la cámara registrada {camera_id}.',
        "no_cameras": "Aún no hay ninguna cámara: añada una con 'python -m camshare_bridge "
        "add-camera'.",
        "status_ready": '"{name}": funciona ({codec}, {width}x{height}).',
        "status_auth_failed": '"{name}": la cámara rechazó el usuario o la contraseña. '
        "Revíselos en la configuración de la cámara o del grabador.",
        "status_unreachable": '"{name}": nadie responde en esa dirección. Revise la '
        "dirección y el puerto, y que la cámara esté encendida.",
        "status_unsupported": '"{name}": la cámara responde, pero envía {codec}, que los '
        "navegadores no reproducen. Elija H.264 en la configuración de video de la cámara.",
        "reported": "Se informaron {count} cámara(s) a camshare (solo nombre, códec y tamaño).",
        "share_started": 'compartición {share_id}: transmitiendo "{name}" hasta {ends_at}.',
        "share_stopped": "compartición {share_id}: detenida ({reason}).",
        "share_retry": "compartición {share_id}: la transmisión se cortó; se reinicia en "
        "{seconds} s.",
        "share_unknown_camera": "compartición {share_id}: la cámara {camera_id} no está "
        "configurada en este puente.",
        "running": "Esperando compartir en vivo (pulse Ctrl+C para detener).",
        "ffmpeg_said": "compartición {share_id}: ffmpeg: {line}",
        "brands": "Direcciones RTSP habituales (cambie USER, PASS e IP):",
    },
}


def language() -> str:
    """The person's language: Spanish when asked for, English otherwise."""
    wanted = os.environ.get("CAMSHARE_BRIDGE_LANG") or os.environ.get("LANG", "")
    return "es" if wanted.lower().startswith("es") else "en"


def say(key: str, **params: object) -> str:
    """The message ``key`` in the person's language, its placeholders filled."""
    text = MESSAGES[language()].get(key) or MESSAGES["en"][key]
    return text.format(**params)

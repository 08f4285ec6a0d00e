"""Draw the camshare app icon and write the PWA / favicon files into assets/.

Run from the project root:  .venv/bin/python scripts/make_icons.py
Needs Pillow (a one-off tool dependency, deliberately not in requirements.txt).

The mark is a white wall-mounted security camera on the brand blue. Everything is
drawn 4x oversize and downsampled, then palette-quantised so each PNG stays small.
"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw

BLUE = (29, 63, 115, 255)  # #1d3f73
WHITE = (255, 255, 255, 255)
SUPERSAMPLE = 4
ASSETS = Path(__file__).resolve().parent.parent / "assets"


def _rotated_rect(cx, cy, w, h, r, angle_deg, steps=8):
    """Points of a rounded rectangle centred on (cx, cy), rotated by angle_deg."""
    pts = []
    corners = [
        (w / 2 - r, h / 2 - r, 0),
        (-w / 2 + r, h / 2 - r, 90),
        (-w / 2 + r, -h / 2 + r, 180),
        (w / 2 - r, -h / 2 + r, 270),
    ]
    for ox, oy, start in corners:
        for i in range(steps + 1):
            a = math.radians(start + 90 * i / steps)
            pts.append((ox + r * math.cos(a), oy + r * math.sin(a)))
    t = math.radians(angle_deg)
    c, s = math.cos(t), math.sin(t)
    return [(cx + x * c - y * s, cy + x * s + y * c) for x, y in pts]


def _draw_mark(draw: ImageDraw.ImageDraw, x0: float, y0: float, size: float) -> None:
    """Draw the camera inside the square box (x0, y0, size); coordinates are 0..1."""

    def p(u, v):
        return (x0 + u * size, y0 + v * size)

    def poly(points, fill):
        draw.polygon([p(u, v) for u, v in points], fill=fill)

    tilt = -20  # front of the camera (left) dips towards the street
    # Wall plate and the L-shaped arm that holds the camera out from it.
    poly(_rotated_rect(0.89, 0.76, 0.11, 0.30, 0.03, 0), WHITE)
    poly(_rotated_rect(0.73, 0.80, 0.32, 0.10, 0.02, 0), WHITE)
    poly(_rotated_rect(0.62, 0.63, 0.10, 0.36, 0.02, 0), WHITE)
    # Camera body, then a slightly taller sun hood over the lens end.
    poly(_rotated_rect(0.47, 0.40, 0.74, 0.28, 0.06, tilt), WHITE)
    poly(_rotated_rect(0.16, 0.51, 0.12, 0.36, 0.03, tilt), WHITE)
    # A blue seam between hood and body keeps the shape readable at 16-48 px.
    poly(_rotated_rect(0.265, 0.475, 0.05, 0.30, 0.0, tilt), BLUE)


def render(px: int, *, shape: str, mark_frac: float) -> Image.Image:
    """shape: 'rounded' (transparent corners) or 'square' (full bleed)."""
    big = px * SUPERSAMPLE
    img = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    if shape == "rounded":
        d.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 0.22, fill=BLUE)
    else:
        d.rectangle((0, 0, big, big), fill=BLUE)
    m = big * mark_frac
    # The drawing fills its box to ~0.06..0.95 x 0.16..0.91; shift so that is centred.
    _draw_mark(d, (big - m) / 2 - m * 0.005, (big - m) / 2 - m * 0.035, m)
    return img.resize((px, px), Image.Resampling.LANCZOS)


def save_png(img: Image.Image, name: str) -> None:
    # A 64-colour palette is visually identical for a two-colour mark and ~5x smaller.
    q = img.quantize(colors=64, method=Image.Quantize.FASTOCTREE)
    # Octree averages buckets, so the flat areas drift a shade off-brand; snap them back.
    pal = q.getpalette("RGBA")
    for i in range(0, len(pal), 4):
        entry = pal[i : i + 4]
        for target in (BLUE, WHITE):
            if entry[3] >= 250 and all(abs(a - b) <= 6 for a, b in zip(entry, target, strict=True)):
                pal[i : i + 4] = target
    q.putpalette(pal, "RGBA")
    path = ASSETS / name
    q.save(path, optimize=True)
    print(f"{path.relative_to(ASSETS.parent)}: {path.stat().st_size} bytes")


def main() -> None:
    ASSETS.mkdir(exist_ok=True)
    save_png(render(192, shape="rounded", mark_frac=0.70), "icon-192.png")
    save_png(render(512, shape="rounded", mark_frac=0.70), "icon-512.png")
    # Maskable: full bleed; the mark reaches ~0.36 of the width from the centre, inside
    # the 0.40 radius safe circle every launcher mask keeps.
    save_png(render(512, shape="square", mark_frac=0.64), "icon-maskable-512.png")
    # iOS rounds the corners itself and shows transparency as black, so full bleed.
    save_png(render(180, shape="square", mark_frac=0.64), "apple-touch-icon.png")
    # Render each favicon size on its own rather than letting the ICO writer shrink one.
    ico32 = render(32, shape="rounded", mark_frac=0.80)
    ico16 = render(16, shape="rounded", mark_frac=0.84)
    ico = ASSETS / "favicon.ico"
    ico32.save(ico, format="ICO", sizes=[(32, 32), (16, 16)], append_images=[ico16])
    print(f"{ico.relative_to(ASSETS.parent)}: {ico.stat().st_size} bytes")


if __name__ == "__main__":
    main()

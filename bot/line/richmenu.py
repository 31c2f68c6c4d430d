"""The rich menu: a 3×2 grid whose buttons send the main menu's postbacks.

The image is drawn by ``flask --app bot line draw-richmenu`` (Pillow, with a
CJK font) and committed as bot/line/richmenu.png, so registering the menu
needs no font on the server.
"""

from __future__ import annotations

import io
from pathlib import Path

from handlers.text import label

IMAGE_PATH = Path(__file__).with_name("richmenu.png")
WIDTH, HEIGHT = 2500, 1686
# (label macro, postback data, background colour)
CELLS = (
    ("venue", "menu:venue", "#1F6FB2"),
    ("visit", "menu:visit", "#2E8B57"),
    ("faq", "menu:faq", "#C77700"),
    ("bookings", "menu:bookings", "#6A4C93"),
    ("person", "g:person", "#B23A48"),
    ("menu", "g:menu", "#4A5568"),
)
FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)


def _cell_box(index: int) -> tuple[int, int, int, int]:
    col, row = index % 3, index // 3
    w, h = WIDTH // 3 + (1 if col < WIDTH % 3 else 0), HEIGHT // 2
    return col * (WIDTH // 3), row * h, w, h


def definition() -> dict:
    areas = []
    for i, (name, data, _colour) in enumerate(CELLS):
        x, y, w, h = _cell_box(i)
        areas.append(
            {
                "bounds": {"x": x, "y": y, "width": w, "height": h},
                "action": {"type": "postback", "data": data, "displayText": label(name)},
            }
        )
    return {
        "size": {"width": WIDTH, "height": HEIGHT},
        "selected": True,
        "name": "myna-desk main menu",
        "chatBarText": label("menu"),
        "areas": areas,
    }


def draw(font_path: str | None = None) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    path = font_path or next((p for p in FONT_CANDIDATES if Path(p).exists()), None)
    if path is None:
        raise RuntimeError("no CJK font: apt-get install fonts-noto-cjk, or pass --font")
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    pen = ImageDraw.Draw(image)
    font = ImageFont.truetype(path, 92)
    for i, (name, _data, colour) in enumerate(CELLS):
        x, y, w, h = _cell_box(i)
        pen.rectangle([x + 8, y + 8, x + w - 8, y + h - 8], fill=colour)
        lines = label(f"rm_{name}").split("|")
        total = len(lines) * 120
        for n, line in enumerate(lines):
            tw = pen.textlength(line, font=font)
            pen.text((x + (w - tw) / 2, y + (h - total) / 2 + n * 120), line, font=font, fill="white")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def image_bytes() -> bytes:
    return IMAGE_PATH.read_bytes()

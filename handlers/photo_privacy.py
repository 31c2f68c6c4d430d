"""Event photos made safe to keep: faces blurred, EXIF gone, all in memory (issue 12).

``process_upload(data)`` takes the bytes a phone sent and returns a ``SafePhoto``: a JPEG
re-encoded from pixels (so no EXIF, GPS, device or time survives), turned upright by its
EXIF orientation first, scaled to at most ``MAX_SIDE`` pixels, with every face the
detector finds made unrecognisable. ``blur_boxes(jpeg, boxes)`` blurs regions staff mark by
hand on an already safe photo. Nothing here touches the disk: the original lives only in
the caller's ``bytes`` and in numpy arrays, and is gone when the request ends.

Face detection: OpenCV's Haar cascades, which ship inside the opencv-python-headless wheel
(``cv2.data.haarcascades``; nothing is downloaded). Frontal (two models) and profile (and
the mirrored image for the other side) on a grey copy scaled so its longest side is
``DETECT_SIDE`` (small photos are upscaled, so small faces in the background are found).
The detector is tuned towards finding too much: a blurred patch of wall costs nothing, a
missed face costs a resident's privacy. After blurring, the result is searched again and
any face still found is blurred too. Each box gets ``PAD`` of its size on every side
before it is pixelated and then smoothed, so no edge or feature is left.

Refusals are ``PhotoRefused(code)``: ``empty``, ``too_large``, ``bad_type``,
``too_many_pixels``, ``corrupt``, ``bad_box``; the console maps each code to a Japanese
sentence in a template.
"""

from __future__ import annotations

import io
import threading
import warnings
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageFile, ImageOps

MAX_BYTES = 10 * 1024 * 1024  # one upload
MAX_PIXELS = 40_000_000  # width × height of the original, checked before decoding
MAX_SIDE = 2400  # the stored photo's longest side
DETECT_SIDE = 1200  # the grey copy the cascades search
MIN_FACE = 20  # pixels, on the detection copy
PAD = 0.35  # of the box's width/height, added on each side
JPEG_QUALITY = 85
# Content signatures, not file names: JPEG, PNG, WebP (an iPhone sends HEIC as JPEG).
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
MAGIC = ((b"\xff\xd8\xff", "JPEG"), (b"\x89PNG\r\n\x1a\n", "PNG"))
CASCADES = (
    "haarcascade_frontalface_default.xml",
    "haarcascade_frontalface_alt2.xml",
    "haarcascade_profileface.xml",
)
PROFILE = "haarcascade_profileface.xml"


class PhotoRefused(ValueError):
    """An upload or a box that cannot be used; ``code`` says why."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    w: int
    h: int

    def padded(self, pad: float, width: int, height: int) -> Box:
        dx, dy = int(self.w * pad), int(self.h * pad)
        x0, y0 = max(0, self.x - dx), max(0, self.y - dy)
        x1, y1 = min(width, self.x + self.w + dx), min(height, self.y + self.h + dy)
        return Box(x0, y0, x1 - x0, y1 - y0)


@dataclass(frozen=True)
class SafePhoto:
    jpeg: bytes  # the only bytes that may be stored
    width: int
    height: int
    faces: tuple[Box, ...]  # what was blurred (detector hits merged, or the boxes given)


# --- decoding -------------------------------------------------------------------


def sniff(data: bytes) -> str | None:
    """The image format from the first bytes (None: not a format we take)."""
    for magic, name in MAGIC:
        if data.startswith(magic):
            return name
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def decode(data: bytes) -> np.ndarray:
    """The upload as upright RGB pixels (H×W×3 uint8), within the limits, or PhotoRefused."""
    if not data:
        raise PhotoRefused("empty")
    if len(data) > MAX_BYTES:
        raise PhotoRefused("too_large")
    expected = sniff(data)
    if expected is None:
        raise PhotoRefused("bad_type")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[expected])
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise PhotoRefused("too_many_pixels")
            _load_strictly(image)
            image = ImageOps.exif_transpose(image) or image
            rgb = _rgb(image)
    except PhotoRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise PhotoRefused("too_many_pixels") from err
    except (OSError, SyntaxError, ValueError, TypeError, EOFError) as err:
        raise PhotoRefused("corrupt") from err
    rgb = _fit(rgb, MAX_SIDE)
    return rgb


_STRICT = threading.Lock()


def _load_strictly(image: Image.Image) -> None:
    """Decode every pixel, refusing a truncated file. WeasyPrint sets Pillow's
    process-wide ``ImageFile.LOAD_TRUNCATED_IMAGES`` when it is imported (the
    reports), which would let half a photo through as grey: it is off while
    an upload decodes."""
    with _STRICT:
        before = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            image.load()
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = before


def _rgb(image: Image.Image) -> np.ndarray:
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    return np.array(image.convert("RGB"), dtype=np.uint8)


def _fit(rgb: np.ndarray, side: int) -> np.ndarray:
    h, w = rgb.shape[:2]
    if max(h, w) <= side:
        return rgb
    scale = side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)


def encode(rgb: np.ndarray) -> bytes:
    """JPEG from pixels only: no EXIF, no ICC profile, no comments."""
    out = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


# --- faces ----------------------------------------------------------------------


_local = threading.local()  # a classifier is not shared between threads


def _cascade(name: str) -> cv2.CascadeClassifier:
    loaded = _local.__dict__.setdefault("cascades", {})
    if name not in loaded:
        classifier = cv2.CascadeClassifier(cv2.data.haarcascades + name)
        if classifier.empty():  # the wheel is broken: refuse to store anything
            raise RuntimeError(f"face model {name} missing from the OpenCV wheel")
        loaded[name] = classifier
    return loaded[name]


def detect_faces(rgb: np.ndarray) -> list[Box]:
    """Face boxes in the image's own pixels (frontal, profile both ways)."""
    h, w = rgb.shape[:2]
    scale = DETECT_SIDE / max(h, w)
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    if scale != 1:
        interp = cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA
        grey = cv2.resize(grey, (round(w * scale), round(h * scale)), interpolation=interp)
    grey = cv2.equalizeHist(grey)
    gw = grey.shape[1]
    found: list[Box] = []
    for name in CASCADES:
        views = [(grey, False)] + ([(cv2.flip(grey, 1), True)] if name == PROFILE else [])
        for image, mirrored in views:
            hits = _cascade(name).detectMultiScale(
                image, scaleFactor=1.1, minNeighbors=5, minSize=(MIN_FACE, MIN_FACE)
            )
            for x, y, bw, bh in hits if len(hits) else ():
                if mirrored:
                    x = gw - x - bw
                found.append(
                    Box(int(x / scale), int(y / scale), int(bw / scale) + 1, int(bh / scale) + 1)
                )
    return found


def merge(boxes: list[Box]) -> list[Box]:
    """Overlapping boxes (the same face found by several models) as one box around them."""
    merged: list[Box] = []
    for box in boxes:
        for i, other in enumerate(merged):
            if (box.x < other.x + other.w and other.x < box.x + box.w
                    and box.y < other.y + other.h and other.y < box.y + box.h):  # fmt: skip
                x0, y0 = min(box.x, other.x), min(box.y, other.y)
                x1 = max(box.x + box.w, other.x + other.w)
                y1 = max(box.y + box.h, other.y + other.h)
                merged[i] = Box(x0, y0, x1 - x0, y1 - y0)
                break
        else:
            merged.append(box)
    return merged if len(merged) == len(boxes) else merge(merged)


def _blur(rgb: np.ndarray, boxes: list[Box], pad: float) -> np.ndarray:
    """Pixelate each padded box to a few cells, then smooth it: nothing recognisable."""
    out = rgb.copy()
    h, w = out.shape[:2]
    for box in boxes:
        b = box.padded(pad, w, h)
        if b.w < 2 or b.h < 2:
            continue
        region = out[b.y : b.y + b.h, b.x : b.x + b.w]
        cells = (max(2, b.w // max(8, b.w // 6)), max(2, b.h // max(8, b.h // 6)))
        small = cv2.resize(region, cells, interpolation=cv2.INTER_AREA)
        smooth = cv2.resize(small, (b.w, b.h), interpolation=cv2.INTER_LINEAR)
        sigma = max(b.w, b.h) / 10
        out[b.y : b.y + b.h, b.x : b.x + b.w] = cv2.GaussianBlur(smooth, (0, 0), sigma)
    return out


def blur_faces(rgb: np.ndarray, passes: int = 3) -> tuple[bytes, list[Box]]:
    """Blur what the detector finds and encode; then search the JPEG as it will be stored
    again and blur anything still found (up to ``passes``)."""
    blurred: list[Box] = []
    jpeg = encode(rgb)
    for _ in range(passes):
        faces = merge(detect_faces(rgb))
        if not faces:
            break
        rgb = _blur(rgb, faces, PAD)
        blurred.extend(faces)
        jpeg = encode(rgb)
        rgb = np.array(Image.open(io.BytesIO(jpeg), formats=["JPEG"]).convert("RGB"))
    return jpeg, blurred


# --- the API the console uses ------------------------------------------------------


def process_upload(data: bytes) -> SafePhoto:
    """The upload, made safe to store (or PhotoRefused). ``data`` is not kept."""
    rgb = decode(data)
    h, w = rgb.shape[:2]
    jpeg, faces = blur_faces(rgb)
    return SafePhoto(jpeg, w, h, tuple(faces))


def parse_box(x: str, y: str, w: str, h: str, width: int, height: int) -> Box:
    """A box typed or drawn by staff, in the stored photo's pixels, clipped to it."""
    try:
        bx, by, bw, bh = (round(float(v)) for v in (x, y, w, h))
    except (TypeError, ValueError) as err:
        raise PhotoRefused("bad_box") from err
    if bw < 4 or bh < 4 or bx >= width or by >= height or bx + bw <= 0 or by + bh <= 0:
        raise PhotoRefused("bad_box")
    x0, y0 = max(0, bx), max(0, by)
    return Box(x0, y0, min(width, bx + bw) - x0, min(height, by + bh) - y0)


def blur_boxes(jpeg: bytes, boxes: list[Box], pad: float = 0.1) -> SafePhoto:
    """Blur regions marked by hand on a stored (already safe) photo."""
    image = Image.open(io.BytesIO(jpeg), formats=["JPEG"])
    rgb = np.array(image.convert("RGB"), dtype=np.uint8)
    rgb = _blur(rgb, boxes, pad)
    h, w = rgb.shape[:2]
    return SafePhoto(encode(rgb), w, h, tuple(boxes))

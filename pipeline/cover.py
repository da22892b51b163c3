"""A generated square cover for a show that has no artwork of its own.

Apple asks for a square RGB JPEG or PNG of 1400–3000 px. The picture is a
function of the title alone (the same font, no timestamps in the PNG),
so publishing again writes the same bytes.
"""

from __future__ import annotations

import functools
import hashlib
import io
import textwrap
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from pipeline.errors import InputError

MIN_SIZE = 1400
MAX_SIZE = 3000


def _colours(title: str) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    # A dark background whose hue comes from the title, so two shows' covers differ.
    h = hashlib.sha256(title.encode()).digest()
    background = (20 + h[0] % 50, 25 + h[1] % 50, 45 + h[2] % 70)
    accent = (150 + h[3] % 100, 120 + h[4] % 120, 60 + h[5] % 120)
    return background, accent


def _font(px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    # DejaVu (fonts-dejavu) covers accented and non-Latin letters; Pillow's bundled
    # font, the fallback, has ASCII only.
    try:
        return ImageFont.truetype("DejaVuSans.ttf", px)
    except OSError:
        return ImageFont.load_default(size=px)


def _wrap(draw: ImageDraw.ImageDraw, title: str, size: int) -> tuple[list[str], int]:
    """The largest font size at which the wrapped title fits in the inner 80 %."""
    inner = size * 0.8
    for px in range(size // 6, size // 40, -max(1, size // 200)):
        font = _font(px)
        width = max(8, int(inner / (px * 0.55)))
        # Words stay whole: a long word makes the font smaller instead of splitting.
        lines = textwrap.wrap(title, width=width, break_long_words=False) or [title]
        widths = [draw.textlength(line, font=font) for line in lines]
        if max(widths) <= inner and len(lines) * px * 1.25 <= inner * 0.7:
            return lines, px
    return textwrap.wrap(title, width=40, break_long_words=True) or [title], size // 40


@functools.lru_cache(maxsize=32)
def cover_png(title: str, size: int = MIN_SIZE) -> bytes:
    """A square RGB PNG showing the title, as bytes (remembered: every feed write asks
    for its show's, and drawing one takes 50 ms)."""
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise InputError(f"cover size must be {MIN_SIZE}–{MAX_SIZE} px, not {size}")
    title = " ".join(title.split()) or "untitled"
    background, accent = _colours(title)
    image = Image.new("RGB", (size, size), background)
    draw = ImageDraw.Draw(image)
    margin = size // 10
    bar = max(4, size // 80)
    draw.rectangle((margin, margin, size - margin, margin + bar), fill=accent)
    draw.rectangle((margin, size - margin - bar, size - margin, size - margin), fill=accent)
    lines, px = _wrap(draw, title, size)
    font = _font(px)
    line_height = int(px * 1.25)
    y = (size - line_height * len(lines)) // 2
    for line in lines:
        draw.text((size // 2, y + line_height // 2), line, font=font, fill="white", anchor="mm")
        y += line_height
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def generate_cover(title: str, out: Path, size: int = MIN_SIZE) -> Path:
    """Write the generated cover to `out` (a .png path) and return it."""
    data = cover_png(title, size)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return out

"""Bytes to text: a byte-order mark, else UTF-8, else the encoding charset_normalizer
guesses; binary files (images, PDFs, archives, programs) and text that does not read as
text are refused with an InputError that names the input."""

from __future__ import annotations

import re
import unicodedata

import charset_normalizer

from pipeline.errors import InputError

MAGIC = {
    b"\x89PNG": "a PNG image",
    b"%PDF-": "a PDF document",
    b"PK\x03\x04": "a zip archive",
    b"\x1f\x8b": "a gzip archive",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x7fELF": "a program",
}


BOMS = [  # UTF-32 first: its little-endian BOM starts with UTF-16's
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
]


CONTROL_BYTES = frozenset(range(32)) - {9, 10, 12, 13} | {127}


UNREADABLE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd]")


def decode(data: bytes, what: str) -> str:
    """Bytes to text: BOMs, UTF-8, UTF-8 mixed with cp1252 lines, then a guess; else InputError."""
    if not data.strip():
        raise InputError(f"{what} is empty")
    text = _decode_bom(data)
    if text is None:
        reason = _binary_reason(data)
        if reason:
            raise InputError(
                f"{what} is a binary file, not an article ({reason}); "
                "give it Markdown, text or HTML"
            )
        text = _decode_utf8(data) or _decode_guess(data)
    if text is None or not readable(text):
        raise InputError(f"{what} could not be decoded as text; save it as UTF-8 and try again")
    if not text.strip():
        raise InputError(f"{what} is empty")
    return text


def _decode_bom(data: bytes) -> str | None:
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace").lstrip("\ufeff")
    return None


def _binary_reason(data: bytes) -> str | None:
    for magic, name in MAGIC.items():
        if data.startswith(magic):
            return f"looks like {name}"
    head = data[:8192]
    if b"\x00" in head:
        return "it contains NUL bytes"
    controls = sum(byte in CONTROL_BYTES for byte in head)
    if controls > len(head) // 10:
        return f"{100 * controls // len(head)}% of it is control characters"
    return None


def _decode_utf8(data: bytes) -> str | None:
    """UTF-8, or per line UTF-8 else cp1252: files pasted together from several editors."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    raw = data.splitlines(keepends=True)
    lines = [_utf8_or_none(line) for line in raw]
    if not any(line and not line.isascii() for line in lines):
        return None  # no UTF-8 anywhere: a legacy encoding, for the guesser
    return "".join(
        text if text is not None else line.decode("cp1252", errors="replace")
        for text, line in zip(lines, raw, strict=True)
    )


def _utf8_or_none(line: bytes) -> str | None:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _decode_guess(data: bytes) -> str | None:
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        return None
    text = str(best)
    # The guesser often names a Baltic or Central European code page for plain
    # Western text; for Latin-script text cp1252 is the likely one.
    if all(
        unicodedata.name(c, "").startswith("LATIN") for c in text if c.isalpha() and not c.isascii()
    ):
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            pass
    return text


def readable(text: str) -> bool:
    return len(UNREADABLE.findall(text)) <= len(text) // 20

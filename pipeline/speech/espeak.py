"""espeak-ng: formant synthesis from the system package, fast and clearly robotic.

Run as a subprocess with the text on stdin (`--stdin`), so no text is ever
read as an option. Speed maps to words per minute, 175 at 1.0 (espeak-ng's
default). The default host voice "en-us+f3" is US English with a female variant.
"""

from __future__ import annotations

import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

from pipeline.config import Voice
from pipeline.errors import ConfigError
from pipeline.speech.engines import check_speed

BINARY = "espeak-ng"
WORDS_PER_MINUTE = 175
TIMEOUT = 120  # seconds; a script line takes espeak-ng well under one


class EspeakEngine:
    """espeak-ng voices ("en-us", "en-us+f3", "en-gb+m3", …)."""

    name = "espeak"
    heavy = False

    @property
    def version(self) -> str:
        return _version(_binary())

    def fingerprint(self, voice: Voice) -> str:
        check_speed(voice)
        _check_voice(_binary(), voice.voice)
        return voice.voice

    def synthesize(self, text: str, voice: Voice, out: Path) -> None:
        check_speed(voice)
        wpm = round(WORDS_PER_MINUTE * voice.speed)
        _run([_binary(), "-v", voice.voice, "-s", str(wpm), "-w", str(out), "--stdin"], text)


def _binary() -> str:
    # Looked up on each call, not cached: PATH can change (and tests change it).
    path = shutil.which(BINARY)
    if path is None:
        raise ConfigError(
            "espeak-ng is not installed (it speaks the espeak voices): install it "
            "(apt-get install espeak-ng, or brew install espeak-ng) or give the host a "
            'Piper voice (engine = "piper")'
        )
    return path


@lru_cache(maxsize=4)
def _version(binary: str) -> str:
    return _run([binary, "--version"], "").strip()


@lru_cache(maxsize=32)
def _check_voice(binary: str, voice: str) -> None:
    """ConfigError for a voice espeak-ng does not have (it takes ~10 ms to ask)."""
    try:
        _run([binary, "-q", "-v", voice, "--stdin"], "")
    except ConfigError:
        raise ConfigError(
            f"espeak-ng has no voice {voice!r}: see `espeak-ng --voices` for languages and "
            '`espeak-ng --voices=variant` for variants ("en-us+f3")'
        ) from None


def _run(args: list[str], text: str) -> str:
    try:
        done = subprocess.run(
            args, input=text, capture_output=True, text=True, timeout=TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        raise ConfigError(f"espeak-ng failed to run: {e}") from e
    if done.returncode != 0:
        message = (done.stderr or done.stdout).strip() or f"exit status {done.returncode}"
        raise ConfigError(f"espeak-ng failed: {message}")
    return done.stdout

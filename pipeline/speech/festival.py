"""Festival with an HTS voice (Debian's festvox-us-slt-hts: "cmu_us_slt_arctic_hts").

One persistent `festival --pipe` process per engine instance, so per process
(`engine_named` caches engines): the voice is loaded once, not once per line.
`text2wave` per line costs about 1.5 s of wall time for 7.7 s of audio (most
of it loading the voice); the persistent process says the same line in about
0.25 s (about 30× real time on one core).

Each line is one Scheme request on the process's stdin:

    (set! hts_engine_params (append <voice's own params> (list (list "-r" SPEED))))
    (utt.save.wave (utt.synth (Utterance Text "…")) "/path.wav" 'riff)
    (format t "<marker>\\n") (fflush nil)

and stdout (stderr merged into it) is read up to the marker. The speed is set
on every request from the voice's own parameters, so one line's speed never
leaks into the next. The text is a Scheme string literal: backslashes and
double quotes escaped, control characters and anything outside printable
ASCII turned into spaces (after folding accents and typographic quotes), so
no text can end the string and run as Scheme. A request that takes longer than
`timeout` seconds kills the process (the next line starts a fresh one) and
raises ConfigError; so does a process that died, or a WAV that was not written.

Festival's own text analysis reads what `normalize.spoken` leaves: numbers
are already words and spelled acronyms are letters joined by hyphens ("G-P-U",
"A-I"), which Festival says letter by letter (a lone "A" it would read as
the article). Heard through Whisper tiny.en, Festival's "G-B two hundred",
"M-I three hundred X", "H one hundred" and "G-P-U's" come back as GB200,
MI300X, H100 and GPU's; "N-V-L" is heard "and VL" and "P-U-E" as "PRE"
(the recogniser's weakness with those letters said quickly).

`heavy`: False, by measurement on 2 cores (render_clips, workers=2; times
include starting Festival and, with the pool, the pool's processes):

    script                          heavy=False   heavy=True
    10 Festival lines (60 s)           ~15x          ~11x
    60 Festival lines (430 s)          ~23x          ~37x
    60 lines, Festival and Piper       ~21-32x       ~17x

With heavy=False the Festival lines render in the calling process, one after
another, while the pool says the Piper lines (the default show: Lena on
Festival, Miles on Piper), so both cores work and no pool process loads a
Festival voice too. A show voiced by Festival alone renders long scripts
faster with heavy=True (each pool process then owns its own Festival).
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import os
import re
import select
import shutil
import subprocess
import tempfile
import threading
import time
import unicodedata
import wave
from functools import lru_cache
from pathlib import Path

from pipeline.config import Voice
from pipeline.errors import ConfigError
from pipeline.registry import ENGINES
from pipeline.speech.engines import check_speed

BINARY = "festival"
DEFAULT_VOICE = ENGINES["festival"].default_voice
INSTALL = "apt-get install festival festvox-us-slt-hts"
VOICE_NAME = re.compile(r"[a-z0-9_]+")
TIMEOUT = 120.0  # seconds per line; a long line takes Festival a few seconds
START_TIMEOUT = 60.0  # starting Festival and loading the voice takes about a second
# Festival guesses words its CMU lexicon lacks from their letters, and for this
# show's vocabulary it often guesses wrong ("terawatt" as "terr-AT-wut", "capex" as
# "KAY-pex", "Nvidia" without its "en"); Whisper then hears "to rwdrs" for "terawatt
# hours". These entries (CMU phones, stress 1/2/0) are added when the voice loads.
LEXICON: dict[str, str] = {
    "terawatt": "((t eh) 1) ((r ax) 0) ((w aa t) 2)",
    "terawatts": "((t eh) 1) ((r ax) 0) ((w aa t s) 2)",
    "gigawatt": "((g ih) 1) ((g ax) 0) ((w aa t) 2)",
    "gigawatts": "((g ih) 1) ((g ax) 0) ((w aa t s) 2)",
    "capex": "((k ae) 1) ((p eh k s) 2)",
    "opex": "((ow) 1) ((p eh k s) 2)",
    "hyperscaler": "((hh ay) 1) ((p er) 0) ((s k ey) 2) ((l er) 0)",
    "hyperscalers": "((hh ay) 1) ((p er) 0) ((s k ey) 2) ((l er z) 0)",
    "nvidia": "((eh n) 0) ((v ih) 1) ((d iy) 0) ((ax) 0)",
    "coreweave": "((k ao r) 1) ((w iy v) 2)",
    "equinix": "((eh) 1) ((k w ax) 0) ((n ih k s) 2)",
    "vertiv": "((v er) 1) ((t ih v) 0)",
    "exascale": "((eh k) 1) ((s ax) 0) ((s k ey l) 2)",
    "exaflops": "((eh k) 1) ((s ax) 0) ((f l aa p s) 2)",
    "petaflops": "((p eh) 1) ((t ax) 0) ((f l aa p s) 2)",
    "megapack": "((m eh) 1) ((g ax) 0) ((p ae k) 2)",
    "inferencing": "((ih n) 1) ((f er) 0) ((ax n) 0) ((s ih ng) 0)",
    # The voice clips a tens word's last syllable ("forty" heard as "4t", "eighty" as
    # "eight"). Said the American way, with a flapped t: numbers heard right in 53 of
    # 60 trials against 47 (five sentences, eight tens words, tiny.en and base); WER
    # 0.071 against 0.078 on 16 corpus sentences with tens numbers; but 0.113 against
    # 0.079 on ten sentences without them (HTS context moves neighbouring words).
    "twenty": "((t w eh n) 1) ((iy) 0)",
    "thirty": "((th er) 1) ((d iy) 0)",
    "forty": "((f ao r) 1) ((d iy) 0)",
    "seventy": "((s eh) 1) ((v ax n) 0) ((iy) 0)",
    "eighty": "((ey) 1) ((d iy) 0)",
    "ninety": "((n ay n) 1) ((d iy) 0)",
}
ASCII_FOLD = str.maketrans(
    {"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": ", ", "…": "...", "\u00a0": " "}
)


class FestivalEngine:
    """Festival voices ("cmu_us_slt_arctic_hts"), one Festival process per engine."""

    name = "festival"
    heavy = False

    def __init__(self, timeout: float = TIMEOUT) -> None:
        self.timeout = timeout
        self._lock = threading.Lock()
        self._process: _Festival | None = None
        atexit.register(self.close)

    @property
    def version(self) -> str:
        """Festival's version and the lexicon's digest: a changed entry changes the clips."""
        lexicon = hashlib.sha256(json.dumps(LEXICON, sort_keys=True).encode()).hexdigest()
        return f"{_version(_binary())}; lexicon {lexicon[:12]}"

    def fingerprint(self, voice: Voice) -> str:
        check_speed(voice)
        _check_voice(_binary(), voice.voice)
        return voice.voice

    def synthesize(self, text: str, voice: Voice, out: Path) -> None:
        check_speed(voice)
        binary = _binary()
        _check_voice(binary, voice.voice)
        out = Path(out).resolve()
        out.unlink(missing_ok=True)  # so a WAV that is there afterwards is this line's
        # Festival is handed only printable ASCII: a path with anything else in it (a data
        # folder named in Greek) is written beside the system's temporary files and moved.
        ascii_path = str(out).isascii() and str(out).isprintable()
        wav = out
        if not ascii_path:
            fd, name = tempfile.mkstemp(prefix="infracast-festival-", suffix=".wav")
            os.close(fd)
            wav = Path(name)
        try:
            self._say(text, voice, binary, wav)
            if not ascii_path:
                shutil.move(wav, out)
        finally:
            if not ascii_path:
                wav.unlink(missing_ok=True)

    def _say(self, text: str, voice: Voice, binary: str, out: Path) -> None:
        out.unlink(missing_ok=True)
        request = (
            f"(set! hts_engine_params (append infracast_voice_params "
            f'(list (list "-r" {voice.speed:.6f}))))\n'
            f"(utt.save.wave (utt.synth (Utterance Text {scheme_string(text)})) "
            f"{scheme_string(str(out))} 'riff)\n"
        )
        with self._lock:
            process = self._process
            if process is None or not process.alive() or process.key != (binary, voice.voice):
                if process is not None:
                    process.close()
                self._process = None
                process = _Festival(binary, voice.voice)
                self._process = process
            try:
                said = process.ask(request, self.timeout)
            except ConfigError:
                process.close()
                self._process = None
                raise
        if not _is_wav(out):
            raise ConfigError(
                f"Festival wrote no audio for the line {text[:60]!r}"
                + (f": {said.strip()[-300:]}" if said.strip() else "")
            )

    def close(self) -> None:
        """Ends the Festival process (also run at exit)."""
        with self._lock:
            if self._process is not None:
                self._process.close()
                self._process = None


class _Festival:
    """One `festival --pipe` process with a voice loaded."""

    def __init__(self, binary: str, voice: str) -> None:
        self.key = (binary, voice)
        self._count = 0
        try:
            self._popen = subprocess.Popen(
                [binary, "--pipe"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as e:
            raise ConfigError(f"Festival failed to start: {e}; {INSTALL}") from e
        try:
            said = self.ask(
                f"(voice_{voice})\n(define infracast_voice_params hts_engine_params)\n"
                + "".join(
                    f'(lex.add.entry \'("{word}" nil ({said})))\n' for word, said in LEXICON.items()
                )
                + '(if (not infracast_voice_params) (format t "INFRACAST-NOT-HTS\\n"))\n',
                START_TIMEOUT,
            )
        except ConfigError:
            self.close()
            raise
        if "SIOD ERROR" in said or "INFRACAST-NOT-HTS" in said:
            self.close()
            raise ConfigError(
                f"Festival cannot load the voice {voice!r} as an HTS voice: "
                f"{said.strip()[-300:]}; {INSTALL}"
            )

    def alive(self) -> bool:
        return self._popen.poll() is None

    def ask(self, request: str, timeout: float) -> str:
        """Sends Scheme `request`; what Festival printed before the end marker."""
        self._count += 1
        marker = f"INFRACAST-DONE-{os.getpid()}-{self._count}"
        stdin, stdout = self._popen.stdin, self._popen.stdout
        assert stdin is not None and stdout is not None
        try:
            stdin.write(f'{request}(format t "\\n{marker}\\n")\n(fflush nil)\n'.encode("ascii"))
            stdin.flush()
        except OSError as e:
            raise ConfigError(f"Festival stopped: {e}") from e
        deadline = time.monotonic() + timeout
        fd = stdout.fileno()
        buffer = b""
        end = marker.encode() + b"\n"
        while end not in buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ConfigError(
                    f"Festival took more than {timeout:g} s to say a line; it was stopped "
                    "(the next line starts it again)"
                )
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                code = self._popen.wait()
                raise ConfigError(
                    f"Festival stopped (exit status {code}): "
                    f"{buffer.decode('utf-8', 'replace').strip()[-300:]}"
                )
            buffer += chunk
        return buffer[: buffer.index(end)].decode("utf-8", "replace")

    def close(self) -> None:
        if self._popen.poll() is None:
            try:
                os.killpg(self._popen.pid, 9)
            except OSError:
                self._popen.kill()
        self._popen.wait()
        for stream in (self._popen.stdin, self._popen.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


def scheme_string(text: str) -> str:
    """`text` as a Scheme (SIOD) string literal: printable ASCII, `\\` and `"` escaped."""
    text = unicodedata.normalize("NFKD", text.translate(ASCII_FOLD))
    printable = "".join(c if " " <= c <= "~" else " " for c in text if not unicodedata.combining(c))
    return '"' + printable.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _binary() -> str:
    # Looked up on each call, not cached: PATH can change (and tests change it).
    path = shutil.which(BINARY)
    if path is None:
        raise ConfigError(
            f"Festival is not installed (it speaks the festival voices): {INSTALL}, "
            'or give the host another engine (engine = "espeak")'
        )
    return path


@lru_cache(maxsize=4)
def _version(binary: str) -> str:
    try:
        done = subprocess.run(
            [binary, "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        raise ConfigError(f"Festival failed to run: {e}; {INSTALL}") from e
    said = (done.stdout or done.stderr).strip()
    if done.returncode != 0 or not said:
        raise ConfigError(f"Festival failed to run: {said or done.returncode}; {INSTALL}")
    return re.sub(r"^\S*festival: ", "", said)  # "/usr/bin/festival: Festival Speech …"


@lru_cache(maxsize=4)
def _voices(binary: str) -> tuple[str, ...]:
    """The voices Festival has (about 0.2 s to ask; the voices are not loaded)."""
    try:
        done = subprocess.run(
            [binary, "--pipe"],
            input='(format t "VOICES %l\\n" (voice.list))\n',
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        raise ConfigError(f"Festival failed to run: {e}; {INSTALL}") from e
    found = re.search(r"^VOICES \((.*)\)$", done.stdout, re.M)
    if found is None:
        raise ConfigError(f"Festival failed to list its voices: {done.stderr.strip()}; {INSTALL}")
    return tuple(found.group(1).split())


def _check_voice(binary: str, voice: str) -> None:
    if not VOICE_NAME.fullmatch(voice):
        raise ConfigError(
            f"{voice!r} is not a Festival voice name (lower-case letters, digits and "
            f'"_", such as "{DEFAULT_VOICE}")'
        )
    voices = _voices(binary)
    if voice not in voices:
        package = " (from festvox-us-slt-hts)" if voice == DEFAULT_VOICE else ""
        raise ConfigError(
            f"Festival has no voice {voice!r}{package}; voices installed: "
            f"{', '.join(voices) or 'none'}; {INSTALL}"
        )


def _is_wav(path: Path) -> bool:
    try:
        with wave.open(str(path), "rb") as wav:
            return wav.getnframes() > 0 or wav.getframerate() > 0
    except (OSError, EOFError, wave.Error):
        return False

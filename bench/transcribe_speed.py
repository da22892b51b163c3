"""Transcription with word timestamps: audio seconds per wall second, accuracy and peak RSS,
faster-whisper (int8) and openai-whisper (the converted checkpoint, float32) side by side,
each over the whole episode and clip by clip, and faster-whisper with Whisper base (the
QA's second opinion, joined from its two packages into a temporary data root) over the
whole episode. Target: >= 15x real time.

python -m bench.transcribe_speed [--beam N]

The audio is about 60 s of espeak-ng: sentences from the example articles, two
voices taking turns, 0.6 s between lines, mastered into a 96 kbit/s MP3 as the
assembler would (the clip-by-clip path reads the WAV clips). Each case runs in
a fresh process so its peak RSS is its own; the model is loaded and warmed on
one clip before the clock starts. WER is the QA's word-weighted episode WER
against the script (both sides normalised), so accuracy compares like for like.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path
from typing import cast

from bench.common import EXAMPLES, table
from pipeline.models import Line, Script, Segment, TimedLine, Timeline
from pipeline.speech.normalize import spoken

VOICES = ("en-us+f3", "en-us+m3")
SPEAKERS = ("Lena", "Miles")
GAP = 0.6
TARGET_SECONDS = 60.0
CASES = [
    ("faster-whisper", "tiny.en", "episode"),
    ("faster-whisper", "tiny.en", "clips"),
    ("whisper", "tiny.en", "episode"),
    ("whisper", "tiny.en", "clips"),
    ("faster-whisper", "base", "episode"),
]


def sentences() -> list[str]:
    """Example-article sentences of 10 to 20 words, in article order."""
    text = " ".join(p.read_text("utf-8") for p in sorted(EXAMPLES.glob("*.md")))
    text = re.sub(r"(?m)^#.*$", "", text)
    found = re.split(r"(?<=[.!?])\s+", " ".join(text.split()))
    return [s for s in found if 10 <= len(s.split()) <= 20]


def _speak(text: str, voice: str, out: Path) -> tuple[bytes, int]:
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(out), spoken(text)], check=True)
    with wave.open(str(out), "rb") as f:
        return f.readframes(f.getnframes()), f.getframerate()


def make_episode(folder: Path) -> tuple[float, int]:
    """Clips, the episode MP3 and meta.json (script, timeline, clips) in `folder`."""
    pcm, lines, timed, clips, at, rate = b"", [], [], [], 0.0, 22050
    for i, text in enumerate(sentences()):
        if at >= TARGET_SECONDS:
            break
        clip = folder / f"l{i}.wav"
        frames, rate = _speak(text, VOICES[i % 2], clip)
        start = at + (GAP if pcm else 0.0)
        pcm += b"\0\0" * round((start - at) * rate) + frames
        at = start + len(frames) / 2 / rate
        lines.append(Line(id=f"l{i}", speaker=SPEAKERS[i % 2], text=text))
        timed.append(
            TimedLine(line_id=f"l{i}", speaker=SPEAKERS[i % 2], segment=0, start=start, end=at)
        )
        clips.append((str(clip), start))
    with wave.open(str(folder / "episode.wav"), "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(rate)
        f.writeframes(pcm)
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-i",
            str(folder / "episode.wav"),
            "-codec:a",
            "libmp3lame",
            "-b:a",
            "96k",
            str(folder / "episode.mp3"),
        ],
        check=True,
    )
    script = Script(
        title="bench",
        summary="",
        segments=[Segment(title="all")],
        lines=lines,
        hosts=list(SPEAKERS),
    )
    timeline = Timeline(duration=at, lines=timed, segments=[])
    (folder / "meta.json").write_text(
        json.dumps(
            {
                "script": script.model_dump(),
                "timeline": timeline.model_dump(),
                "clips": clips,
            }
        )
    )
    return at, len(lines)


def run_case(backend: str, name: str, mode: str, folder: Path, beam: int) -> dict[str, float]:
    """One case in this process: warm up, transcribe, score. Prints nothing."""
    from pipeline.transcribe import backends, hearing, scoring

    meta = json.loads((folder / "meta.json").read_text())
    script = Script.model_validate(meta["script"])
    timeline = Timeline.model_validate(meta["timeline"])
    clips = [(Path(p), float(o)) for p, o in meta["clips"]]
    model = str(folder / "whisper.pt") if backend == "whisper" else name
    options = backends.TranscribeOptions(
        backend=backend, model=model, beam_size=beam, data_root=folder
    )
    hearing.transcribe_episode(folder / "episode.mp3", clips[:1], "clips", options)  # load, warm
    start = time.perf_counter()
    audio = folder / "episode.mp3"
    words = hearing.transcribe_episode(audio, clips, cast(hearing.Mode, mode), options)
    wall = time.perf_counter() - start
    report = scoring.qa(script, timeline, words, backend=backend, model=model)
    return {
        "wall": wall,
        "wer": report.wer,
        "flagged": len(report.flagged),
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--beam", type=int, default=5, help="beam size for both backends")
    parser.add_argument(
        "--case", nargs=4, metavar=("BACKEND", "MODEL", "MODE", "FOLDER"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.case:
        backend, name, mode, folder = args.case
        print(json.dumps(run_case(backend, name, mode, Path(folder), args.beam)))
        return
    from pipeline.whisper_convert import convert_packaged

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        duration, count = make_episode(folder)
        started = time.perf_counter()
        convert_packaged(folder / "whisper.pt")
        converted = time.perf_counter() - started
        rows = [
            (
                "audio",
                f"{duration:.1f} s of espeak-ng, {count} lines, "
                f"beam {args.beam}, word timestamps on",
            ),
            ("convert tiny.en (CT2 -> openai-whisper)", f"{converted:.1f} s"),
        ]
        for backend, name, mode in CASES:
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "bench.transcribe_speed",
                    "--beam",
                    str(args.beam),
                    "--case",
                    backend,
                    name,
                    mode,
                    str(folder),
                ],
                check=True,
                capture_output=True,
                text=True,
            )
            r = json.loads(done.stdout.strip().splitlines()[-1])
            kind = "int8" if backend == "faster-whisper" else "fp32"
            label = f"{backend} {name} ({kind}), {mode}"
            rows.append(
                (
                    label,
                    f"{duration / r['wall']:5.1f}x real time  {r['wall']:5.1f} s  "
                    f"WER {r['wer']:.3f} ({int(r['flagged'])} lines flagged)  "
                    f"peak RSS {r['rss_mb']:.0f} MB",
                )
            )
    table("transcription with word timestamps (target >= 15x real time)", rows)


if __name__ == "__main__":
    main()

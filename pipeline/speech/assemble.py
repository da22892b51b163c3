"""Assemble an episode: line clips, pauses and stingers, mastered, as a tagged MP3 with chapters.

The stage takes the approved script and one WAV clip per line and returns the
MP3 with its timeline: where every line and segment sits in the final audio.

Layout, in seconds (clips are first trimmed of the engines' own edge silence,
keeping 20 ms, so these pauses are the pauses heard):

- 0.3 lead-in, the opening stinger, 0.5, then the first line. When the script
  opens with a cold open (a `cold_open` line and the reactions that follow it),
  the teaser plays first and the opening stinger follows it, before the intro.
- between lines of a segment: 0.25 after a question (the answer comes straight
  back), 0.3 before a reaction and between lines of one speaker, 0.45 at a
  change of speaker, 0.7 before a transition, recap or outro (a change of topic).
- between segments: 0.7, the break stinger, 0.5 (about 2 s in all).
- after the last line: 0.7, the closing stinger, 0.3.

A segment (an ID3 chapter) starts at the stinger that opens it, the first at 0,
and ends where the next starts, the last at the end: chapters tile the episode.

Mastering: each host is levelled to −16 LUFS on its own (the two engines differ
by several dB), the stingers sit 6 LU under the speech, and the whole is gained
so that it reads −16 LUFS integrated after a look-ahead limiter that holds the
true peak under −2 dBTP: the MP3 encoder's overshoot (about 0.5 dB) then leaves
the file under −1 dBTP. Loudness is BS.1770-4's gated integral, with pyloudnorm's
K-weighting filters and block bounds; the limiter is ffmpeg's `alimiter` (5 ms
look-ahead attack, 50 ms release, its delay compensated so that the timeline does
not move) run at 4× the master's rate, so that the peak it holds is the true peak.
LAME scales its constant-bitrate input by 0.95 (−0.45 dB); that is measured once
per setting on a tone and made up for.

Chunks: the laid-out episode is cut, in pauses, into chunks of 30 s to a minute
that are mastered, encoded and measured on their own, in two ffmpeg processes at
a time (a process each for a run of chunks: starting one costs as much as
limiting a few seconds). A cut falls mid-pause, so each chunk holds the same
samples wherever an edit upstream moved it, and which pauses are cut is decided
by the content before them, so an edit moves only the cuts near it. Every pause
is at least 0.25 s of silence, longer than the limiter's attack and release, so
chunk by chunk the limiter does what it would do to the whole. Each chunk plays
for whole MP3 frames (1152 samples at 44.1 kHz), its end padded with silence
(under 26 ms, added to the pause it ends in; the timeline counts it). LAME delays
what it encodes by 1105 samples and pads the end (ffmpeg 5.1, LAME 3.100; found
again at run time on an impulse), so each chunk is encoded less its first 1105
and last 47 samples (silence), without a Xing header: its frames decode to
exactly its samples, and the chunks' frames run together are the episode,
gapless, as long as the timeline. Each chunk's frames are kept, by the
digest of its samples and the mastering settings, in the episode's cache folder
with what was measured on them as decoded (true peak at 44.1 kHz, oversampled 4×;
the K-weighted power of each 400 ms block, counted from the chunk's start); the
file's loudness and true peak are put together from those (within 0.05 LU of a
meter run on the whole file). The gain is searched for on every third chunk, then
checked on all; after an edit the last render's gain and host levels are tried
first, and only the chunks the edit touched are made again.

Measured on 664 s of two-host speech (Piper at 22.05 kHz and Festival at 32 kHz,
mastered at 32 kHz; 2 cores shared with other jobs, load 3 to 10, so times vary
by half), file error from −16 LUFS / file true peak / time (CPU time) to master,
encode and measure: chunked (this module), a first render 0.03 LU / −1.55 dBTP /
14–35 s (25 s: the sample search, then one or two passes over all chunks, then
encoding and measuring), after an edit of one line 0.02–0.07 LU / −1.55 dBTP /
0.7–5 s (3 s: one or two chunks made again, up to five when the edit moves a cut
that the next ones follow); the same limiter over the whole programme, each edit
limiting, encoding and decoding all of it again, 0.00 LU / −1.42 dBTP / 15–43 s
(20 s) first and 11–29 s (14 s) after the edit, warm-started. Earlier, on 646 s: the
hand-written gated meter and limiter that alimiter replaced 0.00 LU / −1.74 dBTP /
1.0 s; pedalboard's Limiter (JUCE's: a fixed −10 dB 4:1 compressor, a sample-peak
stage and a clip at 0 dBFS, no look-ahead) +0.24 LU / −1.02 dBTP with the master
0.8 dB over its ceiling at 1×, −1.15 dBTP and 20 s at 4×; ffmpeg's two-pass
`loudnorm` (linear) 0.62 LU short in 19 s. So alimiter at 4×, which holds the
true-peak ceiling without 200 lines of DSP to keep.

Work is done at the highest sample rate among the clips (Piper gives 22050 Hz,
Festival 32000 Hz), other clips resampled to it with a polyphase filter;
ffmpeg converts once to 44.1 kHz, the rate every podcast player expects, when it
encodes. The MP3 is constant-bitrate so that players seek to chapter starts
exactly; the tag is ID3v2.3, which more players read than v2.4.
"""

from __future__ import annotations

import datetime
import re
import shutil
import tempfile
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import mutagen.id3

from pipeline.atomic_files import replacing
from pipeline.errors import InfracastError
from pipeline.models import Script, Timeline
from pipeline.speech.encoder import ffmpeg_path
from pipeline.speech.mastering import WORKERS, Mastering, chunks_of, master_and_encode, prune_cache
from pipeline.speech.peaks import Peaks, mastered_peaks
from pipeline.speech.program import write_program

# mutagen ships type hints but leaves its frame constructors untyped.
id3: Any = mutagen.id3

_BITRATES = (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)


@dataclass(frozen=True)
class EpisodeTags:
    """What the MP3's ID3 tag says: episode title, show (album), artist, date, cover art."""

    title: str
    show: str
    artist: str
    date: str
    cover: Path | None = None
    comment: str = ""

    def __post_init__(self) -> None:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", self.date):
            raise InfracastError(f"episode date {self.date!r} is not YYYY-MM-DD")
        try:
            datetime.date.fromisoformat(self.date)
        except ValueError:
            raise InfracastError(f"episode date {self.date!r} is not a real date") from None


@dataclass(frozen=True)
class Assembled:
    """The finished episode: its MP3, where everything sits in it, and how loud it is.

    `loudness` is integrated LUFS and `true_peak` dBTP of the MP3 as a player decodes
    it, put together from each encoded chunk's measurements (BS.1770 blocks counted
    from each chunk's start; true peak at 44.1 kHz). `gain_db` is the mastering gain the
    limiter was fed and `host_gains` each host's levelling gain (dB): given back to
    `assemble` as `gain_hint` and `host_gains` after an edit, they leave the chunks the
    edit did not touch as they were, so that only the edited ones are made again.
    `peaks` is the waveform the listen view draws (`speech.peaks`).
    """

    mp3: Path
    timeline: Timeline
    loudness: float
    true_peak: float
    gain_db: float = 0.0
    host_gains: dict[str, float] = field(default_factory=dict)
    peaks: Peaks | None = None


def assemble(
    script: Script,
    clips: Mapping[str, Path],
    out: Path,
    tags: EpisodeTags,
    *,
    bitrate: str = "96k",
    channels: Literal[1, 2] = 1,
    gain_hint: float | None = None,
    host_gains: Mapping[str, float] | None = None,
    cache: Path | None = None,
) -> Assembled:
    """Join the clips of `script` (line id → WAV) into a mastered, tagged MP3 at `out`.

    Loudness is −16 LUFS integrated with true peak ≤ −1 dBTP in the file as
    written, whether mono (the default, 96 kbit/s) or stereo (say 128k). The file
    appears at `out` only once complete. Raises InfracastError for a missing or
    unreadable clip, a line without a clip, an unusable option, or no ffmpeg.

    The episode is mastered and encoded in chunks of 30 s to a minute, cut in pauses,
    whose MP3 frames run together without a gap. `cache`, a folder of this episode's
    own, keeps each chunk's frames by content: chunks found there are not made again,
    and after the assembly it holds only the chunks of this one. `gain_hint` and
    `host_gains`, the `gain_db` and `host_gains` of an earlier assembly of much the
    same script (one line edited), are tried first: with them, only the chunks the
    edit touched are mastered, encoded and measured, and should the file then miss
    the target by over 0.25 LU, the gain is searched for again.
    """
    _check_options(bitrate, channels)
    ffmpeg = ffmpeg_path()
    _check_script(script)
    # The episode goes through files (float samples at its rate) from here on: a 10-minute
    # episode at 22.05 kHz is 57 MB an array.
    with (
        tempfile.TemporaryDirectory(prefix="infracast-master-") as folder,
        ThreadPoolExecutor(WORKERS) as pool,
    ):
        tmp = Path(folder)
        rate, timeline, bounds, levels = write_program(
            script, clips, tmp / "program.f32", host_gains, pool
        )
        chunks = chunks_of(tmp / "program.f32", bounds, pool)
        m = Mastering(ffmpeg, pool, tmp, cache or tmp / "encoded", rate, bitrate, channels)
        with replacing(out) as part:
            loudness, peak, gain, encoded = master_and_encode(m, chunks, gain_hint)
            with part.open("wb") as f:
                for e in encoded:
                    with e.mp3.open("rb") as chunk:
                        shutil.copyfileobj(chunk, f)
            _tag(part, tags, timeline)
        # From the samples already at hand: no decode of the MP3 just written.
        peaks = mastered_peaks(chunks, rate, timeline.duration, gain, peak)
    if cache is not None:
        prune_cache(cache, {e.key for e in encoded})
    return Assembled(
        mp3=out,
        timeline=timeline,
        loudness=round(loudness, 2),
        true_peak=round(peak, 2),
        gain_db=gain,
        host_gains=levels,
        peaks=peaks,
    )


# --- checks -------------------------------------------------------------------------------


def _check_options(bitrate: str, channels: int) -> None:
    match = re.fullmatch(r"(\d+)k", bitrate)
    if not match or int(match[1]) not in _BITRATES:
        allowed = ", ".join(f"{b}k" for b in _BITRATES)
        raise InfracastError(f"MP3 bitrate {bitrate!r} is not one of {allowed}")
    if channels not in (1, 2):
        raise InfracastError(f"an episode has 1 or 2 channels, not {channels}")


def _check_script(script: Script) -> None:
    if not script.lines:
        raise InfracastError("the script has no lines to assemble")
    previous = 0
    for line in script.lines:
        if not 0 <= line.segment < len(script.segments):
            raise InfracastError(
                f"line {line.id} is in segment {line.segment}, but the script has "
                f"{len(script.segments)} segments"
            )
        if line.segment < previous:
            raise InfracastError(
                f"line {line.id} goes back to segment {line.segment} after segment "
                f"{previous}: lines must be in segment order"
            )
        previous = line.segment


# --- tags ---------------------------------------------------------------------------------


def _tag(path: Path, tags: EpisodeTags, timeline: Timeline) -> None:
    """Write the ID3v2.3 tag: text frames, cover art, and one chapter per segment."""
    tag = id3.ID3()
    tag.add(id3.TIT2(encoding=3, text=[tags.title]))
    tag.add(id3.TALB(encoding=3, text=[tags.show]))
    tag.add(id3.TPE1(encoding=3, text=[tags.artist]))
    tag.add(id3.TDRC(encoding=3, text=[tags.date]))
    if tags.comment:
        tag.add(id3.COMM(encoding=3, lang="eng", desc="", text=[tags.comment]))
    if tags.cover is not None:
        tag.add(_cover(tags.cover))
    ids = [f"chp{i}" for i in range(len(timeline.segments))]
    for element_id, segment in zip(ids, timeline.segments, strict=True):
        tag.add(
            id3.CHAP(
                element_id=element_id,
                start_time=round(segment.start * 1000),
                end_time=round(segment.end * 1000),
                # All bits set: "no byte offset, use the times" (ID3 chapter addendum).
                start_offset=0xFFFFFFFF,
                end_offset=0xFFFFFFFF,
                sub_frames=[
                    id3.TIT2(encoding=3, text=[segment.title or f"Part {segment.index + 1}"])
                ],
            )
        )
    tag.add(
        id3.CTOC(
            element_id="toc",
            flags=id3.CTOCFlags.TOP_LEVEL | id3.CTOCFlags.ORDERED,
            child_element_ids=ids,
            sub_frames=[id3.TIT2(encoding=3, text=["Chapters"])],
        )
    )
    tag.update_to_v23()  # TDRC becomes TYER + TDAT, as v2.3 has them
    tag.save(path, v2_version=3)


def _cover(path: Path) -> Any:
    if not path.is_file():
        raise InfracastError(f"the show's cover art is missing: {path}")
    data = path.read_bytes()
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        mime = "image/png"
    elif data.startswith(b"\xff\xd8\xff"):
        mime = "image/jpeg"
    else:
        raise InfracastError(f"the show's cover art must be a PNG or JPEG image: {path}")
    return id3.APIC(
        encoding=3, mime=mime, type=id3.PictureType.COVER_FRONT, desc="Cover", data=data
    )

"""Transcription with both real backends, QA against the script, and captions.

Audio is espeak-ng saying two short lines, placed on a timeline with silence
around them, the way the assembler lays out an episode.
"""

from __future__ import annotations

import itertools
import sys
import wave
from dataclasses import dataclass
from pathlib import Path

import pytest
import webvtt

from pipeline import captions
from pipeline import transcribe as tx
from pipeline.errors import ConfigError, InputError
from pipeline.models import Line, Script, Segment, TimedLine, TimedSegment, Timeline, Word
from pipeline.speech.normalize import spoken
from tests.test_whisper_convert import converted_checkpoint, speak

LINES = [
    ("l1", "Lena", "Each rack needs 130 kW of power.",
     "Each rack needs one hundred thirty kilowatts of power.", "en-us"),
    ("l2", "Miles", "Google will build 12 new data centres this year.",
     "Google will build twelve new data centers this year.", "en-us+f3"),
]
LEAD_IN, GAP = 0.5, 1.0  # seconds of silence before the first line and between lines


@dataclass(frozen=True)
class Episode:
    audio: Path
    clips: list[tuple[Path, float]]
    script: Script
    timeline: Timeline


def _frames(path: Path) -> tuple[bytes, int]:
    with wave.open(str(path), "rb") as f:
        return f.readframes(f.getnframes()), f.getframerate()


def script_of(texts: list[str]) -> Script:
    lines = [Line(id=i, speaker=s, text=t) for (i, s, *_), t in zip(LINES, texts, strict=True)]
    return Script(title="t", summary="s", segments=[Segment(title="one")], lines=lines,
                  hosts=["Lena", "Miles"])


@pytest.fixture(scope="session")
def episode(tmp_path_factory: pytest.TempPathFactory) -> Episode:
    folder = tmp_path_factory.mktemp("episode")
    pcm, clips, timed, at, rate = b"", [], [], LEAD_IN, 22050
    for line_id, speaker, _, said, voice in LINES:
        clip = speak(said, folder / f"{line_id}.wav", voice)
        frames, rate = _frames(clip)
        pad = b"\0\0" * round((at if not pcm else GAP) * rate)
        pcm += pad + frames
        clips.append((clip, at))
        end = at + len(frames) / 2 / rate
        timed.append(TimedLine(line_id=line_id, speaker=speaker, segment=0, start=at, end=end))
        at = end + GAP
    pcm += b"\0\0" * round(LEAD_IN * rate)
    audio = folder / "episode.wav"
    with wave.open(str(audio), "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(rate)
        f.writeframes(pcm)
    duration = len(pcm) / 2 / rate
    timeline = Timeline(duration=duration, lines=timed,
                        segments=[TimedSegment(index=0, title="one", start=0, end=duration)])
    return Episode(audio, clips, script_of([text for _, _, text, _, _ in LINES]), timeline)


@pytest.fixture(scope="session")
def heard(episode: Episode) -> list[Word]:
    """The episode through the default path (faster-whisper int8, whole file)."""
    return tx.transcribe_episode(episode.audio)


def _assert_words_ok(words: list[Word], duration: float) -> None:
    assert words
    assert all(0 <= w.start <= w.end <= duration for w in words)
    assert [w.start for w in words] == sorted(w.start for w in words)
    text = " ".join(w.text for w in words).lower()
    assert "kilowatts" in text and "google" in text


def test_faster_whisper_gives_ordered_word_timestamps(heard: list[Word], episode: Episode) -> None:
    _assert_words_ok(heard, episode.timeline.duration)
    kilowatts = next(w for w in heard if "kilowatts" in w.text.lower())
    first = episode.timeline.lines[0]
    assert first.start - 0.3 <= kilowatts.start < kilowatts.end <= first.end + 0.3


@pytest.mark.slow
def test_openai_whisper_gives_word_timestamps_without_triton(
    episode: Episode, tmp_path_factory: pytest.TempPathFactory,
) -> None:
    checkpoint = converted_checkpoint(tmp_path_factory)
    words = tx.transcribe(episode.audio, "whisper", str(checkpoint))
    _assert_words_ok(words, episode.timeline.duration)
    assert "triton" not in sys.modules  # only CUDA paths in openai-whisper import it


def test_clip_by_clip_places_words_at_each_clip_offset(episode: Episode) -> None:
    words = tx.transcribe_episode(episode.audio, episode.clips, mode="clips")
    _assert_words_ok(words, episode.timeline.duration)
    second = episode.timeline.lines[1]
    google = next(w for w in words if "google" in w.text.lower())
    assert second.start <= google.start <= second.end


def test_whisper_finds_the_converted_checkpoint_under_the_data_root(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path,
) -> None:
    target = tmp_path / "models" / converted_checkpoint(tmp_path_factory).name
    target.parent.mkdir()
    target.symlink_to(converted_checkpoint(tmp_path_factory))
    assert tx.resolve_model("whisper", "tiny.en", tmp_path) == target


@pytest.mark.parametrize(
    ("backend", "model", "how"),
    [
        ("faster-whisper", "small.en", "CTranslate2 Whisper model folder"),
        ("faster-whisper", "/nowhere/model", "CTranslate2 Whisper model folder"),
        ("whisper", "tiny.en", "infracast models convert"),
        ("whisper", "base.en", "infracast models convert"),
    ],
)
def test_a_model_not_on_disk_says_how_to_provide_one(
    backend: str, model: str, how: str, tmp_path: Path,
) -> None:
    with pytest.raises(ConfigError, match="never downloads") as caught:
        tx.transcribe(tmp_path / "none.wav", backend, model, data_root=tmp_path)
    assert how in str(caught.value)


def test_unknown_backend_and_missing_audio_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="faster-whisper, whisper"):
        tx.transcribe(tmp_path / "a.wav", "vosk")
    with pytest.raises(InputError, match="no audio file"):
        tx.transcribe(tmp_path / "a.wav")
    (tmp_path / "bad.wav").write_text("not audio")
    with pytest.raises(InputError, match="could not decode"):
        tx.transcribe(tmp_path / "bad.wav")


# --- QA ---------------------------------------------------------------------


def test_qa_passes_lines_said_as_written(heard: list[Word], episode: Episode) -> None:
    report = tx.qa(episode.script, episode.timeline, heard)
    assert [line.line_id for line in report.lines] == ["l1", "l2"]
    assert not report.flagged, report.lines
    assert report.wer <= 0.15
    # digits in the script compare with the words that were said
    assert "one hundred thirty kilowatts" in report.lines[0].expected
    assert report.lines[0].figures_missing == []


@pytest.mark.parametrize("by_line", [False, True], ids=["normaliser", "spoken-forms"])
def test_qa_flags_a_line_edited_after_rendering(
    heard: list[Word], episode: Episode, by_line: bool,
) -> None:
    """With no `spoken`, QA says each line itself; the stage passes each line's spoken form."""
    from pipeline.speech.normalize import spoken

    edited = script_of([LINES[0][2], "Google will build 40 new substations next year."])
    forms = {line.id: spoken(line.text) for line in edited.lines} if by_line else None
    report = tx.qa(edited, episode.timeline, heard, forms)
    assert [line.line_id for line in report.flagged] == ["l2"]
    assert report.lines[1].wer > 0.15
    assert report.lines[1].figures_missing == ["40 new substations"]


def test_qa_episode_wer_is_word_weighted() -> None:
    script = script_of(["one two three four five six seven eight", "alpha beta"])
    timeline = Timeline(duration=10, segments=[], lines=[
        TimedLine(line_id="l1", speaker="Lena", segment=0, start=0, end=4),
        TimedLine(line_id="l2", speaker="Miles", segment=0, start=5, end=9),
    ])
    said = [*"one two three four five six seven eight".split(), "alpha", "gamma"]
    starts = [i * 0.5 for i in range(8)] + [5.5, 6.5]
    words = [Word(text=t, start=s, end=s + 0.4) for t, s in zip(said, starts, strict=True)]
    report = tx.qa(script, timeline, words, spoken=str.strip)
    assert [line.wer for line in report.lines] == [0.0, 0.5]
    assert report.wer == pytest.approx(1 / 10)
    assert [line.line_id for line in report.flagged] == ["l2"]


def test_a_looping_line_counts_at_most_as_wholly_misheard() -> None:
    script = script_of(["one two three four five six seven eight", "alpha beta"])
    timeline = Timeline(duration=60, segments=[], lines=[
        TimedLine(line_id="l1", speaker="Lena", segment=0, start=0, end=4),
        TimedLine(line_id="l2", speaker="Miles", segment=0, start=5, end=59),
    ])
    said = [*"one two three four five six seven eight".split(), *["gamma"] * 40]
    starts = [i * 0.5 for i in range(8)] + [5.5 + i for i in range(40)]
    words = [Word(text=t, start=s, end=s + 0.4) for t, s in zip(said, starts, strict=True)]
    report = tx.qa(script, timeline, words, spoken=str.strip)
    assert report.lines[1].wer == pytest.approx(20.0)  # the line itself says how bad it was
    assert report.wer == pytest.approx(2 / 10)  # but the episode counts it as 2 words missed
    assert [line.line_id for line in report.flagged] == ["l2"]


def test_figures_are_checked_by_value_and_unit() -> None:
    """A misheard counted noun or denominator costs WER, not the figure."""
    script = script_of(["It costs about $42,000 per GPU.", "That powers 100,000 homes."])
    timeline = Timeline(duration=10, segments=[], lines=[
        TimedLine(line_id="l1", speaker="Lena", segment=0, start=0, end=4),
        TimedLine(line_id="l2", speaker="Miles", segment=0, start=5, end=9),
    ])
    said = "It costs about $42,000 for GBU. That powers 100,000 phones.".split()
    starts = [0.2, 0.6, 1.0, 1.4, 2.6, 3.0, 5.2, 5.6, 6.0, 7.0]
    words = [Word(text=t, start=s, end=s + 0.3) for t, s in zip(said, starts, strict=True)]
    report = tx.qa(script, timeline, words)
    assert [line.figures_missing for line in report.lines] == [[], []]
    assert tx.figure_words("about forty two thousand dollars per g p u".split(), False) == [
        "forty", "two", "thousand", "dollars"]
    assert tx.figure_words("five to fifteen kilowatts".split(), False) == [
        "five", "to", "fifteen", "kilowatts"]
    assert tx.figure_words("one hundred thousand american homes".split(), True) == [
        "one", "hundred", "thousand"]


def test_number_pieces_join_back_into_words() -> None:
    """Whisper splits "1.2" into "1" + ".2" and "on-site" into "on" + "-site"."""
    pieces = [(" about", 0.0, 0.2, 0.9), (" 1", 0.2, 0.4, 0.8), (".2,", 0.4, 0.6, 0.7),
              (" on", 0.6, 0.8, 0.9), ("-site", 0.8, 1.0, 0.9)]
    words = tx._words(pieces)
    assert [(w.text, w.start, w.end) for w in words] == [
        ("about", 0.0, 0.2), ("1.2,", 0.2, 0.6), ("on-site", 0.6, 1.0)]
    assert words[1].probability == 0.7


def test_words_outside_every_line_count_for_none() -> None:
    timeline = Timeline(duration=10, segments=[], lines=[
        TimedLine(line_id="a", speaker="Lena", segment=0, start=1, end=2),
        TimedLine(line_id="b", speaker="Miles", segment=0, start=2.5, end=4),
    ])
    words = [Word(text="x", start=0.0, end=0.2), Word(text="y", start=1.9, end=2.2),
             Word(text="z", start=4.1, end=4.3), Word(text="w", start=8, end=9)]
    by_line = tx.assign_words(timeline, words)
    assert {k: [w.text for w in v] for k, v in by_line.items()} == {"a": ["y"], "b": ["z"]}


# --- captions ---------------------------------------------------------------


def test_captions_parse_as_webvtt_with_voices_and_as_srt(
    heard: list[Word], episode: Episode, tmp_path: Path,
) -> None:
    cues = captions.cues(episode.script, episode.timeline, heard)
    vtt = webvtt.from_string(captions.to_vtt(cues), strict=True)
    assert [c.voice for c in vtt.captions] == ["Lena", "Miles"]
    assert vtt.captions[0].text == "Each rack needs 130 kW of power."
    srt = webvtt.from_srt(str(captions.write(cues, tmp_path / "episode.srt")))
    second = "Miles: Google will build 12 new data centres this year."
    assert [c.text for c in srt.captions][1] == second
    assert all(a.end <= b.start for a, b in itertools.pairwise(cues))


def test_long_lines_split_into_cues_of_at_most_twelve_seconds() -> None:
    sentence = "Power is the constraint now, and cooling follows it closely."
    text = " ".join([sentence] * 6)
    script = script_of([text, "Right."])
    timeline = Timeline(duration=40, segments=[], lines=[
        TimedLine(line_id="l1", speaker="Lena", segment=0, start=1.0, end=31.0),
        TimedLine(line_id="l2", speaker="Miles", segment=0, start=32.0, end=33.0),
    ])
    cues = captions.cues(script, timeline)
    long = [c for c in cues if c.speaker == "Lena"]
    assert len(long) >= 3
    assert all(c.end - c.start <= captions.MAX_SECONDS for c in long)
    assert " ".join(c.text for c in long) == text
    assert all(c.text.endswith((".", ",")) for c in long)  # cut at sentence or clause ends
    assert long[0].start == 1.0 and long[-1].end == 31.0
    parsed = webvtt.from_string(captions.to_vtt(cues), strict=True)
    assert len(parsed.captions) == len(cues)


def test_caption_text_is_escaped_for_webvtt() -> None:
    cue = captions.Cue(0, 1, "Lena", "AT&T <b>")
    assert "<v Lena>AT&amp;T &lt;b&gt;</v>" in captions.to_vtt([cue])


def test_the_stage_returns_words_report_and_captions(episode: Episode) -> None:
    result = tx.run(episode.script, episode.timeline, episode.audio)
    assert result.words and result.report.lines
    assert result.vtt.startswith("WEBVTT") and "<v Miles>" in result.vtt
    assert result.srt.startswith("1\n")


def test_qa_hears_figures_as_the_renderer_said_them() -> None:
    """Rendered forms are compared as words (a year stays a year) and figures as the
    line writes them (769 racks is said, and heard, as 769, not a figure's 770)."""
    script = script_of([
        "For Microsoft, 2024 Capex is $56 billion; the campus holds 769 racks.",
        "It comes to 1,051,200 MWh per year.",
    ])
    timeline = Timeline(duration=20, segments=[], lines=[
        TimedLine(line_id="l1", speaker="Lena", segment=0, start=0, end=9),
        TimedLine(line_id="l2", speaker="Miles", segment=0, start=10, end=19),
    ])
    rendered = {line.id: spoken(line.text, {}) for line in script.lines}
    heard = [
        *"for microsoft 2024 capex is $56 billion the campus holds 769 racks".split(),
        *"it comes to 1,051,200 megawatts hours per year".split(),
    ]
    starts = [i * 0.5 for i in range(12)] + [10 + i * 0.5 for i in range(8)]
    words = [Word(text=t, start=s, end=s + 0.4) for t, s in zip(heard, starts, strict=True)]
    report = tx.qa(script, timeline, words, rendered)
    assert report.lines[0].expected.startswith("for microsoft twenty twenty four capex")
    assert [(q.wer, q.figures_missing) for q in report.lines] == [(0.0, []), (0.0, [])]

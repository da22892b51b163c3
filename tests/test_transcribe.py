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

import numpy as np
import pytest
import webvtt

from pipeline import alignment, captions
from pipeline.errors import ConfigError, InputError
from pipeline.models import Line, Script, Segment, TimedLine, TimedSegment, Timeline, Word
from pipeline.speech.normalize import spoken
from pipeline.transcribe import backends as asr
from pipeline.transcribe import hearing, scoring
from pipeline.transcribe.episode import hear_and_check
from pipeline.transcribe.recheck import line_slice, recheck
from tests.test_whisper_convert import base_root, converted_checkpoint, speak

LINES = [
    (
        "l1",
        "Lena",
        "Each rack needs 130 kW of power.",
        "Each rack needs one hundred thirty kilowatts of power.",
        "en-us",
    ),
    (
        "l2",
        "Miles",
        "Google will build 12 new data centres this year.",
        "Google will build twelve new data centers this year.",
        "en-us+f3",
    ),
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
    return Script(
        title="t",
        summary="s",
        segments=[Segment(title="one")],
        lines=lines,
        hosts=["Lena", "Miles"],
    )


@pytest.fixture(scope="session")
def episode(tmp_path_factory: pytest.TempPathFactory) -> Episode:
    return build_episode(tmp_path_factory.mktemp("episode"), LINES)


def build_episode(folder: Path, spec: list[tuple[str, str, str, str, str]]) -> Episode:
    """espeak-ng saying each (id, speaker, text, spoken form, voice), laid out in time."""
    pcm, clips, timed, at, rate = b"", [], [], LEAD_IN, 22050
    for line_id, speaker, _, said, voice in spec:
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
    timeline = Timeline(
        duration=duration,
        lines=timed,
        segments=[TimedSegment(index=0, title="one", start=0, end=duration)],
    )
    lines = [Line(id=i, speaker=who, text=text) for i, who, text, _, _ in spec]
    script = Script(
        title="t",
        summary="s",
        segments=[Segment(title="one")],
        lines=lines,
        hosts=["Lena", "Miles"],
    )
    return Episode(audio, clips, script, timeline)


@pytest.fixture(scope="session")
def heard(episode: Episode) -> list[Word]:
    """The episode through the default path (faster-whisper int8, whole file)."""
    return hearing.transcribe_episode(episode.audio)


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


def test_long_audio_is_heard_in_pieces_cut_in_its_pauses() -> None:
    rate = asr.SAMPLE_RATE
    rng = np.random.default_rng(7)
    speech = (rng.standard_normal(rate * 50) * 0.1).astype(np.float32)
    for pause in (41.0, 83.5, 97.0, 140.0):  # 0.4 s pauses; the cuts go in them
        speech = np.concatenate(
            [
                speech[: int(pause * rate)],
                np.zeros(int(0.4 * rate), np.float32),
                (rng.standard_normal(rate * 20) * 0.1).astype(np.float32),
            ]
        )
    cuts = hearing.pieces(speech, longest=50.0)
    assert cuts[0][0] == 0 and cuts[-1][1] == len(speech)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(cuts))
    assert all(stop - start <= 50 * rate for start, stop in cuts)
    for _, stop in cuts[:-1]:
        assert np.all(speech[stop - rate // 20 : stop + rate // 20] == 0)  # inside a pause


def test_words_heard_piece_by_piece_keep_their_episode_times(
    episode: Episode, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = hearing.pieces
    monkeypatch.setattr(hearing, "pieces", lambda samples: whole(samples, longest=4.0))
    words = hearing.transcribe(episode.audio)
    assert len(hearing.pieces(asr.load_audio(episode.audio))) > 1
    _assert_words_ok(words, episode.timeline.duration)
    second = episode.timeline.lines[1]
    google = next(w for w in words if "google" in w.text.lower())
    # Whisper's word times near a piece's cut can be a few tenths early (0.32 s on one
    # CPU, within 0.3 s on another); a piece's offset left out would put it 4 s early.
    assert second.start - 0.5 <= google.start <= second.end


def test_faster_whisper_says_how_far_it_has_heard_as_it_goes(episode: Episode) -> None:
    samples = asr.load_audio(episode.audio)
    duration = len(samples) / asr.SAMPLE_RATE
    assert len(hearing.pieces(samples)) == 1  # one piece: any report before its end is live
    told: list[float] = []
    hearing.hear_whole(samples, asr.TranscribeOptions(), episode.audio, told.append)
    assert told == sorted(told) and told[-1] == duration
    assert len(told) > 2 and 0 < told[0] < duration  # a report a segment, then the piece


@pytest.mark.slow
def test_openai_whisper_gives_word_timestamps_without_triton(
    episode: Episode,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    checkpoint = converted_checkpoint(tmp_path_factory)
    words = hearing.transcribe(episode.audio, "whisper", str(checkpoint))
    _assert_words_ok(words, episode.timeline.duration)
    assert "triton" not in sys.modules  # only CUDA paths in openai-whisper import it


def test_clip_by_clip_places_words_at_each_clip_offset(episode: Episode) -> None:
    words = hearing.transcribe_episode(episode.audio, episode.clips, mode="clips")
    _assert_words_ok(words, episode.timeline.duration)
    second = episode.timeline.lines[1]
    google = next(w for w in words if "google" in w.text.lower())
    assert second.start <= google.start <= second.end


def test_whisper_finds_the_converted_checkpoint_under_the_data_root(
    tmp_path_factory: pytest.TempPathFactory,
    tmp_path: Path,
) -> None:
    target = tmp_path / "models" / converted_checkpoint(tmp_path_factory).name
    target.parent.mkdir()
    target.symlink_to(converted_checkpoint(tmp_path_factory))
    assert asr.resolve_model("whisper", "tiny.en", tmp_path) == target


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
    backend: str,
    model: str,
    how: str,
    tmp_path: Path,
) -> None:
    with pytest.raises(ConfigError, match="never downloads") as caught:
        hearing.transcribe(tmp_path / "none.wav", backend, model, data_root=tmp_path)
    assert how in str(caught.value)


def test_unknown_backend_and_missing_audio_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="faster-whisper, whisper"):
        hearing.transcribe(tmp_path / "a.wav", "vosk")
    with pytest.raises(InputError, match="no audio file"):
        hearing.transcribe(tmp_path / "a.wav")
    (tmp_path / "bad.wav").write_text("not audio")
    with pytest.raises(InputError, match="could not decode"):
        hearing.transcribe(tmp_path / "bad.wav")


# --- QA ---------------------------------------------------------------------


def test_qa_passes_lines_said_as_written(heard: list[Word], episode: Episode) -> None:
    report = scoring.qa(episode.script, episode.timeline, heard)
    assert [line.line_id for line in report.lines] == ["l1", "l2"]
    assert not report.flagged, report.lines
    assert report.wer <= 0.15
    # digits in the script compare with the words that were said
    assert "one hundred thirty kilowatts" in report.lines[0].expected
    assert report.lines[0].figures_missing == []


@pytest.mark.parametrize("by_line", [False, True], ids=["normaliser", "spoken-forms"])
def test_qa_flags_a_line_edited_after_rendering(
    heard: list[Word],
    episode: Episode,
    by_line: bool,
) -> None:
    """With no `spoken`, QA says each line itself; the stage passes each line's spoken form."""
    from pipeline.speech.normalize import spoken

    edited = script_of([LINES[0][2], "Google will build 40 new substations next year."])
    forms = {line.id: spoken(line.text) for line in edited.lines} if by_line else None
    report = scoring.qa(edited, episode.timeline, heard, forms)
    assert [line.line_id for line in report.flagged] == ["l2"]
    assert report.lines[1].wer > 0.15
    assert report.lines[1].figures_missing == ["40 new substations"]


def test_qa_episode_wer_is_word_weighted() -> None:
    script = script_of(["one two three four five six seven eight", "alpha beta"])
    timeline = Timeline(
        duration=10,
        segments=[],
        lines=[
            TimedLine(line_id="l1", speaker="Lena", segment=0, start=0, end=4),
            TimedLine(line_id="l2", speaker="Miles", segment=0, start=5, end=9),
        ],
    )
    said = [*"one two three four five six seven eight".split(), "alpha", "gamma"]
    starts = [i * 0.5 for i in range(8)] + [5.5, 6.5]
    words = [Word(text=t, start=s, end=s + 0.4) for t, s in zip(said, starts, strict=True)]
    report = scoring.qa(script, timeline, words, spoken=str.strip)
    assert [line.wer for line in report.lines] == [0.0, 0.5]
    assert report.wer == pytest.approx(1 / 10)
    assert [line.line_id for line in report.flagged] == ["l2"]


def test_a_looping_line_counts_at_most_as_wholly_misheard() -> None:
    script = script_of(["one two three four five six seven eight", "alpha beta"])
    timeline = Timeline(
        duration=60,
        segments=[],
        lines=[
            TimedLine(line_id="l1", speaker="Lena", segment=0, start=0, end=4),
            TimedLine(line_id="l2", speaker="Miles", segment=0, start=5, end=59),
        ],
    )
    said = [*"one two three four five six seven eight".split(), *["gamma"] * 40]
    starts = [i * 0.5 for i in range(8)] + [5.5 + i for i in range(40)]
    words = [Word(text=t, start=s, end=s + 0.4) for t, s in zip(said, starts, strict=True)]
    report = scoring.qa(script, timeline, words, spoken=str.strip)
    assert report.lines[1].heard == "gamma gamma"  # the loop folded to two copies
    assert report.lines[1].wer == pytest.approx(1.0)
    assert report.wer == pytest.approx(2 / 10)  # the episode counts it as 2 words missed
    assert [line.line_id for line in report.flagged] == ["l2"]


def test_a_line_that_loops_a_phrase_counts_no_more_than_its_reference() -> None:
    """tiny.en once heard "25." a hundred times on one line: the loop folds to two copies,
    and the line costs the episode at most its own length."""
    script = script_of(["Prices rose 25% this year.", "alpha beta"])
    timeline = Timeline(
        duration=60,
        segments=[],
        lines=[
            TimedLine(line_id="l1", speaker="Lena", segment=0, start=0, end=50),
            TimedLine(line_id="l2", speaker="Miles", segment=0, start=51, end=59),
        ],
    )
    said = ["Prices", "rose", *["25."] * 100, "alpha", "beta"]
    starts = [0.0, 0.3] + [0.6 + i * 0.45 for i in range(100)] + [52.0, 53.0]
    words = [Word(text=t, start=s, end=s + 0.3) for t, s in zip(said, starts, strict=True)]
    report = scoring.qa(script, timeline, words, spoken=str.strip)
    line = report.lines[0]
    assert line.heard.split().count("twenty") == 2 and line.flagged
    reference = len(line.expected.split())
    assert report.wer <= reference / (reference + 2)
    # a phrase of several words looping, and speech that merely repeats once, in words
    loop = [Word(text=t, start=0, end=0) for t in ["two", "thousand", "dollars"] * 40]
    assert [w.text for w in hearing.unloop(loop)] == ["two", "thousand", "dollars"] * 2
    said_twice = [Word(text=t, start=0, end=0) for t in "very very good good news".split()]
    assert hearing.unloop(said_twice) == said_twice


def test_recogniser_spellings_of_a_word_are_not_errors_but_numbers_are() -> None:
    assert scoring.sounds_alike(["capex"], ["k", "pex"])
    assert scoring.sounds_alike(["capex"], ["kpx"])
    assert scoring.sounds_alike(["infracast"], ["inferracast"])
    assert not scoring.sounds_alike(["really"], ["rarely"])
    assert not scoring.sounds_alike(["fifteen"], ["fifty"])
    assert not scoring.sounds_alike(["norway"], ["sweden"])
    assert not scoring.sounds_alike(["in", "every", "new", "hall"], ["on", "every", "new", "hull"])
    assert scoring._score("next up the capex wave".split(), "next up the k pex wave".split()) == (
        scoring._Score(errors=0, reference=5)
    )


def test_a_figure_unit_may_be_spelt_the_recognisers_way_but_not_rescaled() -> None:
    heard = "close to fifty eight ter watt hours and fifty seven gigawatts per year".split()
    assert scoring._contains(heard, "fifty eight terawatt hours".split())
    assert scoring._contains(heard, "fifty seven gigawatt hours".split())  # "hours" dropped
    assert not scoring._contains(heard, "fifty seven megawatt hours".split())
    assert not scoring._contains(heard, "fifty six gigawatt hours".split())
    assert not scoring.sounds_alike(["gigawatts"], ["megawatts"])


def test_a_line_of_only_a_filler_sound_is_never_flagged() -> None:
    """Whisper leaves "huh" out of what it writes; "Really?" is a word and is checked."""
    assert not scoring.sounds_alike(["really"], ["rarely"])
    script = script_of(["Huh.", "Really?"])
    timeline = Timeline(
        duration=10,
        segments=[],
        lines=[
            TimedLine(line_id="l1", speaker="Lena", segment=0, start=0, end=1),
            TimedLine(line_id="l2", speaker="Miles", segment=0, start=5, end=6),
        ],
    )
    words = [Word(text="Bye.", start=0.2, end=0.5), Word(text="Rarely.", start=5.2, end=5.6)]
    report = scoring.qa(script, timeline, words)
    assert [(q.line_id, q.heard, q.flagged) for q in report.lines] == [
        ("l1", "bye", False),
        ("l2", "rarely", True),
    ]


def test_one_misheard_function_word_does_not_hold_a_short_line() -> None:
    """One error in six words is 17%, over the threshold; when the word is "a" heard as
    "is" the listener still follows the line, but a lost "not" or a content word is held."""
    script = script_of(["Moving on, how big a share?", "That is not the whole story."])
    timeline = Timeline(
        duration=10,
        segments=[],
        lines=[
            TimedLine(line_id="l1", speaker="Lena", segment=0, start=0, end=4),
            TimedLine(line_id="l2", speaker="Miles", segment=0, start=5, end=9),
        ],
    )

    def heard(first: str, second: str) -> list[bool]:
        words = [
            Word(text=w, start=0.5 + i * 0.3, end=0.7 + i * 0.3)
            for i, w in enumerate(first.split())
        ]
        words += [
            Word(text=w, start=5.5 + i * 0.3, end=5.7 + i * 0.3)
            for i, w in enumerate(second.split())
        ]
        return [q.flagged for q in scoring.qa(script, timeline, words).lines]

    assert heard("Moving on, how big is share?", "That is the whole story.") == [False, True]
    assert heard("Moving on, how big a chair?", "That is not the whole thing.") == [True, True]
    assert heard("Moving on, how big is a share?", "That is not the whole story.") == [False, False]


def test_a_year_heard_as_two_thousand_is_the_same_year() -> None:
    script = script_of(["In 2024 capex doubled.", "alpha beta"])
    timeline = Timeline(
        duration=10,
        segments=[],
        lines=[
            TimedLine(line_id="l1", speaker="Lena", segment=0, start=0, end=4),
            TimedLine(line_id="l2", speaker="Miles", segment=0, start=5, end=9),
        ],
    )
    said = "in two thousand twenty four capex doubled alpha beta".split()
    starts = [0.2 + i * 0.4 for i in range(7)] + [5.5, 6.0]
    words = [Word(text=t, start=s, end=s + 0.3) for t, s in zip(said, starts, strict=True)]
    report = scoring.qa(script, timeline, words)
    assert not report.flagged, report.lines


def test_figures_are_checked_by_value_and_unit() -> None:
    """A misheard counted noun or denominator costs WER, not the figure."""
    script = script_of(["It costs about $42,000 per GPU.", "That powers 100,000 homes."])
    timeline = Timeline(
        duration=10,
        segments=[],
        lines=[
            TimedLine(line_id="l1", speaker="Lena", segment=0, start=0, end=4),
            TimedLine(line_id="l2", speaker="Miles", segment=0, start=5, end=9),
        ],
    )
    said = "It costs about $42,000 for GBU. That powers 100,000 phones.".split()
    starts = [0.2, 0.6, 1.0, 1.4, 2.6, 3.0, 5.2, 5.6, 6.0, 7.0]
    words = [Word(text=t, start=s, end=s + 0.3) for t, s in zip(said, starts, strict=True)]
    report = scoring.qa(script, timeline, words)
    assert [line.figures_missing for line in report.lines] == [[], []]
    assert scoring.figure_words("about forty two thousand dollars per g p u".split(), False) == [
        "forty",
        "two",
        "thousand",
        "dollars",
    ]
    assert scoring.figure_words("five to fifteen kilowatts".split(), False) == [
        "five",
        "to",
        "fifteen",
        "kilowatts",
    ]
    assert scoring.figure_words("one hundred thousand american homes".split(), True) == [
        "one",
        "hundred",
        "thousand",
    ]


def test_number_pieces_join_back_into_words() -> None:
    """Whisper splits "1.2" into "1" + ".2" and "on-site" into "on" + "-site"."""
    pieces = [
        (" about", 0.0, 0.2, 0.9),
        (" 1", 0.2, 0.4, 0.8),
        (".2,", 0.4, 0.6, 0.7),
        (" on", 0.6, 0.8, 0.9),
        ("-site", 0.8, 1.0, 0.9),
    ]
    words = asr._words(pieces)
    assert [(w.text, w.start, w.end) for w in words] == [
        ("about", 0.0, 0.2),
        ("1.2,", 0.2, 0.6),
        ("on-site", 0.6, 1.0),
    ]
    assert words[1].probability == 0.7


def test_words_outside_every_line_count_for_none() -> None:
    timeline = Timeline(
        duration=10,
        segments=[],
        lines=[
            TimedLine(line_id="a", speaker="Lena", segment=0, start=1, end=2),
            TimedLine(line_id="b", speaker="Miles", segment=0, start=2.5, end=4),
        ],
    )
    words = [
        Word(text="x", start=0.0, end=0.2),
        Word(text="y", start=1.9, end=2.2),
        Word(text="z", start=4.1, end=4.3),
        Word(text="w", start=8, end=9),
    ]
    by_line = alignment.assign_words(timeline, words)
    assert {k: [w.text for w in v] for k, v in by_line.items()} == {"a": ["y"], "b": ["z"]}


# --- captions ---------------------------------------------------------------


def test_captions_parse_as_webvtt_with_voices_and_as_srt(
    heard: list[Word],
    episode: Episode,
    tmp_path: Path,
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
    timeline = Timeline(
        duration=40,
        segments=[],
        lines=[
            TimedLine(line_id="l1", speaker="Lena", segment=0, start=1.0, end=31.0),
            TimedLine(line_id="l2", speaker="Miles", segment=0, start=32.0, end=33.0),
        ],
    )
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
    result = hear_and_check(episode.script, episode.timeline, episode.audio)
    assert result.words and result.report.lines
    assert result.vtt.startswith("WEBVTT") and "<v Miles>" in result.vtt
    assert result.srt.startswith("1\n")


def test_qa_hears_figures_as_the_renderer_said_them() -> None:
    """Rendered forms are compared as words (a year stays a year) and figures as the
    line writes them (769 racks is said, and heard, as 769, not a figure's 770)."""
    script = script_of(
        [
            "For Microsoft, 2024 Capex is $56 billion; the campus holds 769 racks.",
            "It comes to 1,051,200 MWh per year.",
        ]
    )
    timeline = Timeline(
        duration=20,
        segments=[],
        lines=[
            TimedLine(line_id="l1", speaker="Lena", segment=0, start=0, end=9),
            TimedLine(line_id="l2", speaker="Miles", segment=0, start=10, end=19),
        ],
    )
    rendered = {line.id: spoken(line.text, {}) for line in script.lines}
    heard = [
        *"for microsoft 2024 capex is $56 billion the campus holds 769 racks".split(),
        *"it comes to 1,051,200 megawatts hours per year".split(),
    ]
    starts = [i * 0.5 for i in range(12)] + [10 + i * 0.5 for i in range(8)]
    words = [Word(text=t, start=s, end=s + 0.4) for t, s in zip(heard, starts, strict=True)]
    report = scoring.qa(script, timeline, words, rendered)
    assert report.lines[0].expected.startswith("for microsoft twenty twenty four capex")
    assert [(q.wer, q.figures_missing) for q in report.lines] == [(0.0, []), (0.0, [])]


# --- second opinion: a flagged line heard again on its own -------------------


@pytest.fixture(scope="session")
def base(tmp_path_factory: pytest.TempPathFactory) -> asr.TranscribeOptions:
    return asr.TranscribeOptions(model="base", data_root=base_root(tmp_path_factory))


def test_base_hears_the_episode_in_english(episode: Episode, base: asr.TranscribeOptions) -> None:
    words = hearing.transcribe_episode(episode.audio, options=base)
    assert all(0 <= w.start <= w.end <= episode.timeline.duration for w in words)
    text = " ".join(w.text for w in words).lower()
    # English words, not a translation or another language's transcript
    assert "kilowatts" in text and "data centers this year" in text


def test_a_flagged_line_rechecked_on_its_own_clears_a_false_flag(
    heard: list[Word],
    episode: Episode,
    base: asr.TranscribeOptions,
) -> None:
    """The episode pass lost line 2 (as tiny.en drops a line); heard on its own, it passes."""
    second = episode.timeline.lines[1]
    lost = [w for w in heard if not second.start - 0.3 <= w.start <= second.end + 0.3]
    first = scoring.qa(episode.script, episode.timeline, lost)
    assert [q.line_id for q in first.flagged] == ["l2"]
    report, rechecks = recheck(
        episode.script, episode.timeline, asr.load_audio(episode.audio), first, base
    )
    assert not report.flagged, report.lines
    assert report.model == "tiny.en + base re-check" and report.wer == first.wer
    assert [(r.line_id, r.episode_heard, r.flagged) for r in rechecks] == [("l2", "", False)]
    assert "data centers this year" in rechecks[0].heard
    assert report.lines[1].heard == rechecks[0].heard


def test_a_recheck_keeps_a_true_flag(
    heard: list[Word],
    episode: Episode,
    base: asr.TranscribeOptions,
) -> None:
    edited = script_of([LINES[0][2], "Google will build 40 new substations next year."])
    first = scoring.qa(edited, episode.timeline, heard)
    report, rechecks = recheck(edited, episode.timeline, asr.load_audio(episode.audio), first, base)
    assert [q.line_id for q in report.flagged] == ["l2"]
    assert report.lines[1].figures_missing == ["40 new substations"]
    assert [r.line_id for r in rechecks] == ["l2"] and "google" in rechecks[0].episode_heard


@pytest.fixture(scope="session")
def interjection(tmp_path_factory: pytest.TempPathFactory) -> Episode:
    return build_episode(
        tmp_path_factory.mktemp("interjection"),
        [
            LINES[0],
            ("l2", "Miles", "Really?", "Really?", "en-us+f3"),
            ("l3", "Lena", LINES[1][2], LINES[1][3], "en-us"),
        ],
    )


def test_an_interjection_is_judged_on_its_own_clip(
    interjection: Episode,
    base: asr.TranscribeOptions,
) -> None:
    timed = interjection.timeline.lines[1]
    result = hear_and_check(
        interjection.script, interjection.timeline, interjection.audio, recheck_with=base
    )
    assert not result.report.flagged, (result.report.lines, result.rechecks)
    # Judged on its clip alone (as a re-check does), "Really?" is heard as itself.
    alone = recheck(
        interjection.script,
        interjection.timeline,
        asr.load_audio(interjection.audio),
        result.report.model_copy(
            update={
                "lines": [
                    q.model_copy(update={"flagged": q.line_id == "l2"}) for q in result.report.lines
                ]
            }
        ),
        base,
    )[1]
    assert [(r.line_id, r.heard, r.flagged) for r in alone] == [("l2", "really", False)]
    assert len(line_slice(asr.load_audio(interjection.audio), timed)) < asr.SAMPLE_RATE * 2

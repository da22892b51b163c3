"""The Festival engine, with the real Festival and the HTS slt voice (festvox-us-slt-hts)."""

from __future__ import annotations

import os
import shutil
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.config import Voice
from pipeline.errors import ConfigError
from pipeline.speech.festival import FestivalEngine, scheme_string
from pipeline.speech.render import ClipJob, clip_key, render_clip

SLT = Voice(engine="festival", voice="cmu_us_slt_arctic_hts")
LINE = "A rack now draws one hundred thirty kilowatts."

pytestmark = pytest.mark.skipif(
    shutil.which("festival") is None, reason="needs festival and festvox-us-slt-hts"
)


@pytest.fixture(scope="module")
def engine() -> Iterator[FestivalEngine]:
    festival = FestivalEngine(timeout=30)
    yield festival
    festival.close()


def wav_info(path: Path) -> tuple[int, int, float]:
    with wave.open(str(path), "rb") as wav:
        return wav.getframerate(), wav.getnchannels(), wav.getnframes() / wav.getframerate()


def test_a_line_is_said_as_32_khz_mono(engine: FestivalEngine, tmp_path: Path) -> None:
    out = tmp_path / "line.wav"
    engine.synthesize(LINE, SLT, out)
    rate, channels, duration = wav_info(out)
    assert (rate, channels) == (32000, 1)
    assert 1.5 < duration < 8
    assert engine.version.startswith("Festival Speech Synthesis System")


def test_speed_changes_the_duration_and_does_not_leak(
    engine: FestivalEngine, tmp_path: Path
) -> None:
    lengths = {}
    for speed in (1.0, 0.8, 1.25, 1.0):
        out = tmp_path / f"{speed}.wav"
        engine.synthesize(LINE, SLT.model_copy(update={"speed": speed}), out)
        lengths.setdefault(speed, []).append(wav_info(out)[2])
    assert lengths[0.8][0] > lengths[1.0][0] * 1.15
    assert lengths[1.25][0] < lengths[1.0][0] * 0.9
    # The line said at 1.0 after the fast one is as long as the first: no speed left over.
    assert lengths[1.0][1] == pytest.approx(lengths[1.0][0], rel=0.01)


@pytest.mark.parametrize(
    "text",
    [
        '") (system "touch {canary}") ("',
        '\\") (system "touch {canary}") (\\"',
        'Say "hello" (twice) \\ and ) then (system "touch {canary}")',
        'One line\n(system "touch {canary}")\nanother; # comment',
        'Curly “quotes” — and café’s accents (system "touch {canary}")',
    ],
)
def test_text_is_said_never_run(engine: FestivalEngine, tmp_path: Path, text: str) -> None:
    canary = tmp_path / "canary"
    out = tmp_path / "said.wav"
    engine.synthesize(text.format(canary=canary), SLT, out)
    assert not canary.exists()
    assert wav_info(out)[2] > 1.0  # the words were said, quotes and brackets included


def test_a_folder_name_outside_ascii_is_no_obstacle(engine: FestivalEngine, tmp_path: Path) -> None:
    folder = tmp_path / 'épisodes "quoted"'
    folder.mkdir()
    engine.synthesize(LINE, SLT, folder / "line.wav")
    assert wav_info(folder / "line.wav")[2] > 1.0


def test_scheme_strings_hold_only_escaped_printable_ascii() -> None:
    assert scheme_string('a "b" \\ c\nd\te') == '"a \\"b\\" \\\\ c d e"'
    assert scheme_string("café “x” – y") == '"cafe \\"x\\" - y"'


def test_a_killed_process_is_started_again(engine: FestivalEngine, tmp_path: Path) -> None:
    engine.synthesize("First.", SLT, tmp_path / "a.wav")
    process = engine._process
    assert process is not None
    os.killpg(process._popen.pid, 9)
    process._popen.wait()
    engine.synthesize("Second.", SLT, tmp_path / "b.wav")
    assert engine._process is not process
    assert wav_info(tmp_path / "b.wav")[2] > 0.3


def test_a_line_that_takes_too_long_stops_festival_with_a_clear_error(tmp_path: Path) -> None:
    slow = FestivalEngine(timeout=0.05)
    try:
        with pytest.raises(ConfigError, match=r"Festival took more than 0\.05 s"):
            slow.synthesize(LINE * 20, SLT, tmp_path / "slow.wav")
        assert slow._process is None  # killed; the next line starts a fresh one
        slow.timeout = 30
        slow.synthesize("Back again.", SLT, tmp_path / "again.wav")
        assert wav_info(tmp_path / "again.wav")[2] > 0.3
    finally:
        slow.close()


def test_missing_festival_says_which_packages_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ConfigError, match="apt-get install festival festvox-us-slt-hts"):
        clip_key(ClipJob("l0", "Hi.", SLT))
    with pytest.raises(ConfigError, match="Festival is not installed"):
        FestivalEngine().synthesize("Hi.", SLT, tmp_path / "hi.wav")


@pytest.mark.parametrize(
    ("voice", "message"),
    [
        ("kal_diphone_nowhere", "Festival has no voice 'kal_diphone_nowhere'.*festvox-us-slt-hts"),
        ('x) (system "id")', "is not a Festival voice name"),
        ("Cmu_US", "is not a Festival voice name"),
    ],
)
def test_unknown_or_malformed_voices_are_config_errors(voice: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        clip_key(ClipJob("l0", "Hi.", Voice(engine="festival", voice=voice)))


def test_speed_is_part_of_the_key_and_out_of_range_is_refused() -> None:
    slower = SLT.model_copy(update={"speed": 0.9})
    assert clip_key(ClipJob("l0", "Hi.", SLT)) != clip_key(ClipJob("l0", "Hi.", slower))
    with pytest.raises(ConfigError, match=r"speed 3\.0 is out of range"):
        clip_key(ClipJob("l0", "Hi.", SLT.model_copy(update={"speed": 3.0})))


def test_a_rendered_clip_is_cached(tmp_path: Path) -> None:
    job = ClipJob("l0", "The cache keeps this line.", SLT)
    first = render_clip(job, tmp_path)
    again = render_clip(job, tmp_path)
    assert not first.cached and again.cached and again.path == first.path


def test_the_lexicon_is_loaded_and_part_of_every_clips_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.speech import festival

    engine = FestivalEngine()
    try:
        said = []
        for word in ("terawatt", "capex"):
            assert word in festival.LEXICON
            out = tmp_path / f"{word}.wav"
            engine.synthesize(word, SLT, out)
            said.append(wav_info(out)[2])
        before = engine.version
        monkeypatch.setitem(festival.LEXICON, "capex", "((k ey) 1) ((p eh k s) 0)")
        assert engine.version != before  # a changed entry is a new clip, not a stale one
        engine.close()  # the next line loads the changed entry
        out = tmp_path / "capex-again.wav"
        engine.synthesize("capex", SLT, out)
        assert wav_info(out)[2] != said[1]
    finally:
        engine.close()

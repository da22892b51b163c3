"""Clips rendered with the real engines (Piper joe, espeak-ng), cached and in parallel."""

from __future__ import annotations

import time
import wave
from pathlib import Path

import pytest

from pipeline.config import Voice
from pipeline.errors import ConfigError
from pipeline.speech.render import Clip, ClipJob, clip_key, render_clip, render_clips

MILES = Voice(engine="piper", voice="joe")
LENA = Voice(engine="espeak", voice="en-us+f3")  # Lena's alternate: quick, deterministic
FESTIVAL = Voice(engine="festival", voice="cmu_us_slt_arctic_hts")  # Lena's own voice
LINES = [
    "A rack now draws one hundred thirty kilowatts.",
    "So what does that do to cooling?",
    "Air stops working somewhere past forty kilowatts.",
    "Which is why the new halls are liquid cooled.",
]


def jobs(texts: list[str] = LINES) -> list[ClipJob]:
    return [ClipJob(f"l{i}", text, LENA if i % 2 else MILES) for i, text in enumerate(texts)]


def wav_info(path: Path) -> tuple[int, int, float]:
    with wave.open(str(path), "rb") as wav:
        return wav.getframerate(), wav.getnchannels(), wav.getnframes() / wav.getframerate()


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Clip]]:
    cache = tmp_path_factory.mktemp("clips")
    return cache, render_clips(jobs(), cache, workers=2)


@pytest.mark.parametrize(("voice", "rate"), [(MILES, 22050), (LENA, 22050), (FESTIVAL, 32000)])
def test_each_engine_renders_a_valid_wav(voice: Voice, rate: int, tmp_path: Path) -> None:
    clip = render_clip(ClipJob("l0", "Hello from the infracast studio.", voice), tmp_path)
    assert not clip.cached
    sample_rate, channels, duration = wav_info(clip.path)
    assert (sample_rate, channels) == (rate, 1)
    assert duration > 0.3
    assert clip.duration == pytest.approx(duration)


def test_clips_come_back_in_job_order(rendered: tuple[Path, list[Clip]]) -> None:
    cache, clips = rendered
    assert [c.line_id for c in clips] == ["l0", "l1", "l2", "l3"]
    assert all(c.path == cache / c.key[:2] / f"{c.key}.wav" for c in clips)
    assert not any(c.cached for c in clips)
    assert not list(cache.rglob("*.tmp"))  # temporary files renamed, none left behind


def test_a_second_render_synthesises_nothing(rendered: tuple[Path, list[Clip]]) -> None:
    cache, first = rendered
    # A clip synthesised again would be a new file renamed into place: a new inode.
    # (Its modification time moves either way: reading a clip marks it used.)
    files = [(c.path.stat().st_ino, c.path.read_bytes()) for c in first]
    started = time.perf_counter()
    again = render_clips(jobs(), cache, workers=2)
    elapsed = time.perf_counter() - started
    assert all(c.cached for c in again)
    assert [c.path for c in again] == [c.path for c in first]
    assert [(c.path.stat().st_ino, c.path.read_bytes()) for c in again] == files
    assert elapsed < 1.0


def test_an_edit_re_renders_only_that_line(rendered: tuple[Path, list[Clip]]) -> None:
    cache, first = rendered
    edited = [*LINES[:2], "Air stops working somewhere past fifty kilowatts.", LINES[3]]
    clips = render_clips(jobs(edited), cache, workers=2)
    assert [c.cached for c in clips] == [True, True, False, True]
    assert clips[2].key != first[2].key
    assert [c.path for i, c in enumerate(clips) if i != 2] == [
        c.path for i, c in enumerate(first) if i != 2
    ]


def test_the_two_default_voices_differ(tmp_path: Path) -> None:
    text = "The two hosts sound different."
    miles, lena = (ClipJob("l0", text, v) for v in (MILES, LENA))
    assert clip_key(miles) != clip_key(lena)
    a, b = render_clip(miles, tmp_path), render_clip(lena, tmp_path)
    assert a.path != b.path
    assert a.path.read_bytes() != b.path.read_bytes()


def test_speed_is_part_of_the_key() -> None:
    fast = Voice(engine="espeak", voice="en-us+f3", speed=1.2)
    assert clip_key(ClipJob("l0", "Hi.", LENA)) != clip_key(ClipJob("l0", "Hi.", fast))


def test_parallel_and_serial_give_the_same_clips(
    rendered: tuple[Path, list[Clip]], tmp_path: Path
) -> None:
    _, parallel = rendered
    serial = render_clips(jobs(), tmp_path, workers=1)
    assert [c.key for c in serial] == [c.key for c in parallel]
    assert [c.path.name for c in serial] == [c.path.name for c in parallel]
    # Piper samples noise (it is a VITS model), so a clip rendered twice differs a
    # little in timing; espeak-ng is deterministic.
    for s, p in zip(serial, parallel, strict=True):
        assert s.duration == pytest.approx(p.duration, rel=0.1)
    assert serial[1].path.read_bytes() == parallel[1].path.read_bytes()


def test_a_missing_piper_voice_names_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "voices" / "en_GB-nobody-medium.onnx"
    job = ClipJob("l0", "Hi.", Voice(engine="piper", voice=str(missing)))
    with pytest.raises(ConfigError, match=r"en_GB-nobody-medium\.onnx.*\.onnx\.json"):
        render_clips([job], tmp_path)


def test_a_piper_voice_without_its_config_says_so(tmp_path: Path) -> None:
    model = tmp_path / "custom.onnx"
    model.write_bytes(b"not really a model")
    job = ClipJob("l0", "Hi.", Voice(engine="piper", voice=str(model)))
    with pytest.raises(ConfigError, match=r"custom\.onnx\.json does not exist"):
        clip_key(job)


def test_missing_espeak_ng_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ConfigError, match="apt-get install espeak-ng"):
        render_clips([ClipJob("l0", "Hi.", LENA)], tmp_path)


def test_unknown_engine_voice_and_speed_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown TTS engine 'nope'"):
        clip_key(ClipJob("l0", "Hi.", Voice(engine="nope")))
    with pytest.raises(ConfigError, match="no voice 'xx-nowhere'"):
        clip_key(ClipJob("l0", "Hi.", Voice(engine="espeak", voice="xx-nowhere")))
    with pytest.raises(ConfigError, match=r"speed 9\.0 is out of range"):
        clip_key(ClipJob("l0", "Hi.", Voice(engine="piper", voice="joe", speed=9.0)))


def test_piper_is_given_teen_numbers_with_the_stress_on_teen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.speech import piper

    said: list[str] = []
    voice = piper.load_voice(piper.model_path("joe"), 1)
    monkeypatch.setattr(
        type(voice), "synthesize_wav", lambda self, text, wav, **kw: said.append(text)
    )
    piper.PiperEngine().synthesize(
        "three hundred fifteen billion, Fourteen racks, fifty and fifteenth",
        MILES,
        tmp_path / "x.wav",
    )
    assert said == ["three hundred fif-teen billion, Four-teen racks, fifty and fifteenth"]

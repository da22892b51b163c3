"""Backends by name: the script writers, speech engines and speech recognisers a
configuration may name, each a class imported on first use, with its defaults.

One style for all three: a name maps to "module:Class", a class that implements
its kind's Protocol (`pipeline.script.Writer`, `pipeline.speech.engines.Engine`,
`pipeline.transcribe.backends.Recogniser`). The tables sit here, below every domain
package and importing none of them, so that `pipeline.config` checks the names in
infracast.toml when settings load, and the CLI lists them, without loading Piper,
Whisper or torch. Adding a backend is a module with its class and one line here.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pipeline.errors import ConfigError


@dataclass(frozen=True)
class Backend:
    """One registered backend: its class ("module:Class") and what it is, in a few words."""

    target: str
    about: str

    def load(self) -> type[Any]:
        """The backend's class, its module imported now (and only now)."""
        module_name, _, class_name = self.target.partition(":")
        loaded: type[Any] = getattr(importlib.import_module(module_name), class_name)
        return loaded


@dataclass(frozen=True)
class EngineBackend(Backend):
    default_voice: str
    """The voice a host gets when the configuration names the engine alone."""


B = TypeVar("B", bound=Backend, covariant=True)


class Registry(Mapping[str, B], Generic[B]):
    """Backends of one kind by name, in the order they are listed."""

    def __init__(self, kind: str, plural: str, backends: dict[str, B]) -> None:
        self.kind, self.plural = kind, plural
        self._backends = backends

    def __getitem__(self, name: str) -> B:
        return self._backends[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._backends)

    def __len__(self) -> int:
        return len(self._backends)

    def unknown(self, name: str) -> str:
        """The message for a name that is not registered, listing those that are."""
        return f"unknown {self.kind} {name!r}; {self.plural}: {', '.join(self)}"

    def named(self, name: str) -> B:
        """The backend registered as `name`, or a ConfigError listing the valid names."""
        try:
            return self._backends[name]
        except KeyError:
            raise ConfigError(self.unknown(name)) from None


WRITERS: Registry[Backend] = Registry(
    "script writer",
    "writers",
    {
        "extractive": Backend(
            "pipeline.script.extractive:ExtractiveWriter",
            "offline and deterministic: sentences of the article, every number traced",
        ),
        "llm": Backend(
            "pipeline.script.llm:LLMWriter", "an OpenAI-compatible chat API writes each segment"
        ),
    },
)

ENGINES: Registry[EngineBackend] = Registry(
    "TTS engine",
    "engines",
    {
        "piper": EngineBackend(
            "pipeline.speech.piper:PiperEngine", "Piper neural voices (onnxruntime)", "joe"
        ),
        "espeak": EngineBackend(
            "pipeline.speech.espeak:EspeakEngine", "espeak-ng formant synthesis", "en-us"
        ),
        "festival": EngineBackend(
            "pipeline.speech.festival:FestivalEngine",
            "Festival with HTS voices",
            "cmu_us_slt_arctic_hts",
        ),
    },
)

RECOGNISERS: Registry[Backend] = Registry(
    "transcription backend",
    "backends",
    {
        "faster-whisper": Backend(
            "pipeline.transcribe.backends:FasterWhisper", "CTranslate2 Whisper, int8 on CPU"
        ),
        "whisper": Backend(
            "pipeline.transcribe.backends:OpenAIWhisper", "openai-whisper (torch), float32"
        ),
    },
)

"""Speech: script lines said aloud, one cached clip per line.

normalize.py gives each line's spoken form (numbers, units, years and terms
in words; every number said as the line writes it), lexicon.py the default
pronunciations, engines.py the TTS engines by name (`pipeline.registry.ENGINES`), and
render.py one WAV per line, cached by content and rendered in parallel.
"""

from pipeline.speech.engines import Engine, engine_named
from pipeline.speech.normalize import spoken, words_for_comparison
from pipeline.speech.render import Clip, ClipJob, clip_key, render_clip, render_clips

__all__ = [
    "Clip",
    "ClipJob",
    "Engine",
    "clip_key",
    "engine_named",
    "render_clip",
    "render_clips",
    "spoken",
    "words_for_comparison",
]

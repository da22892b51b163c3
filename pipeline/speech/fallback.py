"""The voices a flagged line is said again with: always its own host's.

A line QA flags is re-rendered one step down its host's ladder: the host's
voice at its speed, then 10% slower each step down to `SLOWEST` of it, then
the same for each of the host's `alternates`. A listener still hears the same
host: a line is never given the other host's voice.
"""

from __future__ import annotations

from pipeline.config import Host, Voice

SLOWER = 0.9
SLOWEST = 0.7  # relative to the voice's own speed


def ladder(host: Host) -> list[Voice]:
    """The ways to say a line in `host`'s voice, in the order they are tried."""
    steps: list[Voice] = []
    for voice in [host.voice, *host.alternates]:
        speed = voice.speed
        steps.append(voice)
        while round(speed * SLOWER, 3) >= round(voice.speed * SLOWEST, 3):
            speed = round(speed * SLOWER, 3)
            steps.append(voice.model_copy(update={"speed": speed}))
    return steps


def next_voice(host: Host, current: Voice) -> Voice:
    """The step after `current` on the host's ladder (the last step again when none is
    left; the first step down when `current` is not on it)."""
    steps = ladder(host)
    position = steps.index(current) if current in steps else 0
    return steps[min(position + 1, len(steps) - 1)]

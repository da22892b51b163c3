"""The voices a flagged line is said again with: always its own host's.

A line QA flags is re-rendered one step down its host's ladder: the host's
voice at its speed, then 10% slower each step down to `SLOWEST` of it, then
the same for each of the host's `alternates`. A listener still hears the same
host: a line is never given the other host's voice. An editor may instead pick one
move: `slower` (the same voice, one step slower) or `other_voice` (the host's next
voice).
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


def own_voice(host: Host, current: Voice) -> Voice:
    """The host's voice (or alternate) that `current` is a slowed-down step of: the speed
    a line may be slowed from. `current` itself when the host no longer has it."""
    for voice in [host.voice, *host.alternates]:
        if (voice.engine, voice.voice) == (current.engine, current.voice):
            return voice
    return current


def slower(host: Host, current: Voice) -> Voice | None:
    """`current` 10% slower, or None when that would go below `SLOWEST` of its own
    voice's speed (the ladder's rule, so a line never drags)."""
    floor = round(own_voice(host, current).speed * SLOWEST, 3)
    speed = round(current.speed * SLOWER, 3)
    return current.model_copy(update={"speed": speed}) if speed >= floor else None


def other_voice(host: Host, current: Voice) -> Voice | None:
    """The host's next voice after the one `current` is a step of, at that voice's own
    speed: the first alternate from the main voice, then each alternate in turn, then the
    main voice again. None when the host has no alternates."""
    voices = [host.voice, *host.alternates]
    if len(voices) == 1:
        return None
    own = own_voice(host, current)
    position = voices.index(own) if own in voices else 0
    return voices[(position + 1) % len(voices)]

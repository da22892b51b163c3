"""Transcribe an episode back to words with timestamps, and check it said what was written.

backends.py holds the recognisers by name ("faster-whisper", the default, and
"whisper"; nothing is ever downloaded), hearing.py hears the episode, scoring.py
judges each line against the script, recheck.py hears a flagged line again on
its own, and episode.py does all of that for the transcribe stage. Which heard
word belongs to which line is `pipeline.alignment`'s, shared with captions.

Two ways to hear an episode: the finished file in one pass ("episode"), or
each line's clip on its own, placed at its start on the timeline ("clips").
Whisper pads every input to a 30-second window, so a 5-second clip costs as
much encoder work as 30 seconds of episode. Measured by bench/transcribe_speed.py
on 61 s of two-voice espeak-ng speech (10 lines) on 2 cores, beam 5, word
timestamps on: faster-whisper int8 heard the whole episode at 17.5-19.7x real
time and the clips at 10.0-10.2x; openai-whisper fp32 at 6.2-6.4x and 2.8-3.5x.
The whole episode was also no less accurate (WER 0.227 against 0.271), so
"episode" is the default. It also hears the mastered audio that is published,
not the clips before mastering.

`scoring.qa` flags lines whose word error rate is above a threshold or whose
figures were not heard as said; `recheck.recheck` then hears each flagged line
again on its own slice of the episode with a second model (by default Whisper
base) and keeps the flag only if that fails too.

Which model, measured by bench/qa_recogniser.py on six scripts the pipeline
wrote (the three examples and three real articles, 219 lines, 29.9 min; Lena
by Festival slt HTS, Miles by Piper joe), 2 cores, beam 5 (lines flagged per
host, episode WER, seconds per 10 minutes of audio):

    tiny.en               Lena 19.7%  Miles 13.7%  WER 4.5%  28.7 s
    base                  Lena 15.4%  Miles 12.7%  WER 3.9%  63.1 s
    tiny.en + base check  Lena 11.1%  Miles  5.9%  WER 4.5%  43.8 s

so the default is tiny.en over the episode and base as the second opinion:
fewest flags, and base over a whole episode would take most of the audio
stage's 75-second budget for a 10-minute episode by itself.
"""

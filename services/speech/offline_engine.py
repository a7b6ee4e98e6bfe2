"""Offline speech-to-text: pocketsphinx's English model, in worker processes.

Recognition is CPU-bound C code that holds the GIL, so it runs in a `ProcessPoolExecutor` of
`speech_workers` processes (started lazily, with `spawn`: forking a process that runs an event
loop and threads is unsafe); each process builds its `Decoder` once, in the initializer. With
`maxhmmpf=3000` it recognises the same words as the defaults at about a third of the CPU time
(real-time factor ~0.2 on one core; see bench/voice.py).

pocketsphinx has no punctuation; its silences do the job: a pause of 0.2 s becomes a comma,
0.6 s a full stop, so the filler rules (services/speech/fillers.py) and a reader see clauses.
There is no offline Russian model: Russian raises `SpeechUnavailable("language")`, never a
guess. A recording in which it finds no word is `AudioRejected(NO_SPEECH)`.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import re
import signal
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from services.speech.audio import AudioProblem, AudioRejected, DecodedAudio
from services.speech.interface import SpeechUnavailable
from services.speech.transcript import Transcript, Word, normalize_language

logger = logging.getLogger(__name__)

FRAMES_PER_SECOND = 100
COMMA_PAUSE_S = 0.2
STOP_PAUSE_S = 0.6
ALTERNATE_RE = re.compile(r"\(\d+\)$")  # "the(2)": the second pronunciation of "the"
DECODER_OPTIONS: dict[str, Any] = {"samprate": 16000, "maxhmmpf": 3000, "loglevel": "FATAL"}

Segment = tuple[str, int, int]  # word, first frame, last frame (100 frames a second)

_decoder: Any = None  # one per worker process, built by _start_worker


def _start_worker() -> None:
    global _decoder
    from pocketsphinx import Decoder

    _decoder = Decoder(**DECODER_OPTIONS)


def _recognise(pcm: bytes) -> list[Segment]:
    """In a worker: the segments pocketsphinx finds in 16 kHz mono s16le PCM."""
    if _decoder is None:
        _start_worker()
    decoder = _decoder
    decoder.start_utt()
    decoder.process_raw(pcm, full_utt=True)
    decoder.end_utt()
    return [(segment.word, segment.start_frame, segment.end_frame) for segment in decoder.seg()]


def _ready() -> bool:
    return _decoder is not None


def _launch_workers_deaf_to_ctrl_c(pool: ProcessPoolExecutor, count: int) -> list[Future[bool]]:
    """Starts all of the pool's processes now, from a thread that blocks SIGINT: a process
    inherits that mask, so Ctrl-C in a terminal (sent to the whole process group) stops the
    bot, which then stops its workers in order, instead of killing a worker mid-start (a
    KeyboardInterrupt traceback and a broken pool). The pool starts no more processes later:
    it has `count` already."""
    launched: list[Future[bool]] = []

    def launch() -> None:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        launched.extend(pool.submit(_ready) for _ in range(count))

    launcher = threading.Thread(target=launch, name="speech-workers-launcher")
    launcher.start()
    launcher.join()
    return launched


class OfflineSpeechToText:
    name = "offline"
    languages = frozenset({"en"})

    def __init__(self, workers: int = 1) -> None:
        self.workers = max(1, workers)
        self._pool: ProcessPoolExecutor | None = None
        self._launched: list[Future[bool]] = []

    def supports(self, language: str) -> bool:
        return normalize_language(language) in self.languages

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
            )
            self._launched = _launch_workers_deaf_to_ctrl_c(self._pool, self.workers)
        return self._pool

    async def warm_up(self) -> None:
        """Starts the worker processes and their decoders now rather than on the first answer."""
        self._executor()
        try:
            await asyncio.gather(*(asyncio.wrap_future(future) for future in self._launched))
        except BrokenProcessPool:
            logger.exception("offline speech workers failed to start")
            await self._shutdown()

    async def transcribe(self, audio: DecodedAudio, original: bytes, language: str) -> Transcript:
        language = normalize_language(language)
        if not self.supports(language):
            raise SpeechUnavailable("language", f"no offline speech recognition for {language!r}")
        loop = asyncio.get_running_loop()
        try:
            segments = await loop.run_in_executor(self._executor(), _recognise, audio.pcm)
        except BrokenProcessPool as error:
            logger.error("offline speech worker died; restarting the pool on the next answer")
            await self._shutdown()
            raise SpeechUnavailable("service", "offline speech recognition crashed") from error
        return transcript_from_segments(segments, language=language, duration_s=audio.duration_s)

    async def _shutdown(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)

    async def close(self) -> None:
        await self._shutdown()


def is_word(token: str) -> bool:
    """Real words, not <s>, </s>, <sil>, [NOISE], [BREATH] and the like."""
    return bool(token) and token[0] not in "<[" and token != "++garbage++"


def transcript_from_segments(
    segments: Sequence[Segment], *, language: str, duration_s: float
) -> Transcript:
    words = tuple(
        Word(
            ALTERNATE_RE.sub("", token),
            round(start / FRAMES_PER_SECOND, 2),
            round((end + 1) / FRAMES_PER_SECOND, 2),
        )
        for token, start, end in segments
        if is_word(token)
    )
    if not words:
        raise AudioRejected(AudioProblem.NO_SPEECH, duration_s)
    return Transcript(
        text=punctuate(words),
        language=language,
        engine="offline",
        duration_s=duration_s,
        words=words,
    )


def punctuate(words: Sequence[Word]) -> str:
    """The words as sentences: a comma at a 0.2 s silence, a full stop at 0.6 s."""
    parts: list[str] = []
    capitalise = True
    for index, word in enumerate(words):
        text = word.text
        if text == "i" or text.startswith("i'"):
            text = "I" + text[1:]
        if capitalise:
            text = text[:1].upper() + text[1:]
        parts.append(text)
        capitalise = False
        if index + 1 < len(words):
            gap = words[index + 1].start - word.end
            if gap >= STOP_PAUSE_S:
                parts[-1] += "."
                capitalise = True
            elif gap >= COMMA_PAUSE_S:
                parts[-1] += ","
    return " ".join(parts) + "."

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
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
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


def _start_worker_process() -> None:
    # Ctrl-C reaches the whole process group; the bot decides when its workers stop, so a
    # worker killed by it mid-start cannot break the pool under a clean shutdown.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _start_worker()


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


class OfflineSpeechToText:
    name = "offline"
    languages = frozenset({"en"})

    def __init__(self, workers: int = 1) -> None:
        self.workers = max(1, workers)
        self._pool: ProcessPoolExecutor | None = None
        self._closing = False

    def supports(self, language: str) -> bool:
        return normalize_language(language) in self.languages

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker_process,
            )
        return self._pool

    async def warm_up(self) -> None:
        """Starts the worker processes and their decoders now rather than on the first answer."""
        loop = asyncio.get_running_loop()
        pool = self._executor()
        try:
            await asyncio.gather(*(loop.run_in_executor(pool, _ready) for _ in range(self.workers)))
        except BrokenProcessPool:
            if self._closing:
                return  # the bot is stopping: the pool went with it
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
        self._closing = True
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

"""Offline speech-to-text: Whisper base on the CPU (faster-whisper, CTranslate2 int8), English
and Russian, in worker processes.

Recognition is CPU-bound native code, so it runs in a `ProcessPoolExecutor` of `speech_workers`
processes (with `spawn`: forking a process that runs an event loop and threads is unsafe). The
model is checked once in the bot (`whisper_model.prepare_model`: assembled from its packages,
size and SHA-256) and then loaded once per worker, in the initializer; `warm_up` starts them
all when the bot starts. Workers run at a lower priority (`WORKER_NICENESS`) and share the
machine's cores, so the bot answers other users while a long answer is heard.

Decoding searches 5 beams (`BEAM_SIZE`), without conditioning on earlier text; the prompt is a
line of fillers in the answer's language, which keeps them in the text for the filler metrics;
word timestamps feed the pace and pause metrics. Without a language, the language is detected among
the ones EasyFlow speaks. What the worker hears goes through the same checks as Groq's reply
(`whisper_reply.py`): no speech is `AudioRejected(NO_SPEECH)`. A refused model or a dead worker
is `SpeechUnavailable`, and the bot asks for a typed answer.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from services.languages import SUPPORTED_LANGUAGES
from services.speech.audio import DecodedAudio
from services.speech.interface import SpeechUnavailable
from services.speech.transcript import Transcript, normalize_language
from services.speech.whisper_model import ModelRefused, prepare_model
from services.speech.whisper_reply import FILLER_PROMPTS, echoes_prompt, transcript_from_reply

logger = logging.getLogger(__name__)

WORKER_NICENESS = 10
# Five beams against greedy decoding, on espeak-ng English at 130/160/190 words a minute
# (python -m bench voice): WER 0.05/0.02/0.02 against 0.08/0.10/0.11, real-time factor on a
# 60-second note 0.09 against 0.06.
BEAM_SIZE = 5
# Whisper decodes again, hotter, when a window comes out repetitive or unsure; three tries at
# most bound the time a hard recording takes (the default goes up to six).
TEMPERATURES = (0.0, 0.2, 0.4)
SAMPLING_SEED = 20261205

_model: Any = None  # one per worker process, loaded by _start_worker


def _start_worker(folder: str, threads: int) -> None:
    global _model
    os.nice(WORKER_NICENESS)
    os.environ["HF_HUB_OFFLINE"] = "1"  # a local folder needs no hub; make sure it asks none
    logging.getLogger("faster_whisper").setLevel(logging.WARNING)  # no line per recording
    from faster_whisper import WhisperModel

    _model = WhisperModel(
        folder, device="cpu", compute_type="int8", cpu_threads=threads, local_files_only=True
    )


def _ready() -> bool:
    return _model is not None


def _recognise(pcm: bytes, language: str | None) -> dict[str, Any]:
    """In a worker: what Whisper hears in 16 kHz mono s16le PCM, in Groq's verbose_json shape
    (`text`, `language`, `segments`, `words`)."""
    import ctranslate2
    import numpy as np

    # The hotter retries sample: the same recording gets the same transcript every time.
    ctranslate2.set_random_seed(SAMPLING_SEED)
    audio = np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768.0
    if language is None:
        language = _detect_language(audio)
    prompt = FILLER_PROMPTS.get(language)
    reply = _decode(audio, language, prompt)
    if prompt and (not reply["text"] or echoes_prompt(reply["text"], prompt)):
        # A short or unclear answer can end at once after the filler prompt, or come out as
        # the prompt again; the speech checks already ran, so hear it again without it.
        reply = _decode(audio, language, None)
    return reply


def _decode(audio: Any, language: str, prompt: str | None) -> dict[str, Any]:
    segments, _ = _model.transcribe(
        audio,
        language=language,
        initial_prompt=prompt,
        word_timestamps=True,
        beam_size=BEAM_SIZE,
        temperature=list(TEMPERATURES),
        condition_on_previous_text=False,
        vad_filter=False,
    )
    reply: dict[str, Any] = {"language": language, "segments": [], "words": []}
    for segment in segments:
        reply["segments"].append(
            {
                "text": segment.text,
                "start": segment.start,
                "end": segment.end,
                "no_speech_prob": segment.no_speech_prob,
                "avg_logprob": segment.avg_logprob,
            }
        )
        reply["words"] += [
            {"word": word.word, "start": word.start, "end": word.end}
            for word in segment.words or ()
        ]
    reply["text"] = " ".join(segment["text"].strip() for segment in reply["segments"]).strip()
    return reply


def _detect_language(audio: Any) -> str:
    """The most likely of the languages EasyFlow speaks (Whisper alone may pick any of 99)."""
    _, _, probabilities = _model.detect_language(audio)
    ours = {code: p for code, p in probabilities if code in SUPPORTED_LANGUAGES}
    return max(ours, key=ours.__getitem__) if ours else SUPPORTED_LANGUAGES[0]


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


def threads_per_worker(workers: int) -> int:
    """The cores this process may use (a container's limit included), shared among the
    workers, at least one each."""
    return max(1, len(os.sched_getaffinity(0)) // workers)


class WhisperSpeechToText:
    name = "whisper"

    def __init__(self, model_folder: Path, workers: int = 1) -> None:
        self.model_folder = model_folder
        self.workers = max(1, workers)
        self._pool: ProcessPoolExecutor | None = None
        self._launched: list[Future[bool]] = []
        self._refused: str | None = None
        self._closed = False
        self._starting: asyncio.Lock | None = None  # made in the loop that first uses it
        self._preparing: asyncio.Task[Path] | None = None

    def _refuse(self, why: str) -> SpeechUnavailable:
        """Remembers that this engine cannot work until the bot restarts, and says so once."""
        self._refused = f"offline speech recognition is off: {why}"
        logger.error("%s; voice answers are asked to be typed until the bot restarts", why)
        return SpeechUnavailable(self._refused)

    async def _executor(self) -> ProcessPoolExecutor:
        """The worker pool, started on first use after the model passed its check."""
        if self._starting is None:
            self._starting = asyncio.Lock()
        async with self._starting:
            if self._refused is not None:
                raise SpeechUnavailable(self._refused)
            if self._closed:
                raise SpeechUnavailable("offline speech recognition is closed")
            if self._pool is None:
                if self._preparing is None:
                    self._preparing = asyncio.create_task(
                        asyncio.to_thread(prepare_model, self.model_folder)
                    )
                try:
                    # Shielded: a cancelled warm-up leaves the check running, for `close`.
                    await asyncio.shield(self._preparing)
                except ModelRefused as error:
                    raise self._refuse(str(error)) from error
                except Exception as error:  # not foreseen by prepare_model: refused all the same
                    logger.exception("the offline Whisper model could not be prepared")
                    raise self._refuse(f"the model could not be prepared: {error}") from error
                if self._closed:  # the bot stopped while the model was being prepared
                    raise SpeechUnavailable("offline speech recognition is closed")
                self._pool = ProcessPoolExecutor(
                    max_workers=self.workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start_worker,
                    initargs=(str(self.model_folder), threads_per_worker(self.workers)),
                )
                self._launched = _launch_workers_deaf_to_ctrl_c(self._pool, self.workers)
            return self._pool

    def _loaded_once(self) -> bool:
        """Whether a worker of the current pool has loaded the model."""
        return any(
            future.done() and not future.cancelled() and future.exception() is None
            for future in self._launched
        )

    async def warm_up(self) -> None:
        """Checks the model and loads it in every worker now rather than on the first answer."""
        started = time.perf_counter()
        try:
            pool = await self._executor()
            await asyncio.gather(*(asyncio.wrap_future(future) for future in self._launched))
            logger.info(
                "offline speech recognition ready: Whisper base in %d worker process(es), %.1f s",
                self.workers,
                time.perf_counter() - started,
            )
        except SpeechUnavailable:
            return  # logged; each voice answer is asked to be typed
        except BrokenProcessPool:
            logger.exception("offline speech workers failed to start")
            self._refuse("the Whisper model failed to load in a worker process")
            await self._shutdown(pool)

    async def transcribe(
        self, audio: DecodedAudio, original: bytes, language: str | None
    ) -> Transcript:
        language = normalize_language(language) if language else None
        pool = await self._executor()
        loop = asyncio.get_running_loop()
        try:
            reply = await loop.run_in_executor(pool, _recognise, audio.pcm, language)
        except BrokenProcessPool as error:
            if not self._loaded_once():
                # No worker ever loaded the model: starting another pool would fail the same
                # way, 145 MB at a time, for every answer.
                logger.exception("offline speech workers failed to start")
                unavailable = self._refuse("the Whisper model failed to load in a worker process")
            else:
                logger.error("offline speech worker died; restarting the pool on the next answer")
                unavailable = SpeechUnavailable("offline speech recognition crashed")
            await self._shutdown(pool)
            raise unavailable from error
        except Exception as error:  # whatever CTranslate2 raised for this recording
            logger.exception("offline speech recognition failed")
            raise SpeechUnavailable("offline speech recognition failed") from error
        heard_language = str(reply["language"])
        return transcript_from_reply(
            reply,
            language=heard_language,
            duration_s=audio.duration_s,
            engine=self.name,
            prompt=FILLER_PROMPTS.get(heard_language),
        )

    async def _shutdown(self, pool: ProcessPoolExecutor | None) -> None:
        """Stops `pool` and forgets it, unless a newer pool has replaced it already."""
        if pool is None:
            return
        if self._pool is pool:
            self._pool = None
        await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)

    async def close(self) -> None:
        self._closed = True
        preparing = self._preparing
        if preparing is not None:
            # A thread cannot be stopped: let the assembly or check finish (a second or two)
            # before the bot says it stopped, rather than behind its back.
            await asyncio.wait([preparing])
            if not preparing.cancelled():
                preparing.exception()  # retrieved: a refusal was logged already
        await self._shutdown(self._pool)

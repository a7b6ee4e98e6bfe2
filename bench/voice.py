"""Voice answers: EasyFlow's own overhead per answer, the offline engine's accuracy and speed,
and /help's latency while 20 voice notes are transcribed (bench/voice_load.py).

The overhead uses a 60-second English voice note made by espeak-ng (Ogg/Opus, like Telegram's).

- `measure_pipeline_overhead`: `hear_answer` with a speech engine that returns a canned
  transcript at once, so the figure is everything but recognition: decoding, the
  silence/music checks, the engine hand-off and the metrics (the download is measured
  elsewhere). Median of 7 runs after a warm-up. Bar: <= 0.3 s.
- `measure_offline_speech`: the offline Whisper (in its worker process, warmed up beforehand)
  on English and Russian scripts spoken at known rates: word error rate, duration and pace
  error, real-time factor (bench/voice_accuracy.py). Bars for English: WER <= 0.15, pace
  within 15%, RTF <= 0.5.
"""

from __future__ import annotations

import asyncio
import statistics
import time

from bot.config import Settings
from services.speech import (
    DecodedAudio,
    Transcript,
    WhisperSpeechToText,
    Word,
    hear_answer,
)
from tests.speech_fixtures import LONG_ENGLISH_ANSWER, long_speech_ogg

NOTE_SECONDS = 60.0
MAX_DURATION_S = 300.0
BAR_OVERHEAD_SECONDS = 0.3
RUNS = 7


class CannedSpeechToText:
    """A speech engine that has already heard the answer: the long answer's words, spread."""

    name = "canned"

    def __init__(self, duration_s: float) -> None:
        texts = LONG_ENGLISH_ANSWER.split()
        step = duration_s / len(texts)
        self.words = tuple(
            Word(text.strip(".,"), index * step, (index + 0.8) * step)
            for index, text in enumerate(texts)
        )

    def supports(self, language: str) -> bool:
        return True

    async def transcribe(self, audio: DecodedAudio, original: bytes, language: str) -> Transcript:
        return Transcript(LONG_ENGLISH_ANSWER, language, self.name, audio.duration_s, self.words)

    async def close(self) -> None:
        return None


def measure_pipeline_overhead() -> float:
    """Median seconds of `hear_answer` minus recognition for a 60-second voice note."""
    data = long_speech_ogg(NOTE_SECONDS)
    stt = CannedSpeechToText(NOTE_SECONDS)

    async def timed_runs() -> list[float]:
        await hear_answer(data, language="en", stt=stt, max_duration_s=MAX_DURATION_S)
        seconds: list[float] = []
        for _ in range(RUNS):
            started = time.perf_counter()
            heard = await hear_answer(data, language="en", stt=stt, max_duration_s=MAX_DURATION_S)
            seconds.append(time.perf_counter() - started)
            assert heard.metrics.words == len(stt.words)
        return seconds

    median = statistics.median(asyncio.run(timed_runs()))
    verdict = "ok" if median <= BAR_OVERHEAD_SECONDS else "ABOVE BAR"
    print(
        f"voice pipeline overhead: {median:.3f}s median for a {NOTE_SECONDS:g}s voice note "
        f"(decode + checks + metrics, no recognition; bar <= {BAR_OVERHEAD_SECONDS:g}s: "
        f"{verdict})"
    )
    return median


def measure_offline_speech() -> bool:
    """The offline Whisper's accuracy and speed (bench/voice_accuracy.py), warmed up first."""
    from bench.voice_accuracy import measure_accuracy

    async def measured() -> bool:
        engine = WhisperSpeechToText(Settings(_env_file=None).speech_model_dir, workers=1)
        try:
            await engine.warm_up()
            return await measure_accuracy(engine)
        finally:
            await engine.close()

    return asyncio.run(measured())


def run() -> int:
    from bench.voice_load import BAR_HELP_P99_MS, run_async

    download, help_p99 = asyncio.run(run_async())
    pipeline = measure_pipeline_overhead()
    overhead = download + pipeline
    verdict = "ok" if overhead <= BAR_OVERHEAD_SECONDS else "ABOVE BAR"
    print(
        f"per-answer overhead without the speech engine: download {download * 1000:.0f} ms + "
        f"decode/checks/metrics {pipeline * 1000:.0f} ms = {overhead * 1000:.0f} ms "
        f"(bar <= {BAR_OVERHEAD_SECONDS * 1000:.0f} ms: {verdict})"
    )
    accurate = measure_offline_speech()
    passed = overhead <= BAR_OVERHEAD_SECONDS and accurate and help_p99 <= BAR_HELP_P99_MS
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(run())

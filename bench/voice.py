"""Voice answers: EasyFlow's own overhead per answer, and the offline engine's speed.

Both use a 60-second English voice note made by espeak-ng (Ogg/Opus, like Telegram's).

- `measure_pipeline_overhead`: `hear_answer` with a speech engine that returns a canned
  transcript at once, so the figure is everything but recognition: decoding, the
  silence/music checks, the engine hand-off and the metrics (the download is measured
  elsewhere). Median of 7 runs after a warm-up. Bar: <= 0.3 s.
- `measure_offline_rtf`: the offline engine (pocketsphinx in its worker process, started and
  warmed up beforehand) on the decoded note; wall-clock seconds / audio seconds. Bar: <= 0.5.
"""

from __future__ import annotations

import asyncio
import statistics
import time

from services.speech import (
    DecodedAudio,
    OfflineSpeechToText,
    Transcript,
    Word,
    decode_audio,
    hear_answer,
)
from tests.speech_fixtures import LONG_ENGLISH_ANSWER, long_speech_ogg

NOTE_SECONDS = 60.0
MAX_DURATION_S = 300.0
BAR_OVERHEAD_SECONDS = 0.3
BAR_RTF = 0.5
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


def measure_offline_rtf() -> float:
    """Offline recognition seconds per second of audio, on a 60-second English voice note."""
    audio = decode_audio(long_speech_ogg(NOTE_SECONDS), max_duration_s=MAX_DURATION_S)

    async def timed_run() -> tuple[float, int]:
        engine = OfflineSpeechToText(workers=1)
        try:
            await engine.warm_up()
            started = time.perf_counter()
            transcript = await engine.transcribe(audio, b"", "en")
            return time.perf_counter() - started, len(transcript.words)
        finally:
            await engine.close()

    seconds, words = asyncio.run(timed_run())
    rtf = seconds / audio.duration_s
    verdict = "ok" if rtf <= BAR_RTF else "ABOVE BAR"
    print(
        f"offline speech-to-text: {seconds:.1f}s for {audio.duration_s:.0f}s of audio "
        f"({words} words) = real-time factor {rtf:.2f} (bar <= {BAR_RTF:g}: {verdict})"
    )
    return rtf


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
    rtf = measure_offline_rtf()
    passed = overhead <= BAR_OVERHEAD_SECONDS and rtf <= BAR_RTF and help_p99 <= BAR_HELP_P99_MS
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(run())

"""How well the offline Whisper hears: scripts spoken by espeak-ng at known rates, English and
Russian, through the engine the bot uses (its worker process, warmed up first).

For each language and rate (espeak-ng's `-s`, words a minute):
- WER: word error rate of the transcript against the script (lower case, punctuation out,
  ё as е; substitutions + deletions + insertions over the script's words);
- duration error: the speaking time the metrics measure (first word to last, pauses out)
  against the true one, read off the audio itself (first to last frame above -40 dBFS);
- pace error: the metrics' words a minute against the true rate (the script's words over the
  true speaking time);
- RTF: seconds of recognition per second of audio.

Bars for English: WER <= 0.15, pace within 15%, RTF <= 0.5 (each clip, and a 60-second note).
Russian is reported as measured: espeak-ng's Russian voice is hard to follow even for people,
so its figures say more about the voice than about the model.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from services.speech import DecodedAudio, decode_audio, measure_speech
from services.speech.interface import SpeechToText
from services.speech.metrics import WORD_RE
from tests.speech_fixtures import long_speech_ogg, speech_ogg

SCRIPTS: dict[str, str] = {
    "en": (
        "When our checkout service slowed down during the sale, I profiled the database and "
        "found two queries without an index. I added the indexes, compared the query plans "
        "before and after, and the slowest page became many times faster. Then I set up an "
        "alert on slow queries, so that we would hear about the next one before our "
        "customers did."
    ),
    "ru": (
        "Когда наш сервис заказов замедлился во время распродажи, я профилировал базу данных "
        "и нашёл два запроса без индекса. Я добавил индексы, сравнил планы запросов до и "
        "после, и самая медленная страница стала намного быстрее. Потом я настроил "
        "оповещение о медленных запросах, чтобы узнавать о следующем раньше клиентов."
    ),
}
RATES = (130, 160, 190)
LONG_NOTE_SECONDS = 60.0
MAX_DURATION_S = 300.0
BAR_WER = 0.15
BAR_PACE_ERROR = 0.15
BAR_RTF = 0.5
FRAME_S = 0.01
VOICED_RMS = 10 ** (-40 / 20)  # -40 dBFS


@dataclass(frozen=True)
class Heard:
    language: str
    rate: int
    wer: float
    duration_error: float
    pace_error: float
    rtf: float
    text: str

    def within_bars(self) -> bool:
        return (
            self.wer <= BAR_WER and abs(self.pace_error) <= BAR_PACE_ERROR and (self.rtf <= BAR_RTF)
        )


def words_of(text: str) -> list[str]:
    """The words as the speech metrics count them, lower case, ё as е."""
    return WORD_RE.findall(text.lower().replace("ё", "е"))


def word_error_rate(reference: str, hypothesis: str) -> float:
    """(substitutions + deletions + insertions) / words of the reference."""
    said, heard = words_of(reference), words_of(hypothesis)
    previous = list(range(len(heard) + 1))
    for i, word in enumerate(said, start=1):
        current = [i] + [0] * len(heard)
        for j, other in enumerate(heard, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (word != other))
        previous = current
    return previous[-1] / max(1, len(said))


def true_speaking_time(audio: DecodedAudio) -> float:
    """Seconds from the first frame above -40 dBFS to the last (the scripts have no long
    pause, so this is the time spent speaking)."""
    samples = np.frombuffer(audio.pcm, dtype=np.int16).astype(np.float32) / 32768.0
    size = int(audio.SAMPLE_RATE * FRAME_S)
    frames = samples[: len(samples) // size * size].reshape(-1, size)
    voiced = np.flatnonzero(np.sqrt((frames**2).mean(axis=1)) > VOICED_RMS)
    if not len(voiced):
        return 0.0
    return float(voiced[-1] + 1 - voiced[0]) * FRAME_S


async def hear_script(engine: SpeechToText, language: str, rate: int) -> Heard:
    script = SCRIPTS[language]
    data = speech_ogg(script, language=language, speed=rate)
    audio = decode_audio(data, max_duration_s=MAX_DURATION_S)
    started = time.perf_counter()
    transcript = await engine.transcribe(audio, data, language)
    seconds = time.perf_counter() - started
    metrics = measure_speech(transcript, audio_pauses=audio.pauses)
    speaking = true_speaking_time(audio)
    true_wpm = len(words_of(script)) / speaking * 60
    return Heard(
        language=language,
        rate=rate,
        wer=word_error_rate(script, transcript.text),
        duration_error=(metrics.speech_s - speaking) / speaking,
        pace_error=(metrics.wpm - true_wpm) / true_wpm,
        rtf=seconds / audio.duration_s,
        text=transcript.text,
    )


async def long_note_rtf(engine: SpeechToText) -> float:
    data = long_speech_ogg(LONG_NOTE_SECONDS)
    audio = decode_audio(data, max_duration_s=MAX_DURATION_S)
    started = time.perf_counter()
    await engine.transcribe(audio, data, "en")
    return (time.perf_counter() - started) / audio.duration_s


async def measure_accuracy(engine: SpeechToText) -> bool:
    """Prints the table; True when English is within every bar."""
    results = [await hear_script(engine, lang, rate) for lang in SCRIPTS for rate in RATES]
    rtf_60 = await long_note_rtf(engine)
    print("offline Whisper base (int8, CPU) on espeak-ng speech:")
    print(" lang  rate   WER   duration err  pace err   RTF   verdict")
    for heard in results:
        verdict = (
            ("ok" if heard.within_bars() else "ABOVE BAR")
            if heard.language == "en"
            else "as measured (espeak-ng's Russian voice is hard even for people)"
        )
        print(
            f" {heard.language:4}  {heard.rate:4}  {heard.wer:5.2f}  {heard.duration_error:+11.1%}"
            f"  {heard.pace_error:+8.1%}  {heard.rtf:5.2f}   {verdict}"
        )
    for heard in results:
        print(f"   {heard.language} {heard.rate}: {heard.text}")
    print(
        f"RTF on a {LONG_NOTE_SECONDS:g}-second English note: {rtf_60:.2f} "
        f"(bar <= {BAR_RTF:g}: {'ok' if rtf_60 <= BAR_RTF else 'ABOVE BAR'})"
    )
    english = [heard for heard in results if heard.language == "en"]
    return all(heard.within_bars() for heard in english) and rtf_60 <= BAR_RTF

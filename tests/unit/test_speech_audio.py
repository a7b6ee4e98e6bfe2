"""Decoding voice answers: formats sniffed by content, typed rejections, speech vs music."""

from __future__ import annotations

import struct
import time

import numpy as np
import pytest

from services.speech import (
    AudioProblem,
    AudioRejected,
    DecodedAudio,
    decode_audio,
    decode_audio_async,
    opus,
    sniff_container,
)
from services.speech import audio as audio_module
from tests.speech_fixtures import (
    clipped_speech_ogg,
    long_ogg,
    mp3_bytes,
    music_ogg,
    noise_ogg,
    silence_ogg,
    speech_as,
    speech_ogg,
    video_note_mp4,
    without_audio_mp4,
)

ANSWER = "An index keeps the values sorted, so a lookup walks a small tree instead of a scan."
ANSWER_RU = "Индекс хранит значения в отсортированном виде, поэтому поиск идёт быстро."
MAX = 300.0


def rejected(data: bytes, **options: float) -> AudioRejected:
    with pytest.raises(AudioRejected) as caught:
        decode_audio(data, max_duration_s=options.pop("max_duration_s", MAX), **options)
    return caught.value


def wav_header(seconds: float, rate: int = 8000) -> bytes:
    """A PCM u8 mono WAV of `seconds` of silence (cheap to build for any length)."""
    frames = int(seconds * rate)
    header = b"RIFF" + struct.pack("<I", 36 + frames) + b"WAVE"
    header += b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate, 1, 8)
    return header + b"data" + struct.pack("<I", frames) + b"\x80" * frames


# --- sniffing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "container"),
    [
        (b"OggS\x00\x02" + bytes(30), "ogg"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "wav"),
        (b"fLaC\x00\x00\x00\x22", "flac"),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00", "mp3"),
        (b"\xff\xfb\x90\x64" + bytes(10), "mp3"),
        (b"\xff\xf3\x90\x64" + bytes(10), "mp3"),
        (b"\xff\xf1\x50\x80" + bytes(10), "aac"),
        (b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00", "m4a"),
        (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00", "mp4"),
        (b"\x00\x00\x00\x14ftypqt  ", "mov"),
        (b"\x00\x00\x00\x18ftyp3gp5", "3gp"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm", "webm"),
        (b"\x1a\x45\xdf\xa3\xa3\x42\x86\x81\x01\x42\x82\x88matroska", "mkv"),
        (b"#!AMR\n", "amr"),
        (b"FORM\x00\x00\x00\x00AIFF", "aiff"),
        (b"caff\x00\x01", "caf"),
        (bytes.fromhex("3026B2758E66CF11A6D900AA0062CE6C"), "asf"),
        (b"%PDF-1.7\n", None),
        (b"\x89PNG\r\n\x1a\n", None),
        (b"\xff\xd8\xff\xe0", None),  # JPEG
        (b"PK\x03\x04", None),
        (b"#EXTM3U\nhttp://example.com/a.mp3\n", None),  # a playlist never reaches ffmpeg
        (b"hello, this is text", None),
        (b"", None),
    ],
)
def test_containers_are_sniffed_from_content(head: bytes, container: str | None) -> None:
    assert sniff_container(head) == container


# --- good recordings ----------------------------------------------------------------------------


def assert_consistent(audio: DecodedAudio) -> None:
    assert audio.SAMPLE_RATE == 16000
    assert len(audio.pcm) == pytest.approx(audio.duration_s * 16000 * 2, abs=40)  # 1 ms
    assert 0 < audio.voiced_s <= audio.duration_s


def test_a_voice_note_decodes_to_16khz_mono_pcm() -> None:
    data = speech_ogg(ANSWER)
    audio = decode_audio(data, max_duration_s=MAX)
    assert audio.container == "ogg"
    assert 4.0 < audio.duration_s < 8.0
    assert_consistent(audio)
    assert audio.voiced_s > 0.6 * audio.duration_s
    assert audio.pauses == ()
    samples = np.frombuffer(audio.pcm, dtype="<i2")
    assert np.abs(samples).max() > 3000  # real sound, not a silent buffer


def test_libopus_and_ffmpeg_decode_a_voice_note_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    data = speech_ogg(ANSWER)
    fast = decode_audio(data, max_duration_s=MAX)
    monkeypatch.setattr(audio_module, "decode_opus_packets", lambda *_, **__: None)
    slow = decode_audio(data, max_duration_s=MAX)
    assert slow.duration_s == pytest.approx(fast.duration_s, abs=0.03)
    assert slow.voiced_s == pytest.approx(fast.voiced_s, abs=0.2)
    length = min(len(fast.pcm), len(slow.pcm)) // 2
    a = np.frombuffer(fast.pcm, dtype="<i2")[:length].astype(float)
    b = np.frombuffer(slow.pcm, dtype="<i2")[:length].astype(float)
    assert np.corrcoef(a, b)[0, 1] > 0.95


def test_voice_notes_take_the_in_process_libopus_path() -> None:
    data = speech_ogg(ANSWER)
    stream = opus.parse_ogg_opus(data)
    assert stream is not None and stream.pre_skip > 0 and len(stream.packets) > 100
    assert opus.libopus_available()  # ffmpeg's own dependency; the fast path must be taken
    pcm = opus.decode_opus_packets(stream, 16000)
    assert pcm is not None and stream.duration_s is not None
    assert len(pcm) / 32000 == pytest.approx(stream.duration_s, abs=0.001)
    assert opus.parse_ogg_opus(speech_as(ANSWER, "ogg-vorbis")) is None  # Vorbis: ffmpeg's job
    assert opus.parse_ogg_opus(data[:-10]) is None  # a truncated page: ffmpeg decides


def test_pauses_over_two_seconds_are_found_in_the_audio() -> None:
    data = speech_ogg(
        'First, the index. <break time="2500ms"/> Then the table. '
        '<break time="1000ms"/> And the query. <break time="3500ms"/> Done.'
    )
    audio = decode_audio(data, max_duration_s=MAX)
    assert len(audio.pauses) == 2
    lengths = [end - start for start, end in audio.pauses]
    assert lengths[0] == pytest.approx(2.5, abs=0.4)
    assert lengths[1] == pytest.approx(3.5, abs=0.4)
    assert all(start > 0.5 for start, _ in audio.pauses)  # inner silences only


def test_an_mp3_renamed_to_ogg_still_decodes_as_mp3() -> None:
    data = mp3_bytes(ANSWER)  # whatever the file name or MIME type said
    audio = decode_audio(data, max_duration_s=MAX)
    assert audio.container == "mp3"
    assert 4.0 < audio.duration_s < 8.0
    assert_consistent(audio)


@pytest.mark.parametrize(
    ("format_name", "container"),
    [
        ("flac", "flac"),
        ("m4a", "m4a"),
        ("ogg-vorbis", "ogg"),
        ("ogg-opus-stereo", "ogg"),
        ("webm", "webm"),
        ("mkv", "mkv"),
        ("wav-48k-stereo", "wav"),
        ("aac", "aac"),
        ("aiff", "aiff"),
    ],
)
def test_other_formats_decode_by_content(format_name: str, container: str) -> None:
    reference = decode_audio(speech_ogg(ANSWER), max_duration_s=MAX)
    audio = decode_audio(speech_as(ANSWER, format_name), max_duration_s=MAX)
    assert audio.container == container
    assert audio.duration_s == pytest.approx(reference.duration_s, abs=0.1)
    assert audio.voiced_s == pytest.approx(reference.voiced_s, abs=0.5)
    assert_consistent(audio)


def test_a_video_note_decodes_its_sound() -> None:
    audio = decode_audio(video_note_mp4(ANSWER), max_duration_s=MAX)
    assert audio.container == "mp4"
    assert audio.duration_s > 4.0
    assert_consistent(audio)


async def test_decoding_runs_off_the_event_loop() -> None:
    audio = await decode_audio_async(speech_ogg(ANSWER_RU, language="ru"), max_duration_s=MAX)
    assert audio.container == "ogg" and audio.duration_s > 3


# --- rejections ---------------------------------------------------------------------------------


def test_empty_bytes_are_empty() -> None:
    error = rejected(b"")
    assert error.problem is AudioProblem.EMPTY and error.duration_s is None


def test_a_fifth_of_a_second_is_too_short() -> None:
    error = rejected(clipped_speech_ogg(ANSWER, 0.2))
    assert error.problem is AudioProblem.TOO_SHORT
    assert error.duration_s == pytest.approx(0.2, abs=0.03)
    longer = rejected(speech_ogg("Yes."), min_duration_s=5.0)
    assert longer.problem is AudioProblem.TOO_SHORT


def test_pure_silence_is_silence() -> None:
    error = rejected(silence_ogg(4))
    assert error.problem is AudioProblem.SILENCE
    assert error.duration_s == pytest.approx(4.0, abs=0.05)


def test_thirty_minutes_against_five_is_refused_before_decoding() -> None:
    data = long_ogg(1800)
    started = time.perf_counter()
    error = rejected(data, max_duration_s=300)
    assert time.perf_counter() - started < 1.0
    assert error.problem is AudioProblem.TOO_LONG
    assert error.duration_s == pytest.approx(1800, abs=1)


def test_a_too_long_file_of_another_format_is_refused_from_ffmpegs_probe() -> None:
    data = wav_header(700)  # 700 s of 8 kHz WAV
    started = time.perf_counter()
    error = rejected(data, max_duration_s=300)
    assert time.perf_counter() - started < 1.5
    assert error.problem is AudioProblem.TOO_LONG
    assert error.duration_s == pytest.approx(700, abs=1)


def test_a_little_over_the_limit_is_tolerated() -> None:
    data = speech_ogg(ANSWER)
    duration = decode_audio(data, max_duration_s=MAX).duration_s
    assert decode_audio(data, max_duration_s=duration - 0.5).duration_s == duration
    assert rejected(data, max_duration_s=duration - 2).problem is AudioProblem.TOO_LONG


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n",
        b"\x89PNG\r\n\x1a\n" + bytes(200),
        "Это текст, а не голос.".encode(),
        b"#EXTM3U\n#EXTINF:10,\nfile:///etc/passwd\n",
    ],
)
def test_files_that_are_not_audio_are_refused_without_decoding(data: bytes) -> None:
    assert rejected(data).problem is AudioProblem.NOT_AUDIO


def test_a_video_without_sound_is_not_audio() -> None:
    assert rejected(without_audio_mp4(ANSWER)).problem is AudioProblem.NOT_AUDIO


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[:200],  # the headers and nothing else
        lambda data: b"OggS" + bytes(3000),  # an Ogg signature over zeros
        lambda data: data[:60] + bytes(range(256)) * 20,  # garbage after the first page
        lambda data: b"\xff\xfb" + bytes(3000),  # an MP3 frame sync over zeros
        lambda data: b"ID3" + bytes(500),
    ],
)
def test_corrupt_files_are_corrupt(damage: object) -> None:
    data = damage(speech_ogg(ANSWER))  # type: ignore[operator]
    assert rejected(data).problem in (AudioProblem.CORRUPT, AudioProblem.EMPTY)


def test_a_truncated_voice_note_keeps_what_it_has() -> None:
    data = speech_ogg(ANSWER)
    audio = decode_audio(data[: len(data) // 2], max_duration_s=MAX)
    assert 1.0 < audio.duration_s < decode_audio(data, max_duration_s=MAX).duration_s


# --- speech, music and noise --------------------------------------------------------------------

PAUSED = 'So. <break time="1500ms"/> The index is a tree. <break time="2000ms"/> It is sorted.'
PAUSED_RU = 'Итак. <break time="1500ms"/> Индекс — это дерево. <break time="2500ms"/> Вот.'
SPEECH_SAMPLES = [
    ("en", "en-us", 120, ANSWER),
    ("en", "en-us", 230, ANSWER),
    ("en", "en-gb", 175, ANSWER),
    ("en", "en+f3", 175, ANSWER),
    ("en", "en-us+m7", 200, ANSWER),
    ("en", "en-gb-scotland", 140, ANSWER),
    ("ru", "ru", 120, ANSWER_RU),
    ("ru", "ru", 230, ANSWER_RU),
    ("ru", "ru+f3", 175, ANSWER_RU),
    ("ru", "ru-lv", 160, ANSWER_RU),
    ("en", "en-us", 150, PAUSED),
    ("ru", "ru", 150, PAUSED_RU),
]


@pytest.mark.parametrize(("language", "voice", "speed", "text"), SPEECH_SAMPLES)
def test_speech_in_both_languages_voices_and_speeds_is_speech(
    language: str, voice: str, speed: int, text: str
) -> None:
    data = speech_ogg(text, language=language, speed=speed, voice=voice)
    audio = decode_audio(data, max_duration_s=MAX)
    assert audio.voiced_s > 1.0


@pytest.mark.parametrize("kind", ["chords", "melody", "pluck", "staccato", "drums"])
def test_music_is_rejected_as_no_speech(kind: str) -> None:
    error = rejected(music_ogg(6, kind))
    assert error.problem is AudioProblem.NO_SPEECH
    assert error.duration_s == pytest.approx(6.0, abs=0.05)


@pytest.mark.parametrize("color", ["white", "pink", "brown"])
def test_steady_noise_is_rejected_as_no_speech(color: str) -> None:
    assert rejected(noise_ogg(4, color)).problem is AudioProblem.NO_SPEECH


def test_the_speech_cues_separate_speech_from_music_with_a_margin() -> None:
    def cues(data: bytes) -> tuple[float, float | None]:
        pcm = audio_module._ffmpeg_decode(data, "ogg", 60)[0]
        samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768
        analysis = audio_module.analyse_pcm(samples)
        return analysis.low_energy_share, analysis.pitch_steadiness

    speech_share, speech_steadiness = cues(speech_ogg(ANSWER))
    assert speech_share > audio_module.MIN_LOW_ENERGY_SHARE + 0.1
    assert speech_steadiness is not None
    assert speech_steadiness < audio_module.MAX_PITCH_STEADINESS - 0.15
    chords_share, _ = cues(music_ogg(6, "chords"))
    assert chords_share < audio_module.MIN_LOW_ENERGY_SHARE
    pluck_share, pluck_steadiness = cues(music_ogg(6, "pluck"))
    assert pluck_share > audio_module.MIN_LOW_ENERGY_SHARE  # plucked notes have speech-like dips
    assert pluck_steadiness is not None
    assert pluck_steadiness > audio_module.MAX_PITCH_STEADINESS + 0.15  # but a steady pitch

"""The offline Whisper model: assembled from its two packages, checked before it is loaded,
refused (never loaded) when one byte is off."""

from __future__ import annotations

import asyncio
import logging
import shutil
from pathlib import Path

import pytest

from services.speech import SpeechUnavailable, WhisperSpeechToText, decode_audio
from services.speech.whisper_model import (
    MODEL_FILE,
    MODEL_SHA256,
    MODEL_SIZE,
    SIDE_FILES,
    ModelRefused,
    check_model,
    prepare_model,
)
from tests.speech_fixtures import speech_ogg


@pytest.fixture(scope="module")
def assembled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("whisper") / "model"
    return prepare_model(folder)


@pytest.fixture
def copy(assembled: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "model"
    shutil.copytree(assembled, folder)
    return folder


def test_the_model_is_assembled_from_its_packages_and_matches(assembled: Path) -> None:
    assert sorted(path.name for path in assembled.iterdir()) == sorted((MODEL_FILE, *SIDE_FILES))
    check = check_model(assembled / MODEL_FILE)
    assert (check.size, check.sha256) == (MODEL_SIZE, MODEL_SHA256) and check.matches
    # Once there, it is not assembled again: the same file is checked and kept.
    before = (assembled / MODEL_FILE).stat().st_mtime_ns
    assert prepare_model(assembled) == assembled
    assert (assembled / MODEL_FILE).stat().st_mtime_ns == before


def test_one_corrupted_byte_is_refused_with_a_clear_log_line(
    copy: Path, caplog: pytest.LogCaptureFixture
) -> None:
    model = copy / MODEL_FILE
    with model.open("r+b") as file:
        file.seek(MODEL_SIZE // 2)
        byte = file.read(1)
        file.seek(MODEL_SIZE // 2)
        file.write(bytes([byte[0] ^ 0x01]))
    with caplog.at_level(logging.ERROR), pytest.raises(ModelRefused):
        prepare_model(copy)
    [line] = [record.getMessage() for record in caplog.records]
    assert "offline speech recognition is off" in line
    assert f"{MODEL_SIZE} bytes" in line and MODEL_SHA256 in line
    assert f"Delete {copy}" in line
    assert model.stat().st_size == MODEL_SIZE  # refused as it is: not rebuilt, not downloaded


def test_a_model_of_the_wrong_size_is_refused_without_reading_it(copy: Path) -> None:
    with (copy / MODEL_FILE).open("r+b") as file:
        file.truncate(MODEL_SIZE - 1)
    check = check_model(copy / MODEL_FILE)
    assert check.size == MODEL_SIZE - 1 and not check.matches
    assert "wrong size" in check.sha256
    with pytest.raises(ModelRefused):
        prepare_model(copy)


def test_a_missing_side_file_is_restored_from_the_packages(copy: Path) -> None:
    model = (copy / MODEL_FILE).stat()
    (copy / "tokenizer.json").unlink()
    prepare_model(copy)
    assert (copy / "tokenizer.json").stat().st_size > 0
    after = (copy / MODEL_FILE).stat()
    assert (after.st_ino, after.st_mtime_ns) == (model.st_ino, model.st_mtime_ns)  # left as is


async def test_the_engine_with_a_refused_model_starts_no_worker_and_says_so(
    copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with (copy / MODEL_FILE).open("r+b") as file:
        file.seek(1000)
        file.write(b"\x00")
    checks: list[Path] = []

    def counted(folder: Path) -> Path:
        checks.append(folder)
        return prepare_model(folder)

    monkeypatch.setattr("services.speech.whisper_engine.prepare_model", counted)
    engine = WhisperSpeechToText(copy)
    await engine.warm_up()  # logs the refusal; the bot starts anyway
    data = speech_ogg("An index is a tree.")
    audio = decode_audio(data, max_duration_s=60)
    for _ in range(2):  # refused once, remembered: not checked again for every answer
        with pytest.raises(SpeechUnavailable) as caught:
            await engine.transcribe(audio, data, "en")
        assert "offline speech recognition is off" in str(caught.value)
    assert engine._pool is None and checks == [copy]
    await engine.close()


def test_a_folder_that_cannot_be_written_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(ModelRefused) as caught:
        prepare_model(blocker / "whisper-base")
    assert "cannot be prepared" in str(caught.value)


async def test_a_stop_while_the_model_is_assembled_waits_for_it_and_starts_no_worker(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The bot stopped right after start, on a fresh machine: the assembly (a thread, which
    cannot be stopped) ends before `close` returns, so nothing is logged after "stopped", and
    no worker is started for a bot that has stopped."""
    folder = tmp_path / "whisper-base"
    engine = WhisperSpeechToText(folder)
    with caplog.at_level(logging.INFO, logger="services.speech"):
        warming = asyncio.create_task(engine.warm_up())
        await asyncio.sleep(0.05)  # the assembly has started
        warming.cancel()  # as the runner does at shutdown
        await engine.close()
        closed_at = len(caplog.records)
    assert any("assembled the offline Whisper model" in r.getMessage() for r in caplog.records)
    assert (folder / MODEL_FILE).stat().st_size == MODEL_SIZE
    assert engine._pool is None
    await asyncio.sleep(0.1)
    assert len(caplog.records) == closed_at  # nothing happened after close

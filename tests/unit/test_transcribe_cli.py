"""`python -m bot transcribe`: one recording heard from a shell, offline or through Groq."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.groq_server import DEFAULT_TEXT, FakeGroq
from tests.speech_fixtures import RUSSIAN_ANSWER, heard_as_russian, silence_ogg, speech_ogg

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ANSWER = "Um, so basically, I think the index is, you know, a tree. Well, it is sorted."
JSON_KEYS = {
    "text", "language", "engine", "duration_s", "speech_s", "words", "wpm", "fillers",
    "long_pauses",
}  # fmt: skip


def environment(**overrides: str) -> dict[str, str]:
    """A clean environment: no Groq or LLM keys unless given."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("GROQ_", "OPENAI_", "STT_", "VOICE_", "SPEECH_"))
    }
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    env.update(overrides)
    return env


async def run_cli(*arguments: str, cwd: Path, **env: str) -> tuple[int, str, str]:
    """The CLI in a subprocess, awaited (so a fake server in this loop keeps answering)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "transcribe", *arguments,
        cwd=cwd, env=environment(**env),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


async def test_offline_english_as_json(tmp_path: Path) -> None:
    voice = write(tmp_path, "voice.oga", speech_ogg(ANSWER))
    code, out, err = await run_cli(str(voice), "--json", cwd=tmp_path)
    assert code == 0, err
    result: dict[str, Any] = json.loads(out)
    assert set(result) == JSON_KEYS
    assert set(result["fillers"]) == {"total", "per_min", "top"}
    assert result["engine"] == "whisper" and result["language"] == "en"  # detected
    assert 4 < result["duration_s"] < 9
    assert 0 < result["speech_s"] <= result["duration_s"]
    assert result["words"] >= 10
    assert result["wpm"] == pytest.approx(result["words"] / result["speech_s"] * 60, abs=0.2)
    assert result["fillers"]["total"] >= 2
    assert result["fillers"]["top"][0][1] >= 1
    assert result["long_pauses"] == 0
    assert result["text"].lower().startswith("um, so basically")


async def test_offline_russian_when_told_the_language(tmp_path: Path) -> None:
    voice = write(
        tmp_path,
        "voice.ogg",
        speech_ogg(RUSSIAN_ANSWER, language="ru"),
    )
    code, out, err = await run_cli(str(voice), "--lang", "ru", "--json", cwd=tmp_path)
    assert code == 0, err
    result = json.loads(out)
    assert result["engine"] == "whisper" and result["language"] == "ru"
    assert heard_as_russian(result["text"]), result["text"]


async def test_groq_in_russian_with_a_summary(tmp_path: Path) -> None:
    voice = write(tmp_path, "voice.ogg", speech_ogg("Ну, индекс это дерево.", language="ru"))
    async with FakeGroq() as server:
        server.default_text = "Ну, короче, индекс — это, э-э, дерево, вот."
        code, out, err = await run_cli(
            str(voice), "--lang", "ru", "--json", cwd=tmp_path,
            GROQ_API_KEY="gsk_test", GROQ_BASE_URL=server.base_url,
        )  # fmt: skip
        assert code == 0, err
        result = json.loads(out)
        assert result["engine"] == "groq" and result["language"] == "ru"
        assert result["text"] == server.default_text
        assert result["fillers"]["total"] == 4
        assert [name for name, _ in result["fillers"]["top"]] == ["ну", "короче", "э-э"]
        [request] = server.requests
        assert request.filename == "answer.ogg" and request.language == "ru"

        code, out, err = await run_cli(
            str(voice), cwd=tmp_path, GROQ_API_KEY="gsk_test", GROQ_BASE_URL=server.base_url
        )
        assert code == 0, err
        lines = out.splitlines()
        assert lines[0] == server.default_text
        assert lines[1].startswith("groq · ") and " wpm (" in lines[1]
        assert lines[2].startswith("fillers: ")
        assert lines[-1].startswith("tip: ")
    assert DEFAULT_TEXT  # the fake's own default is English


async def test_errors_say_why_and_exit_non_zero(tmp_path: Path) -> None:
    code, out, err = await run_cli(str(tmp_path / "missing.ogg"), cwd=tmp_path)
    assert (code, out) == (2, "") and "no such file" in err

    russian = write(tmp_path, "ru.ogg", speech_ogg("Ну, индекс это дерево.", language="ru"))
    broken = tmp_path / "model"
    broken.mkdir()
    (broken / "model.bin").write_bytes(b"damaged")
    code, out, err = await run_cli(
        str(russian), "--lang", "ru", "--json", cwd=tmp_path, SPEECH_MODEL_DIR=str(broken)
    )
    assert (code, out) == (1, "") and "speech recognition failed" in err
    assert "does not match the packaged Whisper base model" in err

    silent = write(tmp_path, "silent.ogg", silence_ogg(3))
    code, out, err = await run_cli(str(silent), "--json", cwd=tmp_path)
    assert (code, out) == (1, "") and "silent" in err and "[silence]" in err

    document = write(tmp_path, "resume.ogg", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    code, out, err = await run_cli(str(document), cwd=tmp_path)
    assert (code, out) == (1, "") and "not audio" in err

    code, out, err = await run_cli(str(russian), "--lang", "de", cwd=tmp_path)
    assert code == 2 and "invalid choice" in err

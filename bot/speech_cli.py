"""`python -m bot transcribe FILE`: hear one recording as the bot would, from a shell.

Uses the configured engine (Groq when GROQ_API_KEY is set, with the offline Whisper as its
fallback; the offline Whisper otherwise, English and Russian on the CPU) in the language given
by `--lang`, or the one it detects, and prints the transcript with its speech metrics, or with `--json` exactly
`{"text", "language", "engine", "duration_s", "speech_s", "words", "wpm",
"fillers": {"total", "per_min", "top"}, "long_pauses"}`. A missing file exits 2; a recording
that is refused, or recognition that failed, exits 1 with the reason on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from bot.config import Settings
from services.languages import SUPPORTED_LANGUAGES

if TYPE_CHECKING:
    from services.speech import HeardAnswer

AUTO_LANGUAGE = "auto"
EXIT_PROBLEMS = 1
EXIT_USAGE = 2

REJECTION_REASONS: dict[str, str] = {
    "empty": "the file is empty",
    "corrupt": "the file is damaged and cannot be decoded",
    "not_audio": "the file is not audio (or a video without sound)",
    "too_short": "the recording is too short",
    "too_long": "the recording is too long",
    "silence": "the recording is silent",
    "no_speech": "no speech in the recording (music or noise?)",
}


def add_transcribe_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    transcribe = commands.add_parser(
        "transcribe",
        help="transcribe a recording and measure its delivery (Groq with GROQ_API_KEY, else "
        "offline Whisper base on the CPU; English and Russian)",
    )
    transcribe.add_argument("file", type=Path, help="any audio or video file with sound")
    transcribe.add_argument(
        "--lang",
        choices=(*SUPPORTED_LANGUAGES, AUTO_LANGUAGE),
        default=AUTO_LANGUAGE,
        help="the language spoken (default: detected)",
    )
    transcribe.add_argument("--json", action="store_true", help="print the result as JSON")


def run_transcribe(
    args: argparse.Namespace,
    settings: Settings,
    *,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
) -> int:
    from services.speech import AudioRejected, SpeechUnavailable

    path: Path = args.file
    if not path.is_file():
        print(f"no such file: {path}", file=err)
        return EXIT_USAGE
    data = path.read_bytes()
    try:
        language = None if args.lang == AUTO_LANGUAGE else args.lang
        heard = asyncio.run(_hear(data, language, settings))
    except AudioRejected as error:
        reason = REJECTION_REASONS.get(error.problem.value, error.problem.value)
        length = f" ({error.duration_s:.1f} s)" if error.duration_s is not None else ""
        limit = (
            f", the limit is {settings.voice_max_duration_seconds} s"
            if error.problem.value == "too_long"
            else ""
        )
        print(f"{path}: {reason}{length}{limit} [{error.problem.value}]", file=err)
        return EXIT_PROBLEMS
    except SpeechUnavailable as error:
        print(f"speech recognition failed: {error}", file=err)
        return EXIT_PROBLEMS
    if args.json:
        print(json.dumps(heard_json(heard), indent=2, ensure_ascii=False), file=out)
    else:
        print(summary(heard), file=out)
    return 0


async def _hear(data: bytes, language: str | None, settings: Settings) -> HeardAnswer:
    from services.speech import build_speech_to_text, hear_answer

    stt = build_speech_to_text(settings)
    try:
        return await hear_answer(
            data, language=language, stt=stt, max_duration_s=settings.voice_max_duration_seconds
        )
    finally:
        await stt.close()


def heard_json(heard: HeardAnswer) -> dict[str, Any]:
    transcript, metrics = heard.transcript, heard.metrics
    return {
        "text": transcript.text,
        "language": transcript.language,
        "engine": transcript.engine,
        "duration_s": metrics.duration_s,
        "speech_s": metrics.speech_s,
        "words": metrics.words,
        "wpm": metrics.wpm,
        "fillers": {
            "total": metrics.fillers_total,
            "per_min": metrics.fillers_per_min,
            "top": [[name, count] for name, count in metrics.top_fillers],
        },
        "long_pauses": metrics.long_pauses,
    }


def summary(heard: HeardAnswer) -> str:
    transcript, metrics = heard.transcript, heard.metrics
    top = ", ".join(f"{name} {count}" for name, count in metrics.top_fillers)
    lines = [
        transcript.text,
        f"{transcript.engine} · {metrics.duration_s:g} s, speaking {metrics.speech_s:g} s · "
        f"{metrics.words} words · {metrics.wpm:g} wpm ({metrics.pace.value})",
        f"fillers: {metrics.fillers_total} ({metrics.fillers_per_min:g}/min)"
        + (f": {top}" if top else ""),
        f"long pauses: {metrics.long_pauses}"
        + (f" (longest {metrics.longest_pause_s:g} s)" if metrics.long_pauses else ""),
        f"tip: {metrics.tip.value}",
    ]
    return "\n".join(lines)

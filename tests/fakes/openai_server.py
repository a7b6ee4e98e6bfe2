"""A fake OpenAI-compatible chat completions server for tests and local runs.

    server = FakeOpenAI()
    base_url = await server.start()          # "http://127.0.0.1:<port>/v1"
    server.script(ServerError(500), Reply({"scores": ...}))
    ...
    server.requests[0].system                 # what the client sent
    await server.stop()

Scripted behaviours are consumed one per request, in order. With an empty queue the server
answers like a deterministic judge: prompts are dispatched on a marker in the system prompt
(the answer evaluator's marker by default; `register_judge` adds more, e.g. for job-description
analysis or question writing), so end-to-end tests of the bot work without scripting.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import shutil
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from services.interview.evaluation.llm import EVALUATION_PROMPT_MARKER
from tests.fakes.local_server import serve

JsonObject = dict[str, Any]
Judge = Callable[["RecordedRequest"], JsonObject | str]


@dataclass(frozen=True)
class Reply:
    """Answer with this message content (a dict is serialised to JSON)."""

    content: JsonObject | str


@dataclass(frozen=True)
class InvalidJson:
    """Answer 200 with content that is not JSON, as a confused model would."""

    content: str = "Sure! Here is my evaluation: the answer is pretty good {not json"


@dataclass(frozen=True)
class ServerError:
    status: int = 500


@dataclass(frozen=True)
class RateLimited:
    retry_after: float = 0.0


@dataclass(frozen=True)
class Delay:
    """Sleep before answering (longer than the client's timeout to simulate a hang)."""

    seconds: float
    then: Reply | InvalidJson | None = None


Behaviour = Reply | InvalidJson | ServerError | RateLimited | Delay


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]
    body: JsonObject

    @property
    def messages(self) -> list[JsonObject]:
        return list(self.body.get("messages", []))

    def _content_of(self, role: str) -> str:
        return "\n".join(
            str(message.get("content", "")) for message in self.messages if message["role"] == role
        )

    @property
    def system(self) -> str:
        return self._content_of("system")

    @property
    def user(self) -> str:
        return self._content_of("user")


@dataclass
class FakeOpenAI:
    host: str = "127.0.0.1"
    model_name: str = "fake-judge"
    requests: list[RecordedRequest] = field(default_factory=list)
    _queue: deque[Behaviour] = field(default_factory=deque)
    _judges: dict[str, Judge] = field(default_factory=dict)
    _runner: web.AppRunner | None = None
    _ids: itertools.count[int] = field(default_factory=itertools.count)
    base_url: str = ""
    # Text-to-speech (/v1/audio/speech) has its own log and script, apart from chat requests.
    speech_requests: list[RecordedRequest] = field(default_factory=list)
    _speech_queue: deque[SpeechBehaviour] = field(default_factory=deque)

    def __post_init__(self) -> None:
        self._judges.setdefault(EVALUATION_PROMPT_MARKER, evaluation_judge)

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat_completions)
        app.router.add_post("/v1/audio/speech", self._speech)
        self._runner, port = await serve(app, self.host)
        self.base_url = f"http://{self.host}:{port}/v1"
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeOpenAI:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    def script(self, *behaviours: Behaviour) -> None:
        self._queue.extend(behaviours)

    def register_judge(self, marker: str, judge: Judge) -> None:
        """Default replies for prompts whose system message contains `marker`."""
        self._judges[marker] = judge

    @property
    def pending(self) -> int:
        return len(self._queue)

    async def _chat_completions(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return _error(400, "invalid_request_error", "Body is not JSON")
        recorded = RecordedRequest(request.path, dict(request.headers), body)
        self.requests.append(recorded)
        behaviour = self._queue.popleft() if self._queue else None
        if isinstance(behaviour, Delay):
            await asyncio.sleep(behaviour.seconds)
            behaviour = behaviour.then
        if isinstance(behaviour, ServerError):
            return _error(behaviour.status, "server_error", "The server had an error")
        if isinstance(behaviour, RateLimited):
            response = _error(429, "rate_limit_exceeded", "Rate limit reached")
            response.headers["retry-after"] = str(behaviour.retry_after)
            return response
        if isinstance(behaviour, Reply | InvalidJson):
            content = behaviour.content
        else:
            content = self._default_reply(recorded)
        if not isinstance(content, str):
            content = json.dumps(content, ensure_ascii=False)
        return web.json_response(self._completion(body, content))

    def _default_reply(self, recorded: RecordedRequest) -> JsonObject | str:
        system = recorded.system
        for marker, judge in self._judges.items():
            if marker in system:
                return judge(recorded)
        return {"text": "ok"}

    def _completion(self, body: JsonObject, content: str) -> JsonObject:
        prompt_tokens = sum(
            len(str(message.get("content", "")).split()) for message in body.get("messages", [])
        )
        completion_tokens = len(content.split())
        return {
            "id": f"chatcmpl-fake{next(self._ids)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", self.model_name),
            "system_fingerprint": "fp_fake",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": None},
                    "logprobs": None,
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }

    # --- text-to-speech ------------------------------------------------------------------

    def script_speech(self, *behaviours: SpeechBehaviour) -> None:
        """Behaviours for the next /v1/audio/speech requests, one per request, in order."""
        self._speech_queue.extend(behaviours)

    async def _speech(self, request: web.Request) -> web.StreamResponse:
        """OpenAI's text-to-speech: JSON ``{model, input, voice, response_format?}`` → audio.

        By default a real 1 s tone in the asked format (``opus`` is OGG/Opus, as OpenAI
        sends), generated once per format with ffmpeg.
        """
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return _error(400, "invalid_request_error", "Body is not JSON")
        recorded = RecordedRequest(request.path, dict(request.headers), body)
        self.speech_requests.append(recorded)
        for required in ("model", "input", "voice"):
            if not body.get(required):
                return _error(
                    400, "invalid_request_error", f"Missing required parameter: {required}"
                )
        if len(str(body["input"])) > 4096:
            return _error(400, "invalid_request_error", "input is longer than 4096 characters")
        response_format = str(body.get("response_format") or "mp3")
        if response_format not in SPEECH_FORMATS:
            return _error(
                400, "invalid_request_error", f"Invalid response_format {response_format}"
            )
        behaviour = self._speech_queue.popleft() if self._speech_queue else None
        if isinstance(behaviour, Delay):
            await asyncio.sleep(behaviour.seconds)
            behaviour = None
        if isinstance(behaviour, ServerError):
            return _error(behaviour.status, "server_error", "The server had an error")
        if isinstance(behaviour, RateLimited):
            response = _error(429, "rate_limit_exceeded", "Rate limit reached")
            response.headers["retry-after"] = str(behaviour.retry_after)
            return response
        if isinstance(behaviour, SpeechReply):
            return web.Response(body=behaviour.audio, content_type=behaviour.content_type)
        audio = await sample_speech(response_format)
        if audio is None:
            return _error(500, "server_error", "the fake needs ffmpeg to make audio")
        return web.Response(body=audio, content_type=SPEECH_FORMATS[response_format][1])


@dataclass(frozen=True)
class SpeechReply:
    """Answer a /v1/audio/speech request with these bytes."""

    audio: bytes
    content_type: str = "audio/ogg"


SpeechBehaviour = SpeechReply | ServerError | RateLimited | Delay

# response_format → (ffmpeg output options, Content-Type), as OpenAI answers them.
SPEECH_FORMATS: dict[str, tuple[list[str], str]] = {
    "opus": (["-c:a", "libopus", "-ar", "48000", "-f", "ogg"], "audio/ogg"),
    "mp3": (["-c:a", "libmp3lame", "-f", "mp3"], "audio/mpeg"),
    "aac": (["-c:a", "aac", "-f", "adts"], "audio/aac"),
    "flac": (["-c:a", "flac", "-f", "flac"], "audio/flac"),
    "wav": (["-c:a", "pcm_s16le", "-f", "wav"], "audio/wav"),
    "pcm": (["-c:a", "pcm_s16le", "-ar", "24000", "-f", "s16le"], "audio/pcm"),
}
_speech_samples: dict[str, bytes] = {}


async def sample_speech(response_format: str = "opus") -> bytes | None:
    """A 1 s 440 Hz mono tone in the format (cached); None without ffmpeg."""
    if response_format in _speech_samples:
        return _speech_samples[response_format]
    if shutil.which("ffmpeg") is None:
        return None
    options, _ = SPEECH_FORMATS[response_format]
    process = await asyncio.create_subprocess_exec(
        "ffmpeg",
        "-hide_banner",
        "-loglevel",
        "error",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:duration=1",
        "-ac",
        "1",
        *options,
        "pipe:1",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    audio, _ = await process.communicate()
    if process.returncode != 0 or not audio:
        return None
    _speech_samples[response_format] = audio
    return audio


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response(
        {"error": {"message": message, "type": code, "param": None, "code": code}}, status=status
    )


# --- the default evaluation judge -------------------------------------------------------------

ANSWER_FENCE_RE = re.compile(r"<<<ANSWER (\w+)>>>\n(.*)\n<<<END ANSWER \1>>>", re.DOTALL)
KEY_POINTS_RE = re.compile(r"Key points[^\n]*:\n((?:\d+\. [^\n]*\n?)+)")
KIND_RE = re.compile(r"Task kind: (\w+)")
LANGUAGE_RE = re.compile(r"Feedback language: \w+ \((\w+)\)")
WORD_RE = re.compile(r"[a-zа-яё0-9]{3,}")


def _words(text: str) -> set[str]:
    # Five-letter prefixes are a crude stemmer: enough for a deterministic fake.
    return {word[:5] for word in WORD_RE.findall(text.lower())}


def evaluation_judge(recorded: RecordedRequest) -> JsonObject:
    """Schema-valid scores from plain word overlap between the answer and each key point."""
    system = recorded.system
    fenced = ANSWER_FENCE_RE.search(recorded.user)
    answer = fenced.group(2) if fenced else recorded.user
    points_block = KEY_POINTS_RE.search(system)
    points = (
        [line.split(". ", 1)[1] for line in points_block.group(1).splitlines() if ". " in line]
        if points_block
        else []
    )
    kind_match = KIND_RE.search(system)
    language_match = LANGUAGE_RE.search(system)
    kind = kind_match.group(1) if kind_match else "technical"
    russian = bool(language_match) and language_match.group(1) == "ru"

    answer_words = _words(answer)
    covered = [
        number
        for number, point in enumerate(points, start=1)
        if (point_words := _words(point))
        and len(point_words & answer_words) >= max(1, len(point_words) // 2)
    ]
    share = len(covered) / len(points) if points else min(1.0, len(answer_words) / 40)
    length = min(1.0, len(answer.split()) / 60)
    base = round(10 * share, 1)
    scores = {
        "relevance": base,
        "examples": round(10 * length * (0.5 + share / 2), 1),
        "clarity": round(10 * length, 1),
        "accuracy": base,
        "job_alignment": base,
    }
    first_sentence = answer.strip().split(".")[0].strip()[:150]
    missing = [point for number, point in enumerate(points, start=1) if number not in covered]
    star = None
    if kind == "behavioral":
        star = {"situation": base, "task": base, "action": base, "result": base}
    return {
        "scores": scores,
        "strengths": ["Ответ по теме." if russian else "The answer is on topic."]
        if covered
        else [],
        "weaknesses": [
            ("Не раскрыто: " if russian else "Missing: ") + point for point in missing[:3]
        ],
        "covered_key_points": covered,
        "evidence_quotes": [first_sentence] if first_sentence else [],
        "star": star,
        "ideal_answer": "; ".join(points) or ("Эталонный ответ." if russian else "Model answer."),
        "follow_up": (
            ("Расскажите подробнее: " if russian else "Tell me more about: ") + missing[0]
            if missing
            else None
        ),
    }

"""A fake Groq speech-to-text API for tests and local runs, for the real `groq` SDK.

    server = FakeGroq()
    base_url = await server.start()          # "http://127.0.0.1:<port>" (the SDK adds /openai/v1)
    client = groq.AsyncGroq(api_key="test", base_url=base_url, max_retries=0)
    server.script(ServerError(500), Reply("Hello there."))
    ...
    server.requests[0].filename              # what the client sent
    await server.stop()

It validates like Groq: 400 for a file whose extension Groq does not take (`.oga` included),
a missing model or file, an unknown response format; 413 for a file over 25 MB. Scripted
behaviours are consumed one per valid request, in order. With an empty script it answers with
`default_text`, its words spread evenly over the upload's real duration (ffprobe), so
end-to-end tests get plausible timings without scripting.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import subprocess
import tempfile
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import BodyPartReader, web

from tests.fakes.local_server import serve

JsonObject = dict[str, Any]

ACCEPTED_EXTENSIONS = ("flac", "mp3", "mp4", "mpeg", "mpga", "m4a", "ogg", "opus", "wav", "webm")
MAX_FILE_BYTES = 25 * 1024 * 1024
TRANSCRIPTIONS_PATH = "/openai/v1/audio/transcriptions"
DEFAULT_TEXT = "Um, so I think an index is, like, a sorted structure that makes lookups fast."
LANGUAGE_NAMES = {"en": "English", "ru": "Russian"}


@dataclass(frozen=True)
class Reply:
    """Answer with this text; `words` as (word, start, end), else spread over the audio."""

    text: str
    words: tuple[tuple[str, float, float], ...] | None = None
    include_words: bool = True  # False: segments only, as without word granularity


@dataclass(frozen=True)
class ServerError:
    status: int = 500


@dataclass(frozen=True)
class RateLimited:
    retry_after: float = 0.0


@dataclass(frozen=True)
class BadRequest:
    message: str = "invalid request"


@dataclass(frozen=True)
class Hang:
    """Sleep longer than the client's timeout, then answer (nobody is listening by then)."""

    seconds: float = 5.0


@dataclass(frozen=True)
class NoSpeech:
    """What Whisper returns for music or noise: no text, segments sure there is no speech."""


Behaviour = Reply | ServerError | RateLimited | BadRequest | Hang | NoSpeech


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]
    filename: str | None
    size: int
    content: bytes
    model: str | None
    language: str | None
    prompt: str | None
    response_format: str | None
    timestamp_granularities: list[str]
    temperature: str | None


@dataclass
class FakeGroq:
    host: str = "127.0.0.1"
    default_text: str = DEFAULT_TEXT
    requests: list[RecordedRequest] = field(default_factory=list)
    _queue: deque[Behaviour] = field(default_factory=deque)
    _runner: web.AppRunner | None = None
    _ids: itertools.count[int] = field(default_factory=itertools.count)
    base_url: str = ""

    async def start(self) -> str:
        app = web.Application(client_max_size=MAX_FILE_BYTES + 8 * 1024 * 1024)
        app.router.add_post(TRANSCRIPTIONS_PATH, self._transcriptions)
        self._runner, port = await serve(app, self.host)
        self.base_url = f"http://{self.host}:{port}"
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeGroq:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    def script(self, *behaviours: Behaviour) -> None:
        self._queue.extend(behaviours)

    @property
    def pending(self) -> int:
        return len(self._queue)

    async def _transcriptions(self, request: web.Request) -> web.StreamResponse:
        if not request.content_type.startswith("multipart/"):
            return _error(400, "invalid_request_error", "request must be multipart/form-data")
        fields: dict[str, str] = {}
        granularities: list[str] = []
        filename: str | None = None
        content = b""
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader) or part.name is None:
                continue
            if part.name == "file":
                filename = part.filename
                content = await part.read(decode=False)
            elif part.name in ("timestamp_granularities[]", "timestamp_granularities"):
                granularities.append(await part.text())
            else:
                fields[part.name] = await part.text()
        recorded = RecordedRequest(
            path=request.path,
            headers=dict(request.headers),
            filename=filename,
            size=len(content),
            content=content,
            model=fields.get("model"),
            language=fields.get("language"),
            prompt=fields.get("prompt"),
            response_format=fields.get("response_format"),
            timestamp_granularities=granularities,
            temperature=fields.get("temperature"),
        )
        self.requests.append(recorded)
        problem = _validate(recorded)
        if problem is not None:
            return problem
        behaviour = self._queue.popleft() if self._queue else None
        if isinstance(behaviour, Hang):
            await asyncio.sleep(behaviour.seconds)
            behaviour = None
        if isinstance(behaviour, ServerError):
            return _error(behaviour.status, "server_error", "Internal Server Error")
        if isinstance(behaviour, RateLimited):
            response = _error(
                429, "rate_limit_exceeded", "Rate limit reached for model: audio seconds per hour"
            )
            response.headers["retry-after"] = str(behaviour.retry_after)
            return response
        if isinstance(behaviour, BadRequest):
            return _error(400, "invalid_request_error", behaviour.message)
        duration = await asyncio.to_thread(audio_duration, content, filename or "")
        if isinstance(behaviour, NoSpeech):
            return self._reply(recorded, "", [], duration, no_speech_prob=0.9)
        if isinstance(behaviour, Reply):
            text = behaviour.text
            words = (
                list(behaviour.words)
                if behaviour.words is not None
                else spread_words(text, duration)
            )
            return self._reply(
                recorded, text, words, duration, include_words=behaviour.include_words
            )
        text = self.default_text
        return self._reply(recorded, text, spread_words(text, duration), duration)

    def _reply(
        self,
        recorded: RecordedRequest,
        text: str,
        words: list[tuple[str, float, float]],
        duration: float,
        *,
        no_speech_prob: float = 0.01,
        include_words: bool = True,
    ) -> web.StreamResponse:
        request_id = f"req_fake{next(self._ids)}"
        if recorded.response_format == "text":
            return web.Response(text=text)
        if recorded.response_format in (None, "json"):
            return web.json_response({"text": text, "x_groq": {"id": request_id}})
        body: JsonObject = {
            "task": "transcribe",
            "language": LANGUAGE_NAMES.get(recorded.language or "", "English"),
            "duration": round(duration, 2),
            "text": text,
            "segments": [
                {
                    "id": 0,
                    "seek": 0,
                    "start": 0.0,
                    "end": round(duration, 2),
                    "text": text,
                    "tokens": [],
                    "temperature": 0.0,
                    "avg_logprob": -0.25 if text else -1.2,
                    "compression_ratio": 1.2,
                    "no_speech_prob": no_speech_prob,
                }
            ],
            "x_groq": {"id": request_id},
        }
        if include_words and "word" in recorded.timestamp_granularities:
            body["words"] = [
                {"word": word, "start": start, "end": end} for word, start, end in words
            ]
        return web.Response(
            text=json.dumps(body, ensure_ascii=False), content_type="application/json"
        )


def _validate(recorded: RecordedRequest) -> web.Response | None:
    if not recorded.model:
        return _error(400, "invalid_request_error", "model is required")
    if recorded.filename is None:
        return _error(400, "invalid_request_error", "file or url must be provided")
    extension = recorded.filename.rsplit(".", 1)[-1].lower() if "." in recorded.filename else ""
    if extension not in ACCEPTED_EXTENSIONS:
        return _error(
            400,
            "invalid_request_error",
            f"file must be one of the following types: [{' '.join(ACCEPTED_EXTENSIONS)}]",
        )
    if recorded.size > MAX_FILE_BYTES:
        return _error(413, "request_too_large", "Request Entity Too Large")
    if recorded.response_format not in (None, "json", "text", "verbose_json"):
        return _error(400, "invalid_request_error", "response_format is invalid")
    if recorded.timestamp_granularities and recorded.response_format != "verbose_json":
        return _error(
            400,
            "invalid_request_error",
            "timestamp_granularities requires response_format verbose_json",
        )
    return None


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response(
        {"error": {"message": message, "type": "invalid_request_error", "code": code}},
        status=status,
    )


def audio_duration(content: bytes, filename: str) -> float:
    """The upload's real duration (ffprobe), 0.0 when it cannot tell."""
    suffix = Path(filename).suffix or ".bin"
    with tempfile.NamedTemporaryFile(suffix=suffix) as file:
        file.write(content)
        file.flush()
        completed = subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
             file.name],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )  # fmt: skip
    try:
        return max(0.0, float(completed.stdout.strip()))
    except ValueError:
        return 0.0


WORD_RE = re.compile(r"[\w'’-]+")


def spread_words(text: str, duration: float) -> list[tuple[str, float, float]]:
    """Whisper-style words (no punctuation) spread evenly over `duration` seconds."""
    words = WORD_RE.findall(text)
    if not words:
        return []
    step = max(duration, 0.1) / len(words)
    return [
        (word, round(index * step, 3), round((index + 0.9) * step, 3))
        for index, word in enumerate(words)
    ]

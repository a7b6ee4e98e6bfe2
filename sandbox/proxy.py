"""A tiny round-robin HTTP proxy: what nginx does in front of the bot's replicas in
`docker-compose.yml`, small enough for a test to run without Docker.

Each request goes to the next upstream in turn; one that refuses the connection is skipped for
the next (as nginx's `proxy_next_upstream error`). What each upstream answered is counted by
path, so a test sees that every replica took part.

`python -m sandbox.proxy --port 8000 http://127.0.0.1:8081 http://127.0.0.1:8082`
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
from collections import Counter
from collections.abc import Sequence

import aiohttp
from aiohttp import web

# Headers that belong to one connection, not to the request passed on (RFC 9110, 7.6.1).
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)


class RoundRobinProxy:
    def __init__(self, upstreams: Sequence[str], timeout_seconds: float = 60.0) -> None:
        if not upstreams:
            raise ValueError("the proxy needs at least one upstream")
        self.upstreams = [upstream.rstrip("/") for upstream in upstreams]
        self.timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        # Answers each upstream gave, by path (a refused connection is not counted).
        self.answered: dict[str, Counter[str]] = {
            upstream: Counter() for upstream in self.upstreams
        }
        self._turns = itertools.cycle(range(len(self.upstreams)))
        self._http: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self.url: str | None = None

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._http = aiohttp.ClientSession(timeout=self.timeout, auto_decompress=False)
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{path:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        self.url = f"http://{host}:{sockets[0].getsockname()[1] if sockets else port}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        assert self._http is not None
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        first = next(self._turns)
        for offset in range(len(self.upstreams)):
            upstream = self.upstreams[(first + offset) % len(self.upstreams)]
            try:
                async with self._http.request(
                    request.method,
                    upstream + request.rel_url.raw_path_qs,
                    data=body,
                    headers=headers,
                    allow_redirects=False,
                ) as response:
                    answer = await response.read()
                    self.answered[upstream][request.path] += 1
                    passed = {
                        k: v for k, v in response.headers.items() if k.lower() not in HOP_BY_HOP
                    }
                    return web.Response(status=response.status, body=answer, headers=passed)
            except aiohttp.ClientConnectorError:
                continue  # not listening (starting or stopped): the next one takes it
            except (aiohttp.ClientError, TimeoutError) as error:
                return web.Response(status=502, text=f"upstream {upstream}: {error!r}\n")
        return web.Response(status=502, text="no upstream is listening\n")


async def _serve(host: str, port: int, upstreams: Sequence[str]) -> None:
    proxy = RoundRobinProxy(upstreams)
    url = await proxy.start(host, port)
    print(f"round-robin proxy at {url} in front of {', '.join(proxy.upstreams)}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await proxy.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox.proxy")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("upstreams", nargs="+", help="base URLs, e.g. http://127.0.0.1:8081")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.host, args.port, args.upstreams))


if __name__ == "__main__":
    main()

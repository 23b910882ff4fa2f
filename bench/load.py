"""The benchmarks' load generator: aiohttp, answering as httpx does (``status_code``,
``headers``, ``text``), with redirects not followed and no cookies of its own.

The generator shares the machine's two cores with the server, so its own cost per request
is taken from the server's. On ``/time/`` (32 in flight, one uvicorn with 2 workers,
02/12/2026) httpx spent 4 to 5 ms of CPU a request, more than the whole server side
(1 to 3 ms): it served 206 to 262 req/s with a p99 of 0.6 to 1.1 s, where aiohttp (its HTTP
parser is C) spends about 0.2 ms and measured 1,343 to 1,670 req/s with a p99 of 44 to
60 ms, and ``wrk`` 1,784 to 2,187 req/s with a p99 of 48 to 89 ms. With httpx the figures
of the hot path measured the generator.
"""

import json as jsonlib
from dataclasses import dataclass


class TransportError(Exception):
    """No answer: the connection could not be made, broke, or timed out."""


@dataclass(frozen=True)
class Reply:
    status_code: int
    headers: object  # case-insensitive, as aiohttp gives them
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self):
        return jsonlib.loads(self.content)


class Client:
    """``async with Client(base, connections) as client: await client.request(...)``."""

    def __init__(self, base: str, connections: int, timeout: float = 30):
        self.base, self.connections, self.timeout = base, connections, timeout
        self.session = None

    async def __aenter__(self) -> "Client":
        import aiohttp

        # Every request carries its own resident's cookies: a Set-Cookie for one must never
        # reach the next, so the session keeps none.
        self.session = aiohttp.ClientSession(
            self.base,
            connector=aiohttp.TCPConnector(limit=self.connections),
            cookie_jar=aiohttp.DummyCookieJar(),
            timeout=aiohttp.ClientTimeout(total=self.timeout),
        )
        return self

    async def __aexit__(self, *exc) -> None:
        await self.session.close()

    async def request(self, method: str, url: str, **options) -> Reply:
        import aiohttp

        try:
            async with self.session.request(method, url, allow_redirects=False, **options) as r:
                return Reply(r.status, r.headers, await r.read())
        except (TimeoutError, aiohttp.ClientError) as error:
            raise TransportError(f"{type(error).__name__}: {error}") from error

    async def get(self, url: str, **options) -> Reply:
        return await self.request("GET", url, **options)

    async def post(self, url: str, **options) -> Reply:
        return await self.request("POST", url, **options)

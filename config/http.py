"""Plain HTTP under ASGI served as under WSGI: the whole request in one thread, handed over once.

Every view and middleware of the site is synchronous. Django's own ASGI handler adapts them
with several hand-overs between the event loop and a thread per request (the request-started
signal, the middleware chain, back to the loop for the inner handler, the view, the close),
in a thread it creates and joins for every request: about three times the CPU of the
request itself on ``/time/``, and more wake-ups of the loop under load.

Here the event loop reads the body, one thread of a fixed pool runs what WSGI would run
(request started, the middleware chain and the view, the response closed: request finished,
so the database connection goes back to its pool in the thread that took it), and the loop
sends the answer. A streaming response is read into memory in that thread first, as Django's
handler does for the synchronous iterators that are all this site streams (``FileResponse``).
Websockets are unchanged (channels).
"""

import asyncio
import contextvars
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers import base
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.urls import set_script_prefix


class PlainHTTPHandler(ASGIHandler):
    """Django's ASGI handler with the middleware chain loaded synchronously (as for WSGI)."""

    def __init__(self):
        base.BaseHandler.__init__(self)
        self.load_middleware(is_async=False)
        # Threads of a process that serve requests at once; each holds a database connection
        # only while it serves one (keep it at most the pool's size: none then waits for one).
        self.executor = ThreadPoolExecutor(
            max_workers=getattr(settings, "HTTP_THREADS", 15), thread_name_prefix="http"
        )

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        loop = asyncio.get_running_loop()
        context = contextvars.copy_context()
        try:
            response, chunks = await loop.run_in_executor(
                self.executor, context.run, self._serve, scope, body_file
            )
        finally:
            body_file.close()
        if response.streaming and chunks is None:
            # An asynchronous iterator (nothing here streams one): Django's way, then close.
            await self.send_response(response, send)
            await loop.run_in_executor(self.executor, context.run, response.close)
            return
        await self._send(response, chunks, send)

    def _serve(self, scope, body_file):
        """In a thread of the pool: what a WSGI server runs for one request.

        Returns the (closed) response and, for a streaming one, its content read into a list.
        """
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, response = self.create_request(scope, body_file)
        if request is not None:
            response = self.get_response(request)
            response._handler_class = self.__class__
        chunks = None
        if response.streaming:
            if response.is_async:
                return response, None
            chunks = list(response.streaming_content)
        response.close()
        return response, chunks

    async def _send(self, response, chunks, send) -> None:
        headers = [
            (
                header.encode("ascii") if isinstance(header, str) else bytes(header),
                value.encode("latin1") if isinstance(value, str) else bytes(value),
            )
            for header, value in response.items()
        ]
        headers += [
            (b"Set-Cookie", cookie.output(header="").encode("ascii").strip())
            for cookie in response.cookies.values()
        ]
        await send(
            {"type": "http.response.start", "status": response.status_code, "headers": headers}
        )
        if chunks is None:
            for chunk, last in self.chunk_bytes(response.content):
                await send({"type": "http.response.body", "body": chunk, "more_body": not last})
            return
        for part in chunks:
            for chunk, _last in self.chunk_bytes(part):
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body"})

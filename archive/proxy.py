"""`xxgk serve --workers N`: N Datasette processes behind one address.

One Datasette process runs its Python (templates, JSON, the plugin) on one core; a served
archive that many people read at once needs several. The workers listen on loopback ports; a
small reverse proxy on the public address hands each request to the next worker in turn,
streaming the answer back (a header `x-xxgk-worker` names the worker's port). The Host header
goes through, so that the URLs Datasette writes (`next_url`, links) name this address, not a
worker's. Workers that die are not restarted: the proxy answers 502 for them.

Why not nginx: it is not a Python package and not on every machine; this proxy is uvicorn and
httpx, which Datasette already installs, and is enough for one machine. Across machines (each
with its own copy of a published snapshot) put any reverse proxy in front of `xxgk serve` on
each (docs/serving.md has the recipe).
"""
from __future__ import annotations

import itertools
from typing import Any

import httpx

# not forwarded: about one connection, not the message (RFC 9110 7.6.1), and the length (httpx
# and uvicorn set it for the body they send)
HOP_BY_HOP = {b"connection", b"keep-alive", b"proxy-authenticate", b"proxy-authorization", b"te", b"trailer",
              b"transfer-encoding", b"upgrade", b"content-length"}


class RoundRobin:
    """An ASGI app forwarding every HTTP request to the next of `backends` (base URLs)."""

    def __init__(self, backends: list[str]) -> None:
        self.backends = backends
        self._next = itertools.cycle(range(len(backends)))
        self.client = httpx.AsyncClient(timeout=httpx.Timeout(None, connect=10), follow_redirects=False)

    async def __call__(self, scope: dict[str, Any], receive, send) -> None:
        if scope["type"] == "lifespan":
            while (message := await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await self.client.aclose()
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] != "http":
            return
        body = b""
        while True:  # (requests to Datasette are GETs and small form posts)
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        backend = self.backends[next(self._next)]
        url = backend + scope.get("raw_path", scope["path"].encode()).decode("latin-1")
        if scope.get("query_string"):
            url += "?" + scope["query_string"].decode("latin-1")
        headers = [(k, v) for k, v in scope["headers"] if k.lower() not in HOP_BY_HOP]
        try:
            request = self.client.build_request(scope["method"], url, headers=headers, content=body)
            response = await self.client.send(request, stream=True)
        except httpx.HTTPError as exc:
            await _answer(send, 502, f"worker {backend} did not answer: {exc}".encode())
            return
        try:
            out = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.multi_items()
                   if k.lower().encode() not in HOP_BY_HOP]
            await send({"type": "http.response.start", "status": response.status_code,
                        "headers": out + [(b"x-xxgk-worker", backend.rsplit(":", 1)[-1].encode())]})
            async for chunk in response.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            await response.aclose()


async def _answer(send, status: int, text: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
    await send({"type": "http.response.body", "body": text})

"""The HTTP layer shared by every mock portal: one ThreadingHTTPServer per portal (robots.txt and
paths are per host), a request log, and honest validators (ETag/Last-Modified → 304)."""
from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import parse_qsl, urlsplit

HTML = "text/html; charset=utf-8"


@dataclass(frozen=True)
class Request:
    method: str
    path: str                     # path only, percent-encoded as received
    query: dict[str, str]
    headers: dict[str, str]       # lower-case names
    body: bytes = b""

    @property
    def cookies(self) -> dict[str, str]:
        jar = SimpleCookie()
        try:
            jar.load(self.headers.get("cookie", ""))
        except Exception:  # a malformed Cookie header is the client's problem, not a crash
            return {}
        return {k: m.value for k, m in jar.items()}

    @property
    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True))


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = HTML
    headers: list[tuple[str, str]] = field(default_factory=list)
    modified: datetime | None = None   # set on real content: enables ETag/Last-Modified/304
    short_by: int = 0                  # announce this many bytes more than are sent, then close


@dataclass(frozen=True)
class LoggedRequest:
    portal: str
    method: str
    path: str                     # path + "?" + query, as received
    headers: dict[str, str]
    status: int
    at: float = 0.0               # when its headers had arrived (time.monotonic(), the server's clock)


def not_found(message: str = "404 Not Found") -> Response:
    return Response(404, f"<html><body><h1>{message}</h1></body></html>".encode())


def _etag(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=10).hexdigest() + '"'


def _not_modified(req: Request, etag: str, modified: datetime) -> bool:
    inm = req.headers.get("if-none-match")
    if inm is not None:
        return etag in [t.strip() for t in inm.split(",")] or inm.strip() == "*"
    ims = req.headers.get("if-modified-since")
    if ims:
        try:
            return modified.replace(microsecond=0) <= parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
    return False


def finish(req: Request, resp: Response) -> tuple[int, list[tuple[str, str]], bytes]:
    """Status, headers and body to send, applying conditional GET to real content."""
    headers = [("Content-Type", resp.content_type), *resp.headers]
    if resp.status == 200 and resp.modified is not None:
        etag = _etag(resp.body)
        modified = resp.modified.astimezone(timezone.utc)
        headers += [("ETag", etag), ("Last-Modified", format_datetime(modified, usegmt=True))]
        if _not_modified(req, etag, modified):
            return 304, [h for h in headers if h[0] != "Content-Type"], b""
    return resp.status, headers, resp.body


def make_handler(portal: str, route: Callable[[Request], Response],
                 log: list[LoggedRequest]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: crawlers reuse connections
        disable_nagle_algorithm = True  # headers and body go out in separate writes
        server_version = "MockPortal/1.0"

        def log_message(self, *args: object) -> None:  # the request log replaces stderr noise
            pass

        def _serve(self, send_body: bool) -> None:
            arrived = time.monotonic()
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            req = Request(
                self.command, parts.path, dict(parse_qsl(parts.query, keep_blank_values=True)),
                {k.lower(): v for k, v in self.headers.items()},
                self.rfile.read(length) if length else b"",
            )
            try:
                resp = route(req)
            except Exception as exc:  # a bug in a mock page must show up as a 500, not a hung client
                resp = Response(500, f"mock portal error: {exc!r}".encode(), "text/plain; charset=utf-8")
            status, headers, body = finish(req, resp)
            log.append(LoggedRequest(portal, self.command, self.path, req.headers, status, arrived))
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            if status != 304:
                self.send_header("Content-Length", str(len(body) + resp.short_by))
            if resp.short_by:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if send_body:
                self.wfile.write(body)

        def do_GET(self) -> None:
            self._serve(True)

        def do_POST(self) -> None:
            self._serve(True)

        def do_HEAD(self) -> None:
            self._serve(False)

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # crawler benches open many connections at once


class PortalServer:
    """One portal on 127.0.0.1:port (0 = any free port), served from a daemon thread."""

    def __init__(self, portal: str, log: list[LoggedRequest], port: int = 0):
        self.portal = portal
        self._route: Callable[[Request], Response] = lambda req: not_found()
        self.httpd = _Server(("127.0.0.1", port), make_handler(portal, self._dispatch, log))
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread: threading.Thread | None = None

    def _dispatch(self, req: Request) -> Response:
        return self._route(req)

    def start(self, route: Callable[[Request], Response]) -> None:
        self._route = route
        self._thread = threading.Thread(target=self.httpd.serve_forever, name=f"mock-{self.portal}",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:  # shutdown() waits for serve_forever, which must be running
            self.httpd.shutdown()
            self._thread = None
        self.httpd.server_close()

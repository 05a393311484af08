"""A small HTTP proxy on loopback in front of the moto server that injects AWS faults.

Requests pass through unchanged unless a rule answers them instead, so botocore sees real AWS error
responses (throttling, access denied, report in progress) and goes through its real retry path.
"""

from __future__ import annotations

import http.client
import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def params(self) -> dict[str, str]:
        return {k: v[0] for k, v in urllib.parse.parse_qs(self.body.decode("utf-8", "replace")).items()}

    @property
    def action(self) -> str:
        target = self.headers.get("x-amz-target", "")
        return target.rsplit(".", 1)[-1] if target else self.params.get("Action", "")


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = "text/xml"


Rule = Callable[[Request], Reply | None]


def aws_error(code: str, message: str, status: int = 400) -> Reply:
    body = (
        f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
        "<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>"
    )
    return Reply(status, body.encode())


def fail_first(action: str, times: int, reply: Reply, when: Callable[[Request], bool] | None = None) -> Rule:
    """Answer the first ``times`` requests of ``action`` (matching ``when``) with ``reply``."""
    state = {"left": times}
    lock = threading.Lock()

    def rule(req: Request) -> Reply | None:
        if req.action != action or (when and not when(req)):
            return None
        with lock:
            if state["left"] <= 0:
                return None
            state["left"] -= 1
        return reply

    return rule


@dataclass
class FaultProxy:
    upstream: str
    rules: list[Rule] = field(default_factory=list)
    seen: list[Request] = field(default_factory=list)
    answered: list[tuple[str, int]] = field(default_factory=list)
    max_in_flight: int = 0
    _in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FaultProxy:
        proxy = self
        up = urllib.parse.urlsplit(self.upstream)

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                self._handle()

            def do_POST(self) -> None:
                self._handle()

            def do_PUT(self) -> None:
                self._handle()

            def do_DELETE(self) -> None:
                self._handle()

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                req = Request(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                with proxy._lock:
                    proxy.seen.append(req)
                    proxy._in_flight += 1
                    proxy.max_in_flight = max(proxy.max_in_flight, proxy._in_flight)
                try:
                    for rule in proxy.rules:
                        reply = rule(req)
                        if reply is not None:
                            with proxy._lock:
                                proxy.answered.append((req.action, reply.status))
                            self._send(reply.status, reply.body, {"Content-Type": reply.content_type})
                            return
                    conn = http.client.HTTPConnection(up.hostname, up.port, timeout=60)
                    headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                    conn.request(self.command, self.path, body=body, headers=headers)
                    resp = conn.getresponse()
                    data = resp.read()
                    out = {k: v for k, v in resp.getheaders()
                           if k.lower() not in ("content-length", "connection", "transfer-encoding")}
                    conn.close()
                    self._send(resp.status, data, out)
                finally:
                    with proxy._lock:
                        proxy._in_flight -= 1

            def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def count(self, action: str) -> int:
        return sum(1 for r in self.seen if r.action == action)

"""Start and stop the moto AWS emulator on loopback."""

from __future__ import annotations

import logging
import os
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from mfaguard.errors import MissingExtraError

__all__ = ["FAKE_CREDENTIALS", "Emulator", "running_emulator", "start_emulator"]

# The emulator accepts any keys; these never leave loopback.
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "AKIAMFAGUARDSANDBOX1",
    "AWS_SECRET_ACCESS_KEY": "sandbox-secret-not-a-real-key",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@dataclass
class Emulator:
    url: str
    server: Any

    def stop(self) -> None:
        self.server.stop()

    def reset(self) -> None:
        """Forget every account, user and policy (moto's reset API)."""
        req = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST", data=b"")
        urllib.request.urlopen(req, timeout=10).read()

    def client_kwargs(self) -> dict[str, str]:
        return {
            "endpoint_url": self.url,
            "region_name": FAKE_CREDENTIALS["AWS_DEFAULT_REGION"],
            "aws_access_key_id": FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            "aws_secret_access_key": FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        }


def start_emulator(wrap: Callable[[Any], Any] | None = None) -> Emulator:
    """Start moto's threaded server on 127.0.0.1 with a free port.

    ``wrap`` takes moto's WSGI app and returns the app to serve (a middleware, e.g. one that checks
    TOTP codes, which moto itself does not).
    """
    try:
        from moto.server import DomainDispatcherApplication, ThreadedMotoServer, create_backend_app
        from werkzeug.serving import make_server
    except ImportError:
        raise MissingExtraError("sandbox", "moto") from None
    # MOTO_ACCOUNT_ID would pin every request to one account and break assume-role isolation.
    os.environ.pop("MOTO_ACCOUNT_ID", None)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    class _Server(ThreadedMotoServer):  # type: ignore[misc]
        def _server_entry(self) -> None:
            from moto.server import MotoRequestHandler

            app: Any = DomainDispatcherApplication(create_backend_app)
            if wrap is not None:
                app = wrap(app)
            self._server = make_server(
                self._ip_address, self._port, app, True, request_handler=MotoRequestHandler
            )
            self._server_ready_event.set()
            self._server.serve_forever()

    server = _Server(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return Emulator(url=f"http://{host}:{port}", server=server)


@contextmanager
def running_emulator() -> Iterator[Emulator]:
    emulator = start_emulator()
    try:
        yield emulator
    finally:
        emulator.stop()

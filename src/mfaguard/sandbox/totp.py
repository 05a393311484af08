"""WSGI middleware that makes the moto emulator check TOTP codes, which moto itself never does.

STS GetSessionToken and AssumeRole requests that carry ``SerialNumber``/``TokenCode`` are checked with
pyotp against the virtual MFA device's seed held by moto's IAM backend (same process), and refused the
way AWS refuses them (403 AccessDenied) when the device is unknown, not enabled or the code is wrong.

    emulator = start_emulator(wrap=TotpCheck)
"""

from __future__ import annotations

import io
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

__all__ = ["TotpCheck"]

_CHECKED_ACTIONS = ("GetSessionToken", "AssumeRole")
_ERROR = (
    '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
    "<Error><Type>Sender</Type><Code>AccessDenied</Code><Message>{message}</Message></Error>"
    "<RequestId>{request_id}</RequestId></ErrorResponse>"
)


def _device_seed(serial: str) -> str | None:
    """The seed of an enabled virtual MFA device, looked up in moto's in-process IAM backend."""
    from moto.iam.models import iam_backends

    parts = serial.split(":")
    if len(parts) < 6 or parts[2] != "iam":
        return None
    account, partition = parts[4], parts[1]
    try:
        backend = iam_backends[account][partition]
    except KeyError:
        return None
    device = backend.virtual_mfa_devices.get(serial)
    if device is None or device.user is None:
        return None
    return str(device.base32_string_seed)


class TotpCheck:
    """Wraps moto's WSGI app. ``reject_reuse`` refuses a code already used for a device, as AWS does."""

    def __init__(self, app: Callable[..., Iterable[bytes]], reject_reuse: bool = False, valid_window: int = 1):
        self.app = app
        self.reject_reuse = reject_reuse
        self.valid_window = valid_window
        self.checked = 0
        self.rejected = 0
        self._used: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self._used.clear()
            self.checked = self.rejected = 0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST":
            return self.app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        # moto reads the body again: hand it a fresh stream of the same bytes.
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        params = parse_qs(body.decode("utf-8", "replace")) if body else {}
        action = params.get("Action", [""])[0]
        serial = params.get("SerialNumber", [""])[0]
        if action in _CHECKED_ACTIONS and serial:
            problem = self._check(serial, params.get("TokenCode", [""])[0])
            if problem:
                return self._deny(problem, start_response)
        return self.app(environ, start_response)

    def _check(self, serial: str, code: str) -> str | None:
        import pyotp

        with self._lock:
            self.checked += 1
        seed = _device_seed(serial)
        if seed is None:
            return "MultiFactorAuthentication failed, unable to validate MFA code."
        if not code.isdigit() or not pyotp.TOTP(seed).verify(code, valid_window=self.valid_window):
            return "MultiFactorAuthentication failed with invalid MFA one time pass code."
        if self.reject_reuse:
            now = time.time()
            with self._lock:
                self._used = {k: t for k, t in self._used.items() if now - t < 120}
                if (serial, code) in self._used:
                    return "MultiFactorAuthentication failed, the MFA code was already used."
                self._used[(serial, code)] = now
        return None

    def _deny(self, message: str, start_response: Callable[..., Any]) -> Iterable[bytes]:
        with self._lock:
            self.rejected += 1
        payload = _ERROR.format(message=message, request_id=uuid.uuid4()).encode("utf-8")
        start_response("403 Forbidden", [("Content-Type", "text/xml"), ("Content-Length", str(len(payload)))])
        return [payload]

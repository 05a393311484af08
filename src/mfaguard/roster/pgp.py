"""PGP key references in the roster: ``keybase:<user>`` or a public key file next to the roster.

The iam-user module takes ``keybase:<user>`` or a base64-encoded binary public key; an ASCII-armored
file (``gpg --armor --export``) is de-armored here so people can commit what gpg gives them.
"""

from __future__ import annotations

import base64
import binascii
import re
from pathlib import Path

__all__ = ["PgpKeyError", "is_keybase", "resolve_pgp_key"]

KEYBASE = re.compile(r"^keybase:[A-Za-z0-9_]{2,16}$")
_MODULE_FORMAT = re.compile(r"^[A-Za-z0-9+/=]{64,}$")


class PgpKeyError(ValueError):
    """A reference that names no usable key; the message says why."""


def is_keybase(ref: str) -> bool:
    return ref.startswith("keybase:")


def resolve_pgp_key(ref: str, base_dir: Path) -> str:
    """What the iam-user module's ``pgp_key`` input takes for ``ref``."""
    if is_keybase(ref):
        if not KEYBASE.match(ref):
            raise PgpKeyError(f"'{ref}' is not keybase:<username> (2-16 letters, digits or _)")
        return ref
    path = Path(ref) if Path(ref).is_absolute() else base_dir / ref
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise PgpKeyError(f"PGP key file '{ref}' not found (looked at {path})") from None
    except OSError as exc:
        raise PgpKeyError(f"cannot read PGP key file '{ref}': {exc.strerror}") from None
    return _to_base64(data, ref)


def _to_base64(data: bytes, ref: str) -> str:
    text = data.decode("ascii", errors="replace")
    if "-----BEGIN PGP PRIVATE KEY BLOCK-----" in text:
        # Refuse loudly: a private key must never sit next to the roster.
        raise PgpKeyError(f"'{ref}' holds a PRIVATE key: commit only the public key (gpg --export)")
    if "-----BEGIN PGP PUBLIC KEY BLOCK-----" in text:
        body = _dearmor(text)
    elif data[:1] and data[0] & 0x80:
        body = base64.b64encode(data).decode()  # binary OpenPGP packets
    else:
        body = "".join(text.split())
    try:
        base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise PgpKeyError(f"'{ref}' is not a PGP public key (armored, binary or base64)") from None
    if not _MODULE_FORMAT.match(body):
        raise PgpKeyError(f"'{ref}' is too short to be a PGP public key")
    return body


def _dearmor(text: str) -> str:
    lines = text.strip().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("-----BEGIN PGP PUBLIC KEY BLOCK"))
    end = next((i for i, line in enumerate(lines) if line.startswith("-----END PGP")), len(lines))
    block = lines[start + 1 : end]
    # Armor headers (Comment:, Version:) end at the first blank line.
    if any(not line.strip() for line in block):
        block = block[next(i for i, line in enumerate(block) if not line.strip()) + 1 :]
    # The last line starting with '=' is the CRC24 checksum, not key material.
    return "".join(line.strip() for line in block if line.strip() and not line.startswith("="))

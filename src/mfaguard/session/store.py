"""Where secrets live: a small generic secret store with three implementations.

- ``KeyringStore``: the OS keyring (macOS Keychain, Secret Service, Windows Credential Manager, or any
  backend the keyring library is configured with).
- ``EncryptedFileStore``: the fallback when no keyring is usable. One file, mode 0600, AES-256-GCM with a
  key derived by scrypt from a passphrase (``MFAGUARD_FILE_PASSPHRASE`` or a prompt on the terminal).
- ``MemoryStore``: for tests and for callers that want no persistence.

Heavy modules (keyring, cryptography) are imported only when a store is used, so that resolving a
profile stays cheap.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

from mfaguard.session.errors import CacheLockedError

__all__ = [
    "SERVICE",
    "AutoStore",
    "EncryptedFileStore",
    "KeyringStore",
    "MemoryStore",
    "SecretStore",
    "default_file_path",
    "open_store",
]

SERVICE = "mfaguard"
_INDEX = "__index__"
# scrypt cost: 8 MiB and ~20 ms on an idle laptop core, paid once per process on every cached
# credential-process call (which sits in front of every AWS CLI call), so kept modest; the cost is stored
# in the file, so it can be raised later without breaking existing files.
_SCRYPT = {"n": 2**13, "r": 8, "p": 1}


class SecretStore(Protocol):
    def get(self, name: str) -> str | None: ...
    def set(self, name: str, value: str) -> None: ...
    def delete(self, name: str) -> None: ...
    def names(self) -> list[str]: ...


class MemoryStore:
    def __init__(self) -> None:
        self.items: dict[str, str] = {}

    def get(self, name: str) -> str | None:
        return self.items.get(name)

    def set(self, name: str, value: str) -> None:
        self.items[name] = value

    def delete(self, name: str) -> None:
        self.items.pop(name, None)

    def names(self) -> list[str]:
        return sorted(self.items)

    def __repr__(self) -> str:
        return f"MemoryStore({len(self.items)} items)"


class KeyringStore:
    """Secrets in the OS keyring under one service name; an index entry lists the names (keyring cannot)."""

    def __init__(self, service: str = SERVICE, backend: Any = None) -> None:
        self.service = service
        self._backend = backend

    @property
    def backend(self) -> Any:
        if self._backend is None:
            import keyring

            self._backend = keyring.get_keyring()
        return self._backend

    def get(self, name: str) -> str | None:
        value = self.backend.get_password(self.service, name)
        return value if isinstance(value, str) else None

    def set(self, name: str, value: str) -> None:
        self.backend.set_password(self.service, name, value)
        index = set(self.names())
        if name not in index:
            self.backend.set_password(self.service, _INDEX, json.dumps(sorted(index | {name})))

    def delete(self, name: str) -> None:
        from keyring.errors import PasswordDeleteError

        with contextlib.suppress(PasswordDeleteError):
            self.backend.delete_password(self.service, name)
        index = [n for n in self.names() if n != name]
        self.backend.set_password(self.service, _INDEX, json.dumps(index))

    def names(self) -> list[str]:
        raw = self.backend.get_password(self.service, _INDEX)
        try:
            return sorted(json.loads(raw)) if raw else []
        except ValueError:
            return []

    def __repr__(self) -> str:
        return f"KeyringStore({type(self.backend).__module__}.{type(self.backend).__name__})"


def default_file_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    if env.get("MFAGUARD_SESSION_FILE"):
        return Path(env["MFAGUARD_SESSION_FILE"]).expanduser()
    # platformdirs' user_data_dir on Linux, without importing it on the fast path.
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "mfaguard" / "sessions.enc"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class EncryptedFileStore:
    """A JSON map of secrets, encrypted as a whole with AES-256-GCM; the file is 0600 in a 0700 folder.

    ``passphrase`` is called only when the file has to be read or written.
    """

    def __init__(self, path: Path, passphrase: Callable[[], str]) -> None:
        self.path = path
        self._passphrase = passphrase
        self._items: dict[str, str] | None = None
        self._key: bytes | None = None
        self._salt: bytes | None = None
        self._kdf: dict[str, int] = dict(_SCRYPT)
        # (inode, size, mtime) of the file the items were read from or written to: another process
        # (parallel credential_process calls) replaces the file, and a stale copy would hide its sessions
        # and overwrite them on the next write.
        self._stamp: tuple[int, int, int] | None = None

    def exists(self) -> bool:
        return self.path.is_file()

    def _derive(self, salt: bytes, params: Mapping[str, int]) -> bytes:
        import hashlib

        secret = self._passphrase()
        if not secret:
            raise CacheLockedError(
                f"the encrypted session cache {self.path} needs a passphrase",
                hint="set MFAGUARD_FILE_PASSPHRASE, or run from a terminal to be asked for it",
            )
        return hashlib.scrypt(
            secret.encode("utf-8"), salt=salt, n=params["n"], r=params["r"], p=params["p"],
            maxmem=128 * 1024 * 1024, dklen=32,
        )

    def _file_stamp(self) -> tuple[int, int, int] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_size, st.st_mtime_ns)

    def _load(self) -> dict[str, str]:
        stamp = self._file_stamp()
        if self._items is not None and stamp == self._stamp:
            return self._items
        try:
            doc = json.loads(self.path.read_text(encoding="ascii"))
        except FileNotFoundError:
            self._items, self._stamp = {}, None
            return self._items
        except (OSError, ValueError):
            raise CacheLockedError(
                f"the session cache {self.path} is unreadable",
                hint=f"delete {self.path} to start over (TOTP seeds stored in it go with it)",
            ) from None
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        salt = base64.b64decode(doc["salt"])
        kdf = {k: int(doc.get("kdf", {}).get(k, v)) for k, v in _SCRYPT.items()}
        # Rewritten by another process with the same salt and costs: the key is the same, skip scrypt.
        same = self._key is not None and salt == self._salt and kdf == self._kdf
        key = self._key if same and self._key is not None else self._derive(salt, kdf)
        try:
            plain = AESGCM(key).decrypt(base64.b64decode(doc["nonce"]), base64.b64decode(doc["data"]), b"mfaguard")
        except InvalidTag:
            raise CacheLockedError(
                f"cannot decrypt the session cache {self.path}: wrong passphrase",
                hint=f"use the passphrase it was written with (MFAGUARD_FILE_PASSPHRASE), or delete {self.path} "
                "to start over (TOTP seeds stored in it go with it)",
            ) from None
        self._key, self._salt, self._kdf = key, salt, kdf
        self._items, self._stamp = json.loads(plain), stamp
        return self._items

    def _save(self, items: dict[str, str]) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        if self._key is None or self._salt is None:
            self._salt, self._kdf = secrets.token_bytes(16), dict(_SCRYPT)
            self._key = self._derive(self._salt, self._kdf)
        nonce = secrets.token_bytes(12)
        data = AESGCM(self._key).encrypt(nonce, json.dumps(items).encode("utf-8"), b"mfaguard")
        doc = {"version": 1, "kdf": {"name": "scrypt", **self._kdf}, "salt": _b64(self._salt),
               "nonce": _b64(nonce), "data": _b64(data)}
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = self.path.with_name(f".{self.path.name}.{secrets.token_hex(4)}.tmp")
        # Created 0600 from the first byte (no window where it is readable by others), then swapped in.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                json.dump(doc, fh)
                fh.flush()
                st = os.fstat(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        self._items, self._stamp = items, (st.st_ino, st.st_size, st.st_mtime_ns)

    def get(self, name: str) -> str | None:
        if not self.exists():
            return None
        return self._load().get(name)

    def set(self, name: str, value: str) -> None:
        items = dict(self._load())
        items[name] = value
        self._save(items)

    def delete(self, name: str) -> None:
        if not self.exists():
            return
        items = dict(self._load())
        if items.pop(name, None) is not None:
            self._save(items)

    def names(self) -> list[str]:
        return sorted(self._load()) if self.exists() else []

    def remove_file(self) -> bool:
        """Forget everything without decrypting (for a forgotten passphrase)."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        self._items, self._key, self._salt, self._stamp = None, None, None, None
        return True

    def __repr__(self) -> str:
        return f"EncryptedFileStore({self.path})"


def keyring_usable() -> Any | None:
    """The configured keyring backend if it keeps secrets off plain disk, else None.

    A backend chosen explicitly (PYTHON_KEYRING_BACKEND or keyringrc.cfg) is trusted as is; an
    auto-detected one must be a recommended backend (priority >= 1), which rules out the fail keyring
    and keyrings.alt's plaintext file.
    """
    try:
        import keyring
        import keyring.core
        from keyring.backends import chainer, fail
    except ImportError:
        return None
    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring):
        return None
    explicit = bool(os.environ.get("PYTHON_KEYRING_BACKEND"))
    with contextlib.suppress(Exception):
        explicit = explicit or keyring.core.load_config() is not None
    if explicit:
        return backend
    if isinstance(backend, chainer.ChainerBackend):
        chained = list(backend.backends)
        return backend if chained and chained[0].priority >= 1 else None
    return backend if backend.priority >= 1 else None


class AutoStore:
    """Keyring when one is usable, else the encrypted file.

    Reads look at the encrypted file first when it exists: it only exists where no keyring was usable, and
    probing the keyring costs ~0.2 s, which a cached credential-process must not pay.
    """

    def __init__(self, file: EncryptedFileStore, keyring_factory: Callable[[], Any | None] = keyring_usable):
        self.file = file
        self._keyring_factory = keyring_factory
        self._keyring: KeyringStore | None = None
        self._probed = False

    def keyring(self) -> KeyringStore | None:
        if not self._probed:
            backend = self._keyring_factory()
            self._keyring = KeyringStore(backend=backend) if backend is not None else None
            self._probed = True
        return self._keyring

    def _stores(self) -> Iterator[SecretStore]:
        if self.file.exists():
            yield self.file
        kr = self.keyring()
        if kr is not None:
            yield kr

    def get(self, name: str) -> str | None:
        for store in self._stores():
            value = store.get(name)
            if value is not None:
                return value
        return None

    def set(self, name: str, value: str) -> None:
        kr = self.keyring()
        if kr is None:
            self.file.set(name, value)
            return
        kr.set(name, value)
        # Reads look at the file first: an older copy left there (from a time without a keyring) would
        # shadow this one for good. An emptied file goes, so that reads stop asking for its passphrase.
        if self.file.exists() and self.file.get(name) is not None:
            self.file.delete(name)
            if not self.file.names():
                self.file.remove_file()

    def delete(self, name: str) -> None:
        for store in self._stores():
            store.delete(name)

    def names(self) -> list[str]:
        return sorted({n for store in self._stores() for n in store.names()})

    def __repr__(self) -> str:
        return f"AutoStore({self.keyring() or self.file!r})"


def _env_passphrase(env: Mapping[str, str], prompt: Callable[[str], str] | None) -> Callable[[], str]:
    cached: list[str] = []

    def get() -> str:
        if not cached:
            value = env.get("MFAGUARD_FILE_PASSPHRASE", "")
            if not value and prompt is not None:
                value = prompt("Passphrase for the mfaguard session cache")
            cached.append(value)
        return cached[0]

    return get


def open_store(
    backend: str | None = None,
    env: Mapping[str, str] | None = None,
    prompt: Callable[[str], str] | None = None,
) -> SecretStore:
    """The store named by ``backend`` or ``MFAGUARD_SESSION_BACKEND``: auto (default), keyring or file."""
    env = os.environ if env is None else env
    choice = (backend or env.get("MFAGUARD_SESSION_BACKEND") or "auto").lower()
    file = EncryptedFileStore(default_file_path(env), _env_passphrase(env, prompt))
    if choice == "file":
        return file
    if choice == "keyring":
        kr = keyring_usable()
        if kr is None:
            raise CacheLockedError(
                "no usable OS keyring (MFAGUARD_SESSION_BACKEND=keyring)",
                hint="install a keyring backend, set PYTHON_KEYRING_BACKEND, or use MFAGUARD_SESSION_BACKEND=file",
            )
        return KeyringStore(backend=kr)
    if choice == "memory":
        return MemoryStore()
    if choice != "auto":
        raise CacheLockedError(
            f"unknown MFAGUARD_SESSION_BACKEND '{choice}'", hint="use auto, keyring, file or memory"
        )
    return AutoStore(file)

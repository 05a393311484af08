"""Secret stores (encrypted file, real file keyring) and the session cache over them (no server)."""

from __future__ import annotations

import os
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from mfaguard.session import (
    CacheKey,
    CacheLockedError,
    Credentials,
    EncryptedFileStore,
    KeyringStore,
    MemoryStore,
    SessionCache,
)
from mfaguard.session.store import AutoStore, open_store

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
CREDS = Credentials("ASIAEXAMPLE", "s3cr3t-key", "t0ken-value", NOW + timedelta(hours=1))
KEY = CacheKey("assume_role", "admin", "arn:aws:iam::123456789012:mfa/alice")


def test_encrypted_file_round_trip_permissions_and_no_clear_text(tmp_path: Path) -> None:
    path = tmp_path / "private" / "sessions.enc"
    store = EncryptedFileStore(path, lambda: "pass phrase")
    SessionCache(store, clock=lambda: NOW).put(KEY, CREDS)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    raw = path.read_bytes()
    for clear in (b"s3cr3t-key", b"t0ken-value", b"ASIAEXAMPLE", b"admin"):
        assert clear not in raw
    # A new process (a new store object) with the same passphrase reads it back.
    fresh = SessionCache(EncryptedFileStore(path, lambda: "pass phrase"), clock=lambda: NOW)
    assert fresh.get(KEY) == CREDS
    assert not list(tmp_path.glob("private/.*.tmp"))  # no temporary file left behind


def test_permissions_stay_private_under_a_permissive_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        store = EncryptedFileStore(tmp_path / "d" / "s.enc", lambda: "x")
        store.set("a", "b")
        store.set("c", "d")  # a rewrite, too
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "d" / "s.enc").stat().st_mode) == 0o600


def test_wrong_or_missing_passphrase(tmp_path: Path) -> None:
    path = tmp_path / "s.enc"
    EncryptedFileStore(path, lambda: "right").set("k", "v")
    with pytest.raises(CacheLockedError, match="wrong passphrase"):
        EncryptedFileStore(path, lambda: "wrong").get("k")
    with pytest.raises(CacheLockedError, match="MFAGUARD_FILE_PASSPHRASE"):
        EncryptedFileStore(path, lambda: "").get("k")
    assert EncryptedFileStore(tmp_path / "none.enc", lambda: "").get("k") is None  # no file: nothing to unlock


def test_real_file_keyring_backend(tmp_path: Path) -> None:
    from keyrings.alt.file import PlaintextKeyring

    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring_pass.cfg")
    store = KeyringStore(backend=backend)
    cache = SessionCache(store, clock=lambda: NOW)
    cache.put(KEY, CREDS)
    other = CacheKey("session_token", "alice", KEY.mfa_serial)
    cache.put(other, CREDS)
    assert "mfaguard" in Path(backend.file_path).read_text()
    # Another store object on the same file (another process) sees both, by name.
    again = SessionCache(KeyringStore(backend=PlaintextKeyring()), clock=lambda: NOW)
    again.store.backend.file_path = backend.file_path  # type: ignore[attr-defined]
    assert {e.key for e in again.entries()} == {KEY, other}
    assert again.get(KEY) == CREDS
    assert again.clear("admin") == [KEY]
    assert {e.key for e in cache.entries()} == {other}


def test_cache_margin_and_expiry() -> None:
    cache = SessionCache(MemoryStore(), margin=timedelta(minutes=15), clock=lambda: NOW)
    cache.put(KEY, CREDS)
    assert cache.get(KEY) == CREDS
    cache.clock = lambda: NOW + timedelta(minutes=44)
    assert cache.get(KEY) == CREDS
    cache.clock = lambda: NOW + timedelta(minutes=46)  # within 15 minutes of expiry: as good as gone
    assert cache.get(KEY) is None
    assert cache.get(CacheKey("assume_role", "other", "")) is None


def test_cache_key_round_trip() -> None:
    assert CacheKey.parse(KEY.name()) == KEY
    assert CacheKey.parse("totp-seed|arn:aws:iam::1:mfa/x") is None


def test_auto_store_prefers_the_keyring_and_reads_an_existing_file_first(tmp_path: Path) -> None:
    from keyrings.alt.file import PlaintextKeyring

    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "kr.cfg")
    file = EncryptedFileStore(tmp_path / "s.enc", lambda: "p")
    auto = AutoStore(file, keyring_factory=lambda: backend)
    auto.set("x", "1")
    assert not file.exists() and backend.get_password("mfaguard", "x") == "1"
    no_keyring = AutoStore(file, keyring_factory=lambda: None)
    no_keyring.set("y", "2")
    assert file.exists() and file.get("y") == "2"
    both = AutoStore(file, keyring_factory=lambda: backend)
    assert both.get("x") == "1" and both.get("y") == "2"
    assert both.names() == ["x", "y"]


def test_open_store_choices(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MFAGUARD_SESSION_FILE", str(tmp_path / "f.enc"))
    assert isinstance(open_store("file"), EncryptedFileStore)
    assert isinstance(open_store("memory"), MemoryStore)
    assert isinstance(open_store("auto"), AutoStore)
    with pytest.raises(CacheLockedError, match="unknown"):
        open_store("vault")


def test_credentials_never_show_secrets_in_repr() -> None:
    text = repr(CREDS) + str(CREDS)
    assert "s3cr3t-key" not in text and "t0ken-value" not in text and "ASIAEXAMPLE" in text


def test_credentials_formats() -> None:
    import json

    doc = json.loads(CREDS.to_process_json())
    assert doc == {"Version": 1, "AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": "s3cr3t-key",
                   "SessionToken": "t0ken-value", "Expiration": "2026-01-01T13:00:00Z"}
    env = CREDS.to_env()
    assert env["AWS_SESSION_TOKEN"] == env["AWS_SECURITY_TOKEN"] == "t0ken-value"
    assert Credentials.from_dict(CREDS.to_dict()) == CREDS


def test_a_file_written_with_other_kdf_costs_stays_readable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from mfaguard.session import store as store_mod

    path = tmp_path / "s.enc"
    with monkeypatch.context() as patched:
        patched.setattr(store_mod, "_SCRYPT", {"n": 2**10, "r": 8, "p": 1})
        EncryptedFileStore(path, lambda: "pw").set("a", "1")
    reopened = EncryptedFileStore(path, lambda: "pw")
    assert reopened.get("a") == "1"
    reopened.set("b", "2")  # a rewrite keeps the costs the key was derived with
    assert json.loads(path.read_text())["kdf"]["n"] == 2**10
    assert EncryptedFileStore(path, lambda: "pw").get("b") == "2"


def test_a_store_sees_what_another_process_wrote_since_it_read_the_file(tmp_path: Path) -> None:
    """Two processes on one file: a stale in-memory copy must neither hide nor overwrite the other's writes."""
    path = tmp_path / "s.enc"
    first = EncryptedFileStore(path, lambda: "pw")
    first.set("old", "1")
    second = EncryptedFileStore(path, lambda: "pw")
    assert first.get("new") is None and second.get("old") == "1"  # both have read the file
    second.set("new", "2")
    assert first.get("new") == "2"
    first.set("mine", "3")
    assert EncryptedFileStore(path, lambda: "pw").names() == ["mine", "new", "old"]
    first.remove_file()
    assert second.get("new") is None and second.names() == []


def test_auto_store_a_new_session_in_the_keyring_is_not_hidden_by_an_old_one_in_the_file(tmp_path: Path) -> None:
    """The file was used while no keyring was usable (e.g. over ssh); now one is: what is written wins."""
    from keyrings.alt.file import PlaintextKeyring

    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "kr.cfg")
    file = EncryptedFileStore(tmp_path / "s.enc", lambda: "p")
    expired = Credentials("ASIAOLD", "old", "old-token", NOW - timedelta(hours=1))
    SessionCache(AutoStore(file, keyring_factory=lambda: None), clock=lambda: NOW).put(KEY, expired)
    cache = SessionCache(AutoStore(file, keyring_factory=lambda: backend), clock=lambda: NOW)
    assert cache.get(KEY) is None
    cache.put(KEY, CREDS)
    assert cache.get(KEY) == CREDS
    assert SessionCache(AutoStore(file, keyring_factory=lambda: backend), clock=lambda: NOW).get(KEY) == CREDS
    assert not file.exists()  # the stale copy is gone, and with it the file it was the last entry of

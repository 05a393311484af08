"""Opening a store that cannot work: a clear StoreError with a hint, never the password."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from mfaguard.errors import StoreError
from mfaguard.store import open_store
from tests.store.factory import snapshot
from tests.support.ports import free_port
from tests.support.postgres import PostgresServer


def test_default_store_is_created_in_the_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    with open_store(None) as store:
        store.save(snapshot("s-1"))
    assert (tmp_path / "xdg" / "mfaguard" / "mfaguard.db").is_file()
    with open_store(None) as store:
        assert store.get("s-1").id == "s-1"


def test_explicit_path_in_a_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist") as caught:
        open_store(str(tmp_path / "missing" / "audits.db"))
    assert "mkdir" in caught.value.hint
    assert not (tmp_path / "missing").exists()


def test_path_that_is_a_directory(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="is a directory"):
        open_store(str(tmp_path))


def test_file_that_is_not_a_database(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.db"
    bogus.write_text("these are my notes, not a database\n" * 100)
    with pytest.raises(StoreError, match="not a database") as caught:
        open_store(str(bogus))
    assert "SQLite" in caught.value.hint


@pytest.mark.integration
def test_unreachable_postgresql_fails_fast_without_the_password() -> None:
    port = free_port()  # nothing listens there
    started = time.monotonic()
    with pytest.raises(StoreError) as caught:
        open_store(f"postgresql://audit:Sup3rSecretPw@127.0.0.1:{port}/mfaguard")
    assert time.monotonic() - started < 10
    text = str(caught.value)
    assert "Sup3rSecretPw" not in text
    assert f"postgresql+psycopg://audit:***@127.0.0.1:{port}/mfaguard" in text
    assert "PostgreSQL runs at that host" in caught.value.hint


@pytest.mark.integration
def test_wrong_password_on_a_real_server(postgres_server: PostgresServer) -> None:
    url = postgres_server.url(password="Wr0ngPassw0rdXyz")
    with pytest.raises(StoreError) as caught:
        open_store(url)
    text = str(caught.value)
    assert "password authentication failed" in text
    assert "Wr0ngPassw0rdXyz" not in text
    assert postgres_server.password not in text


@pytest.mark.integration
def test_missing_database_on_a_real_server(postgres_server: PostgresServer) -> None:
    with pytest.raises(StoreError, match='database "no_such_db" does not exist'):
        open_store(postgres_server.url("no_such_db"))


@pytest.mark.integration
def test_postgres_url_fixture_is_a_working_store(postgres_url: str) -> None:
    with open_store(postgres_url) as store:
        store.save(snapshot("session-db"))
        assert store.get("session-db").id == "session-db"
        assert store.dialect == "postgresql"
        assert store.display_url == store.where and postgres_url.split("@")[1] in store.display_url
        assert ":***@" in store.display_url

"""Store locations: what a path, a URL or nothing at all means (pure, no database)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mfaguard.errors import StoreError
from mfaguard.store import default_sqlite_path, resolve_store_url
from mfaguard.store.urls import redact, to_sqlalchemy_url


def test_nothing_means_sqlite_in_the_user_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    url, is_default = to_sqlalchemy_url(None)
    assert is_default
    assert url.get_backend_name() == "sqlite"
    assert url.database == str(tmp_path / "xdg" / "mfaguard" / "mfaguard.db")
    assert default_sqlite_path() == tmp_path / "xdg" / "mfaguard" / "mfaguard.db"


def test_environment_variable_replaces_the_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MFAGUARD_STORE", str(tmp_path / "env.db"))
    url, is_default = to_sqlalchemy_url(None)
    assert not is_default and url.database == str(tmp_path / "env.db")


def test_precedence_flag_then_environment_then_config(monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_store_url(None, None) is None
    assert resolve_store_url(None, "cfg.db") == "cfg.db"
    monkeypatch.setenv("MFAGUARD_STORE", "env.db")
    assert resolve_store_url(None, "cfg.db") == "env.db"
    assert resolve_store_url("flag.db", "cfg.db") == "flag.db"
    assert resolve_store_url("  ", "cfg.db") == "env.db"


def test_plain_paths_and_sqlite_urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert to_sqlalchemy_url("audits.db")[0].database == str(tmp_path / "audits.db")
    assert to_sqlalchemy_url("~/a.db")[0].database == str(tmp_path / "home" / "a.db")
    url = to_sqlalchemy_url(f"sqlite:///{tmp_path}/x.db")[0]
    assert (url.drivername, url.database) == ("sqlite+pysqlite", f"{tmp_path}/x.db")


@pytest.mark.parametrize("scheme", ["postgresql", "postgres", "postgresql+psycopg"])
def test_postgresql_urls_use_psycopg3(scheme: str) -> None:
    url, _ = to_sqlalchemy_url(f"{scheme}://audit:s3cret@db.internal:5433/mfaguard?sslmode=require")
    assert url.drivername == "postgresql+psycopg"
    assert (url.host, url.port, url.database, url.username) == ("db.internal", 5433, "mfaguard", "audit")
    assert url.query == {"sslmode": "require"}
    assert redact(url) == "postgresql+psycopg://audit:***@db.internal:5433/mfaguard?sslmode=require"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("mysql://root:hunter2@db/x", "unsupported store URL scheme 'mysql'"),
        ("postgresql://root:hunter2@db:notaport/x", "not a valid store URL"),
        ("postgresql://root:hunter2@/x", "no host"),
    ],
)
def test_bad_urls_are_explained_without_the_password(value: str, message: str) -> None:
    with pytest.raises(StoreError) as caught:
        to_sqlalchemy_url(value)
    assert message in str(caught.value)
    assert "hunter2" not in str(caught.value)
    assert "postgresql://" in caught.value.hint


def test_public_api_is_pinned() -> None:
    import mfaguard.store

    assert set(mfaguard.store.__all__) == {
        "MIGRATIONS",
        "SCOPES",
        "Migration",
        "SnapshotInfo",
        "Store",
        "default_sqlite_path",
        "migration",
        "open_store",
        "resolve_store_url",
    }


def test_a_pathlib_path_is_a_sqlite_file(tmp_path: Path) -> None:
    url, is_default = to_sqlalchemy_url(tmp_path / "p.db")
    assert (url.get_backend_name(), url.database, is_default) == ("sqlite", str(tmp_path / "p.db"), False)

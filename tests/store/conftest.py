"""Store fixtures: every store test runs against SQLite and against a real PostgreSQL server."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from mfaguard.store import Store, open_store
from tests.support.postgres import PostgresServer

_db_names = (f"store_test_{i}" for i in itertools.count())


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer) -> str:
    """URL (with its password) of a database on the suite's PostgreSQL server, shared by the session."""
    return postgres_server.create_database("mfaguard_session")


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of an empty store of each kind."""
    if request.param == "sqlite":
        yield str(tmp_path / "store.db")
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = next(_db_names)
    yield server.create_database(name)
    server.drop_database(name)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    with open_store(store_url) as opened:
        yield opened

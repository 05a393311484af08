"""Real StatsD, carbon + graphite-web and pushgateway on loopback, started once per session.

Each test gets the session's servers with their state cleared. A server that is not installed skips its
tests with the reason (scripts/install/30-observability.sh installs them; CI runs it).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import graphite as graphite_support
from tests.support import pushgateway as pushgateway_support
from tests.support import statsd as statsd_support
from tests.support.graphite import Graphite
from tests.support.pushgateway import Pushgateway
from tests.support.statsd import Statsd


def _require(reason: str | None) -> None:
    if reason:
        pytest.skip(reason)


@pytest.fixture(scope="session")
def graphite_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Graphite]:
    _require(graphite_support.available())
    server = graphite_support.start_graphite(tmp_path_factory.mktemp("graphite"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def statsd_server(tmp_path_factory: pytest.TempPathFactory, graphite_server: Graphite) -> Iterator[Statsd]:
    """StatsD flushing every second into the session's carbon."""
    _require(statsd_support.available())
    server = statsd_support.start_statsd(tmp_path_factory.mktemp("statsd"), graphite_port=graphite_server.line_port)
    yield server
    server.stop()


@pytest.fixture
def statsd(statsd_server: Statsd) -> Statsd:
    statsd_server.clear_gauges()
    return statsd_server


@pytest.fixture(scope="session")
def pushgateway_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pushgateway]:
    _require(pushgateway_support.available())
    server = pushgateway_support.start_pushgateway(tmp_path_factory.mktemp("pushgateway"))
    yield server
    server.stop()


@pytest.fixture
def pushgateway(pushgateway_server: Pushgateway) -> Pushgateway:
    pushgateway_server.wipe()
    return pushgateway_server


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """test-artifacts/ at the repository root (git-ignored): screenshots a person can look at."""
    path = Path(__file__).resolve().parents[2] / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path

"""The rollout logs in the store, on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from mfaguard.model import utcnow
from mfaguard.rollout.log import ActionRecord, NotificationRecord, RolloutLog
from mfaguard.store import open_store

_names = (f"rollout_log_{i}" for i in itertools.count())


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield str(tmp_path / "store.db")
        return
    server = request.getfixturevalue("postgres_server")
    name = next(_names)
    yield server.create_database(name)
    server.drop_database(name)


def test_actions_and_notifications_round_trip_newest_action_first(store_url: str) -> None:
    t0 = utcnow().replace(microsecond=0)
    with open_store(store_url) as st:
        log = RolloutLog(st)
        log.record_action(ActionRecord(t0, "jane", "advance", "sre", "applied", detail={"people": ["alice"]}))
        log.record_action(ActionRecord(t0 + timedelta(minutes=1), "ops-bot", "advance", "pilot", "refused",
                                       reason="", snapshot_id="s9", detail={"refusals": ["bob is not ready"]}))
        log.record_notification(NotificationRecord("pilot", "bob", "bob@example.com", t0, "<1@example.com>", "s9"))
        log.record_notification(NotificationRecord("sre", "alice", "a@example.com", t0, "<2@example.com>"))
    with open_store(store_url) as st:  # what another process sees
        log = RolloutLog(st)
        actions = log.actions()
        assert [(a.actor, a.wave, a.outcome) for a in actions] == [("ops-bot", "pilot", "refused"),
                                                                    ("jane", "sre", "applied")]
        assert actions[1].at == t0 and actions[1].detail == {"people": ["alice"]} and actions[0].snapshot_id == "s9"
        assert [a.wave for a in log.actions(wave="sre")] == ["sre"] and len(log.actions(limit=1)) == 1
        assert log.notified("pilot") == {"bob"} and log.notified("everyone") == set()
        assert log.notifications("pilot")[0].message_id == "<1@example.com>"

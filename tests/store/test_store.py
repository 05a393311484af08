"""The store's behaviour, the same tests on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, insert, inspect, text

from mfaguard.errors import StoreError
from mfaguard.store import MIGRATIONS, Migration, Store, open_store
from mfaguard.store.migrations import schema_version
from mfaguard.store.schema import metadata
from mfaguard.store.urls import to_sqlalchemy_url
from tests.store.factory import T0, snapshot, weekly

pytestmark = pytest.mark.integration


def test_save_then_get_returns_the_same_snapshot(store: Store) -> None:
    snap = snapshot("s-1", errors=1)
    store.save(snap)
    assert store.get("s-1") == snap


def test_timestamps_come_back_aware_and_in_utc(store: Store) -> None:
    plus_two = timezone(timedelta(hours=2))
    store.save(snapshot("s-tz", datetime(2026, 3, 1, 12, 0, tzinfo=plus_two)))
    (taken_at, _), *_ = store.history("org")
    assert taken_at == datetime(2026, 3, 1, 10, 0, tzinfo=timezone.utc)
    assert taken_at.utcoffset() == timedelta(0)
    [info] = store.list_snapshots()
    assert info.taken_at == datetime(2026, 3, 1, 10, 0, tzinfo=timezone.utc)


def test_get_unknown_id_names_it(store: Store) -> None:
    with pytest.raises(StoreError, match="no snapshot with id 'nope'"):
        store.get("nope")


def test_saving_twice_keeps_one_copy_and_replaces_rows(store: Store) -> None:
    store.save(snapshot("s-1", with_mfa=2))
    store.save(snapshot("s-1", with_mfa=2))
    assert [i.id for i in store.list_snapshots()] == ["s-1"]
    assert len(store.history("org")) == 1
    assert len(store.history("account")) == 2
    assert len(store.user_history("111111111111", "alice")) == 1
    # Saving a corrected snapshot under the same id replaces it everywhere.
    store.save(snapshot("s-1", with_mfa=4))
    [(_, org)] = store.history("org")
    assert (org.in_scope, org.with_mfa) == (5, 4)
    assert store.get("s-1").org.with_mfa == 4
    assert store.list_snapshots()[0].with_mfa == 4


def test_latest_is_newest_by_time_not_by_insertion(store: Store) -> None:
    assert store.latest() is None
    snaps = weekly(3)
    for snap in (snaps[2], snaps[0], snaps[1]):
        store.save(snap)
    latest = store.latest()
    assert latest is not None and latest.id == "snap-002"


def test_shard_snapshots_are_kept_apart_from_whole_org_ones(store: Store) -> None:
    store.save(snapshot("whole", T0, with_mfa=2))
    store.save(snapshot("shard-1", T0 + timedelta(hours=1), with_mfa=5, shard="1/2"))
    store.save(snapshot("shard-2", T0 + timedelta(hours=1), with_mfa=1, shard="2/2"))
    latest = store.latest()
    assert latest is not None and latest.id == "whole"
    shard = store.latest(shard="1/2")
    assert shard is not None and shard.id == "shard-1" and shard.shard == "1/2"
    assert [i.id for i in store.list_snapshots()] == ["whole"]
    assert {i.id for i in store.list_snapshots(include_shards=True)} == {"whole", "shard-1", "shard-2"}
    assert [a.pct for _, a in store.history("org")] == [40.0]


def test_list_snapshots_newest_first_with_summary(store: Store) -> None:
    for snap in weekly(5):
        store.save(snap)
    store.save(snapshot("with-errors", T0 + timedelta(weeks=10), with_mfa=3, errors=2))
    infos = store.list_snapshots(limit=3)
    assert [i.id for i in infos] == ["with-errors", "snap-004", "snap-003"]
    first = infos[0]
    assert (first.org_pct, first.accounts, first.users, first.errors) == (60.0, 2, 6, 2)
    assert (first.in_scope, first.with_mfa, first.findings) == (5, 3, 2)
    assert len(store.list_snapshots()) == 6


def test_history_per_scope_key_since_and_limit(store: Store) -> None:
    snaps = weekly(6)
    for snap in snaps:
        store.save(snap)
    org = store.history("org")
    assert [t for t, _ in org] == [s.taken_at for s in snaps]
    assert [a.pct for _, a in org] == [20.0, 40.0, 60.0, 80.0, 100.0, 100.0]

    prod = store.history("account", "111111111111")
    assert {a.key for _, a in prod} == {"111111111111"}
    assert [a.with_mfa for _, a in prod] == [1, 2, 3, 3, 3, 3]
    assert prod[0][1].label == "prod"

    teams = store.history("team")
    assert {a.key for _, a in teams} == {"web", "data"}
    assert len(teams) == 12

    since = store.history("org", since=snaps[4].taken_at)
    assert [t for t, _ in since] == [snaps[4].taken_at, snaps[5].taken_at]
    newest_two = store.history("team", limit=2)
    assert sorted({t for t, _ in newest_two}) == [snaps[4].taken_at, snaps[5].taken_at]
    assert store.history("account", "999999999999") == []


def test_history_rejects_unknown_scope(store: Store) -> None:
    with pytest.raises(ValueError, match="scope"):
        store.history("galaxy")


def test_user_history_follows_one_user(store: Store) -> None:
    for snap in weekly(4):
        store.save(snap)
    points = store.user_history("111111111111", "carol")
    assert [u.mfa for _, u in points] == [False, False, True, True]
    _, carol = points[-1]
    assert carol == store.get("snap-003").users[2]
    assert carol.device_kinds == ("virtual",) and carol.groups == ("developers", "mfa-enforced")
    assert store.user_history("111111111111", "nobody") == []


def test_concurrent_saves_all_land(store: Store) -> None:
    snaps = weekly(8)
    failures: list[BaseException] = []

    def save(s):  # type: ignore[no-untyped-def]
        try:
            store.save(s)
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=save, args=(s,)) for s in snaps]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert len(store.list_snapshots()) == 8


def test_unicode_and_long_labels_survive(store: Store) -> None:
    snap = snapshot("s-u")
    team = replace(snap.adoption[-1], key="équipe-données", label="Équipe données ✓ " + "x" * 600)
    snap = replace(snap, adoption=(*snap.adoption[:-1], team))
    store.save(snap)
    assert store.get("s-u") == snap
    assert any(a.key == "équipe-données" for _, a in store.history("team"))


# -- schema and migrations ----------------------------------------------------------------------------


def test_open_creates_schema_once_and_reopen_is_a_no_op(store_url: str) -> None:
    with open_store(store_url) as store:
        assert store.schema_version == MIGRATIONS[-1].version
        store.save(snapshot("kept"))
        assert store.migrate() == []
    with open_store(store_url) as again:
        assert again.get("kept").id == "kept"
        assert again.schema_version == MIGRATIONS[-1].version


def test_migrated_database_matches_schema_module(store: Store, store_url: str) -> None:
    engine = create_engine(to_sqlalchemy_url(store_url)[0])
    try:
        inspector = inspect(engine)
        tables = set(inspector.get_table_names())
        assert tables == set(metadata.tables) | {"schema_version"}
        for name, table in metadata.tables.items():
            assert [c["name"] for c in inspector.get_columns(name)] == [c.name for c in table.columns], name
            indexed = {tuple(ix["column_names"]) for ix in inspector.get_indexes(name)}
            for index in table.indexes:
                assert tuple(c.name for c in index.columns) in indexed, index.name
    finally:
        engine.dispose()


def test_a_new_migration_is_applied_once_in_order(store: Store, store_url: str) -> None:
    calls: list[int] = []

    def add_log(conn) -> None:  # type: ignore[no-untyped-def]
        calls.append(1)
        conn.execute(text("CREATE TABLE rollout_log (id INTEGER PRIMARY KEY, action TEXT NOT NULL)"))

    steps = [*MIGRATIONS, Migration(MIGRATIONS[-1].version + 1, "rollout log", add_log)]
    assert store.migrate(steps) == [steps[-1].version]
    assert store.migrate(steps) == []
    assert calls == [1]
    assert store.schema_version == steps[-1].version
    # This mfaguard does not know that migration: opening the store now refuses.
    with pytest.raises(StoreError, match=r"schema version \d+, newer than this mfaguard"):
        open_store(store_url)


def test_a_failing_migration_leaves_the_schema_untouched(store: Store, store_url: str) -> None:
    def broken(conn) -> None:  # type: ignore[no-untyped-def]
        conn.execute(text("CREATE TABLE half_done (id INTEGER PRIMARY KEY)"))
        conn.execute(text("SELECT * FROM no_such_table"))

    before = store.schema_version
    steps = [*MIGRATIONS, Migration(before + 1, "broken", broken)]
    with pytest.raises(StoreError):
        store.migrate(steps)
    assert store.schema_version == before
    engine = create_engine(to_sqlalchemy_url(store_url)[0])
    try:
        assert "half_done" not in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_refuses_a_newer_schema_with_a_clear_error(store_url: str) -> None:
    with open_store(store_url) as store:
        store.save(snapshot("s-1"))
    engine = create_engine(to_sqlalchemy_url(store_url)[0])
    try:
        with engine.begin() as conn:
            conn.execute(insert(schema_version).values(version=99, description="future", applied_at=T0))
    finally:
        engine.dispose()
    with pytest.raises(StoreError) as caught:
        open_store(store_url)
    assert "schema version 99" in str(caught.value)
    assert "upgrade mfaguard" in caught.value.hint


def test_audits_opening_a_fresh_store_at_once_migrate_it_once(store_url: str) -> None:
    errors: list[BaseException] = []

    def open_and_save(i: int) -> None:
        try:
            with open_store(store_url) as store:
                store.save(snapshot(f"s-{i}"))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_and_save, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    engine = create_engine(to_sqlalchemy_url(store_url)[0])
    try:
        with engine.connect() as conn:
            versions = conn.execute(text("SELECT version FROM schema_version ORDER BY version")).scalars().all()
    finally:
        engine.dispose()
    assert versions == [m.version for m in MIGRATIONS]
    with open_store(store_url) as store:
        assert len(store.list_snapshots()) == 4

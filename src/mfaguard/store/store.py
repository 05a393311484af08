"""The snapshot store: one SQLAlchemy Core code path for SQLite and PostgreSQL."""

from __future__ import annotations

import importlib.util
import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, delete, event, insert, select
from sqlalchemy.engine import URL
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from mfaguard.errors import MissingExtraError, StoreError
from mfaguard.model import Adoption, Snapshot, UserStatus, utcnow
from mfaguard.store import migrations
from mfaguard.store.rows import adoption_from_row, child_rows, snapshot_row, user_from_row
from mfaguard.store.schema import CHILD_TABLES, adoption, snapshots, user_status
from mfaguard.store.urls import redact, to_sqlalchemy_url

__all__ = ["SCOPES", "SnapshotInfo", "Store", "open_store"]

log = logging.getLogger(__name__)

SCOPES = ("org", "account", "team")
# Several audits (shards, cron overlaps) may write one SQLite file: wait for the lock, do not fail.
_SQLITE_BUSY_TIMEOUT_S = 30
_PG_CONNECT_TIMEOUT_S = 10


@dataclass(frozen=True)
class SnapshotInfo:
    """One line of the snapshot list: enough to choose a snapshot without loading it."""

    id: str
    taken_at: datetime
    org_pct: float | None
    accounts: int
    users: int
    errors: int
    in_scope: int = 0
    with_mfa: int = 0
    findings: int = 0
    shard: str = ""


class Store:
    """Snapshots and their queryable rows. Open one with ``open_store``; use it as a context manager.

    Whole-organization snapshots have ``shard == ""``; shard snapshots (``"i/N"``) of a sharded audit
    are kept too, but ``latest()``, ``list_snapshots()`` and ``history()`` read whole-organization
    snapshots unless told otherwise, so that a partial shard never looks like the organization.
    """

    def __init__(self, engine: Engine, where: str) -> None:
        self._engine = engine
        self.where = where  # the URL without its password, for messages

    # -- lifecycle -------------------------------------------------------------------------------

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.where})"

    def close(self) -> None:
        self._engine.dispose()

    @property
    def display_url(self) -> str:
        """Where the store is, safe to show (a file path, or a URL without its password)."""
        return self.where

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    @property
    def schema_version(self) -> int:
        with self._errors("reading the schema version"), self._engine.connect() as conn:
            return migrations.current_version(conn)

    def migrate(self, steps: Sequence[migrations.Migration] = migrations.MIGRATIONS) -> list[int]:
        """Bring the schema up to date (done by ``open_store``); returns the versions applied."""
        with self._errors("opening"):
            with self._engine.connect() as conn:
                current = migrations.current_version(conn)
                conn.rollback()
            migrations.check_not_newer(current, self.where, steps)
            if current == migrations.latest_version(steps):
                return []
            with self._write() as conn:
                applied = migrations.migrate(conn, self.where, steps)
        if applied:
            log.info("store %s: applied schema migrations %s", self.where, applied)
        return applied

    # -- writing ---------------------------------------------------------------------------------

    def save(self, snapshot: Snapshot) -> None:
        """Store a snapshot and its rows; saving the same id again replaces it (idempotent)."""
        document = snapshot.to_dict()
        row = snapshot_row(snapshot, document, utcnow())
        children = child_rows(snapshot)
        with self._errors(f"saving snapshot {snapshot.id}"):
            try:
                self._replace(snapshot.id, row, children)
            except IntegrityError:
                # Another process saved the same id between our delete and insert: replace again.
                self._replace(snapshot.id, row, children)

    def _replace(self, snapshot_id: str, row: dict[str, Any], children: dict[str, list[dict[str, Any]]]) -> None:
        with self._write() as conn:
            for table in CHILD_TABLES:
                conn.execute(delete(table).where(table.c.snapshot_id == snapshot_id))
            conn.execute(delete(snapshots).where(snapshots.c.id == snapshot_id))
            conn.execute(insert(snapshots), [row])
            for table in CHILD_TABLES:
                if children[table.name]:
                    conn.execute(insert(table), children[table.name])

    # -- reading ---------------------------------------------------------------------------------

    def get(self, snapshot_id: str) -> Snapshot:
        with self._errors(f"reading snapshot {snapshot_id}"), self._engine.connect() as conn:
            document = conn.execute(select(snapshots.c.document).where(snapshots.c.id == snapshot_id)).scalar()
        if document is None:
            raise StoreError(
                f"no snapshot with id '{snapshot_id}' in the store at {self.where}",
                hint="check the id and the --store option",
            )
        return Snapshot.from_dict(document)

    def latest(self, shard: str | None = None) -> Snapshot | None:
        """The newest whole-organization snapshot, or the newest of one shard ("i/N")."""
        query = (
            select(snapshots.c.document)
            .where(snapshots.c.shard == (shard or ""))
            .order_by(snapshots.c.taken_at.desc(), snapshots.c.id.desc())
            .limit(1)
        )
        with self._errors("reading the latest snapshot"), self._engine.connect() as conn:
            document = conn.execute(query).scalar()
        return None if document is None else Snapshot.from_dict(document)

    def list_snapshots(self, limit: int = 50, *, include_shards: bool = False) -> list[SnapshotInfo]:
        """Snapshots, newest first."""
        c = snapshots.c
        query = select(
            c.id, c.taken_at, c.org_pct, c.accounts, c.users, c.errors, c.in_scope, c.with_mfa, c.findings, c.shard
        ).order_by(c.taken_at.desc(), c.id.desc())
        if not include_shards:
            query = query.where(c.shard == "")
        if limit:
            query = query.limit(limit)
        with self._errors("listing snapshots"), self._engine.connect() as conn:
            return [SnapshotInfo(**row._mapping) for row in conn.execute(query)]

    def history(
        self, scope: str, key: str | None = None, since: datetime | None = None, limit: int | None = None
    ) -> list[tuple[datetime, Adoption]]:
        """Adoption over time for one scope (org, account or team), oldest first.

        ``key`` selects one account id or team name; ``since`` keeps snapshots taken at or after it;
        ``limit`` keeps only the newest N snapshots.
        """
        if scope not in SCOPES:
            raise ValueError(f"scope must be one of {', '.join(SCOPES)}, not {scope!r}")
        query = select(adoption).where(adoption.c.scope == scope, adoption.c.shard == "")
        if key is not None:
            query = query.where(adoption.c.key == key)
        if since is not None:
            query = query.where(adoption.c.taken_at >= since)
        if limit:
            newest = select(snapshots.c.id).where(snapshots.c.shard == "")
            if since is not None:
                newest = newest.where(snapshots.c.taken_at >= since)
            newest = newest.order_by(snapshots.c.taken_at.desc(), snapshots.c.id.desc()).limit(limit)
            query = query.where(adoption.c.snapshot_id.in_(newest))
        query = query.order_by(adoption.c.taken_at, adoption.c.snapshot_id, adoption.c.seq)
        with self._errors(f"reading {scope} history"), self._engine.connect() as conn:
            return [(row.taken_at, adoption_from_row(row._mapping)) for row in conn.execute(query)]

    def user_history(
        self, account_id: str, user_name: str, since: datetime | None = None
    ) -> list[tuple[datetime, UserStatus]]:
        """One IAM user's evaluated status in every whole-organization snapshot, oldest first."""
        query = select(user_status).where(
            user_status.c.account_id == account_id, user_status.c.name == user_name, user_status.c.shard == ""
        )
        if since is not None:
            query = query.where(user_status.c.taken_at >= since)
        query = query.order_by(user_status.c.taken_at, user_status.c.snapshot_id)
        with self._errors(f"reading the history of {user_name}"), self._engine.connect() as conn:
            return [(row.taken_at, user_from_row(row._mapping)) for row in conn.execute(query)]

    # -- plumbing --------------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self._engine.connect() as conn:
            conn.execution_options(mfaguard_write=True)
            with conn.begin():
                yield conn

    # -- for stages with tables of their own (added by a migration) ---------------------------------

    @contextmanager
    def writing(self, action: str) -> Iterator[Connection]:
        """A connection in a write transaction; driver errors become a StoreError naming ``action``."""
        with self._errors(action), self._write() as conn:
            yield conn

    @contextmanager
    def reading(self, action: str) -> Iterator[Connection]:
        """A connection for reads; driver errors become a StoreError naming ``action``."""
        with self._errors(action), self._engine.connect() as conn:
            yield conn

    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        """Turn driver errors into a StoreError that names the store (without its password)."""
        try:
            yield
        except StoreError:
            raise
        except SQLAlchemyError as exc:
            raise StoreError(
                f"{action} failed for the store at {self.where}: {_reason(exc, self._engine.url)}",
                hint=_hint(self.dialect),
            ) from None


def open_store(url: str | os.PathLike[str] | None = None) -> Store:
    """Open (creating and migrating as needed) the store at ``url``.

    ``None`` means ``$MFAGUARD_STORE`` or else ``mfaguard.db`` in the user's data directory; a path or
    ``sqlite:///PATH`` means SQLite; ``postgresql://USER:PASSWORD@HOST:PORT/DB`` means PostgreSQL.
    """
    sa_url, is_default = to_sqlalchemy_url(url)
    if sa_url.get_backend_name() == "sqlite":
        engine = _sqlite_engine(sa_url, create_dir=is_default)
    else:
        engine = _postgres_engine(sa_url)
    # People know their SQLite store as a file path; other URLs are shown without their password.
    where = sa_url.database if sa_url.get_backend_name() == "sqlite" and sa_url.database else redact(sa_url)
    store = Store(engine, where)
    try:
        store.migrate()
    except BaseException:
        store.close()
        raise
    return store


def _sqlite_engine(url: URL, *, create_dir: bool) -> Engine:
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        path = Path(database)
        if create_dir:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(
                    f"cannot create the store's directory {path.parent}: {exc.strerror}",
                    hint="pass --store PATH or set MFAGUARD_STORE to a writable location",
                ) from None
        if path.is_dir():
            raise StoreError(f"the store path {path} is a directory", hint="give a file name, e.g. audits.db")
        if not path.parent.is_dir():
            raise StoreError(
                f"the directory of the store {path} does not exist",
                hint=f"create it first (mkdir -p {path.parent}) or choose another --store path",
            )
    engine = create_engine(url, connect_args={"timeout": _SQLITE_BUSY_TIMEOUT_S})

    # pysqlite's own transaction handling skips BEGIN before DDL; take it over so that migrations are
    # atomic, and take the write lock up front for writers (no lock-upgrade deadlocks between audits).
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        dbapi_conn.execute("PRAGMA foreign_keys=ON")

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("mfaguard_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _postgres_engine(url: URL) -> Engine:
    if importlib.util.find_spec("psycopg") is None:
        raise MissingExtraError("postgres", "psycopg")
    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in url.query:
        # An unreachable host should fail in seconds, not hang the audit.
        connect_args["connect_timeout"] = _PG_CONNECT_TIMEOUT_S
    return create_engine(url, connect_args=connect_args)


def _reason(exc: SQLAlchemyError, url: URL) -> str:
    reason = str(getattr(exc, "orig", None) or exc).strip()
    reason = " ".join(line.strip() for line in reason.splitlines() if line.strip())
    if url.password:
        reason = reason.replace(str(url.password), "***")
    return reason


def _hint(dialect: str) -> str:
    if dialect == "postgresql":
        return (
            "check that PostgreSQL runs at that host and port and accepts this user and database; "
            "the URL form is postgresql://USER:PASSWORD@HOST:PORT/DATABASE"
        )
    return "check that the file is a SQLite database that mfaguard can read and write"

"""Versioned schema: numbered migrations, applied in order when a store is opened.

The database records every applied migration in ``schema_version`` (version, description, applied_at);
its version is the highest row. Opening a store applies the missing migrations in one transaction
(under an advisory lock on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite, so that concurrent audits
starting at once migrate exactly once) and refuses a database newer than this mfaguard.

Adding a migration (e.g. a stage's own log table) is one function at the end of this file::

    @migration(2, "rollout actions log")
    def _v2(conn: Connection) -> None:
        Table(
            "rollout_actions", MetaData(),
            Column("id", Integer, primary_key=True),
            Column("at", UtcDateTime, nullable=False),
            Column("action", Text, nullable=False),
        ).create(conn)

Rules: versions are consecutive; never edit a released migration (databases already ran it); describe
tables inside the migration (not by importing ``schema.py``), then mirror the result in ``schema.py``
or in the stage's own module for queries. Use SQLAlchemy Core DDL (``Table.create``, ``Index.create``)
or portable SQL (``ALTER TABLE ... ADD COLUMN``) so that SQLite and PostgreSQL take the same path.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    insert,
    inspect,
    select,
    text,
)

from mfaguard.errors import StoreError
from mfaguard.model import utcnow
from mfaguard.store.types import JsonDocument, UtcDateTime

__all__ = [
    "MIGRATIONS",
    "Migration",
    "check_not_newer",
    "current_version",
    "latest_version",
    "migrate",
    "migration",
]


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    apply: Callable[[Connection], None]


MIGRATIONS: list[Migration] = []

# The bookkeeping table itself never changes, so it is created outside the numbered migrations.
schema_version = Table(
    "schema_version",
    MetaData(),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("description", Text, nullable=False),
    Column("applied_at", UtcDateTime, nullable=False),
)

# Any constant: the key of the PostgreSQL advisory lock that serializes migrations.
_PG_LOCK_KEY = 0x6D666167  # "mfag"


def migration(version: int, description: str) -> Callable[[Callable[[Connection], None]], Callable[..., None]]:
    """Register a migration; versions must be added in order without gaps."""

    def register(fn: Callable[[Connection], None]) -> Callable[[Connection], None]:
        expected = MIGRATIONS[-1].version + 1 if MIGRATIONS else 1
        if version != expected:
            raise RuntimeError(f"migration {version} registered out of order (expected {expected})")
        MIGRATIONS.append(Migration(version, description, fn))
        return fn

    return register


def latest_version(migrations: Sequence[Migration] = MIGRATIONS) -> int:
    return migrations[-1].version if migrations else 0


def current_version(conn: Connection) -> int:
    """The schema version of the database; 0 for an empty one."""
    if not inspect(conn).has_table(schema_version.name):
        return 0
    return int(conn.execute(select(func.max(schema_version.c.version))).scalar() or 0)


def check_not_newer(version: int, where: str, migrations: Sequence[Migration] = MIGRATIONS) -> None:
    latest = latest_version(migrations)
    if version > latest:
        raise StoreError(
            f"the store at {where} has schema version {version}, newer than this mfaguard understands "
            f"(up to {latest})",
            hint="upgrade mfaguard (pip install --upgrade mfaguard), or use another --store",
        )


def migrate(conn: Connection, where: str, migrations: Sequence[Migration] = MIGRATIONS) -> list[int]:
    """Apply the missing migrations inside the caller's transaction; return the versions applied.

    The caller holds a write transaction (see ``Store``); ``where`` names the store in messages.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
    schema_version.create(conn, checkfirst=True)
    current = current_version(conn)
    check_not_newer(current, where, migrations)
    applied: list[int] = []
    for step in migrations:
        if step.version <= current:
            continue
        step.apply(conn)
        conn.execute(
            insert(schema_version).values(version=step.version, description=step.description, applied_at=utcnow())
        )
        applied.append(step.version)
    return applied


# --- migrations, oldest first ------------------------------------------------------------------------


@migration(1, "snapshots with adoption, findings, per-user status and account errors")
def _v1(conn: Connection) -> None:
    md = MetaData()
    Table(
        "snapshots",
        md,
        Column("id", String(64), primary_key=True),
        Column("taken_at", UtcDateTime, nullable=False, index=True),
        Column("shard", String(32), nullable=False, server_default=""),
        Column("org_pct", Float, nullable=True),
        Column("accounts", Integer, nullable=False),
        Column("users", Integer, nullable=False),
        Column("in_scope", Integer, nullable=False),
        Column("with_mfa", Integer, nullable=False),
        Column("findings", Integer, nullable=False),
        Column("errors", Integer, nullable=False),
        Column("duration_s", Float, nullable=False),
        Column("api_calls", Integer, nullable=False),
        Column("tool_version", String(64), nullable=False),
        Column("schema_version", Integer, nullable=False),
        Column("saved_at", UtcDateTime, nullable=False),
        Column("document", JsonDocument, nullable=False),
    )

    def child(name: str, *columns: Column) -> Table:  # type: ignore[type-arg]
        return Table(
            name,
            md,
            Column("snapshot_id", String(64), ForeignKey("snapshots.id"), primary_key=True),
            Column("seq", Integer, primary_key=True, autoincrement=False),
            Column("taken_at", UtcDateTime, nullable=False),
            Column("shard", String(32), nullable=False, server_default=""),
            *columns,
        )

    adoption = child(
        "adoption",
        Column("scope", String(16), nullable=False),
        Column("key", Text, nullable=False),
        Column("label", Text, nullable=False),
        Column("users", Integer, nullable=False),
        Column("in_scope", Integer, nullable=False),
        Column("with_mfa", Integer, nullable=False),
        Column("enforced", Integer, nullable=False),
        Column("console_without_mfa", Integer, nullable=False),
        Column("keys_without_mfa", Integer, nullable=False),
        Column("pct", Float, nullable=False),
    )
    Index("ix_adoption_series", adoption.c.scope, adoption.c.key, adoption.c.taken_at)
    findings = child(
        "findings",
        Column("finding_id", String(32), nullable=False),
        Column("slug", Text, nullable=False),
        Column("severity", String(16), nullable=False),
        Column("account_id", String(32), nullable=False),
        Column("principal", Text, nullable=False),
        Column("message", Text, nullable=False),
    )
    Index("ix_findings_id", findings.c.finding_id, findings.c.taken_at)
    users = child(
        "user_status",
        Column("account_id", String(32), nullable=False),
        Column("account_name", Text, nullable=False),
        Column("name", Text, nullable=False),
        Column("arn", Text, nullable=False),
        Column("team", Text, nullable=False),
        Column("console", Boolean, nullable=False),
        Column("active_keys", Integer, nullable=False),
        Column("mfa", Boolean, nullable=False),
        Column("device_kinds", JsonDocument, nullable=False),
        Column("device_count", Integer, nullable=True),
        Column("enforced", Boolean, nullable=False),
        Column("admin", Boolean, nullable=False),
        Column("last_activity", UtcDateTime, nullable=True),
        Column("created", UtcDateTime, nullable=True),
        Column("groups", JsonDocument, nullable=False),
        Column("email", Text, nullable=False),
        Column("person", Text, nullable=False),
    )
    Index("ix_user_status_user", users.c.account_id, users.c.name, users.c.taken_at)
    child(
        "account_errors",
        Column("account_id", String(32), nullable=False),
        Column("stage", String(64), nullable=False),
        Column("code", Text, nullable=False),
        Column("message", Text, nullable=False),
    )
    md.create_all(conn)


@migration(2, "rollout actions log and notification log")
def _v2(conn: Connection) -> None:
    md = MetaData()
    actions = Table(
        "rollout_actions",
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("at", UtcDateTime, nullable=False),
        Column("actor", Text, nullable=False),
        Column("action", String(32), nullable=False),
        Column("wave", Text, nullable=False),
        Column("outcome", String(32), nullable=False),
        Column("reason", Text, nullable=False),
        Column("snapshot_id", String(64), nullable=True),
        Column("detail", JsonDocument, nullable=False),
    )
    Index("ix_rollout_actions_wave", actions.c.wave, actions.c.at)
    notifications = Table(
        "rollout_notifications",
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("wave", Text, nullable=False),
        Column("person", Text, nullable=False),
        Column("email", Text, nullable=False),
        Column("sent_at", UtcDateTime, nullable=False),
        Column("message_id", Text, nullable=False),
        Column("snapshot_id", String(64), nullable=True),
    )
    Index("ix_rollout_notifications_person", notifications.c.wave, notifications.c.person)
    md.create_all(conn)

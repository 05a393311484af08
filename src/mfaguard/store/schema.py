"""The store's tables as they are at the latest schema version, for queries.

The migrations in ``migrations.py`` create and change these tables; they never import them from here
(a migration describes the schema of its own time). ``tests/store`` checks that a database migrated to
the latest version has exactly these tables and columns, so a migration and this file cannot drift.

Every child table repeats ``taken_at`` and ``shard`` of its snapshot so that time series are read from
one table without a join.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from mfaguard.store.types import JsonDocument, UtcDateTime

__all__ = [
    "CHILD_TABLES",
    "account_errors",
    "adoption",
    "findings",
    "metadata",
    "rollout_actions",
    "rollout_notifications",
    "snapshots",
    "user_status",
]

metadata = MetaData()

snapshots = Table(
    "snapshots",
    metadata,
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


def _child(name: str, *columns: Column) -> Table:  # type: ignore[type-arg]
    return Table(
        name,
        metadata,
        Column("snapshot_id", String(64), ForeignKey("snapshots.id"), primary_key=True),
        Column("seq", Integer, primary_key=True, autoincrement=False),
        Column("taken_at", UtcDateTime, nullable=False),
        Column("shard", String(32), nullable=False, server_default=""),
        *columns,
    )


adoption = _child(
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

findings = _child(
    "findings",
    Column("finding_id", String(32), nullable=False),
    Column("slug", Text, nullable=False),
    Column("severity", String(16), nullable=False),
    Column("account_id", String(32), nullable=False),
    Column("principal", Text, nullable=False),
    Column("message", Text, nullable=False),
)
Index("ix_findings_id", findings.c.finding_id, findings.c.taken_at)

user_status = _child(
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
Index("ix_user_status_user", user_status.c.account_id, user_status.c.name, user_status.c.taken_at)

account_errors = _child(
    "account_errors",
    Column("account_id", String(32), nullable=False),
    Column("stage", String(64), nullable=False),
    Column("code", Text, nullable=False),
    Column("message", Text, nullable=False),
)

# Deleted before their snapshot row when a snapshot is saved again.
CHILD_TABLES = (adoption, findings, user_status, account_errors)

# The staged rollout's logs (migration 2): who did what to which wave and why; who was mailed when.
rollout_actions = Table(
    "rollout_actions",
    metadata,
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
Index("ix_rollout_actions_wave", rollout_actions.c.wave, rollout_actions.c.at)

rollout_notifications = Table(
    "rollout_notifications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("wave", Text, nullable=False),
    Column("person", Text, nullable=False),
    Column("email", Text, nullable=False),
    Column("sent_at", UtcDateTime, nullable=False),
    Column("message_id", Text, nullable=False),
    Column("snapshot_id", String(64), nullable=True),
)
Index("ix_rollout_notifications_person", rollout_notifications.c.wave, rollout_notifications.c.person)

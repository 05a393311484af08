"""JSON and CSV renderings of a snapshot with a stable, documented schema (docs/audit.md). Pure."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable

from mfaguard.model import Snapshot

__all__ = ["ADOPTION_COLUMNS", "FINDING_COLUMNS", "USER_COLUMNS", "to_csv", "to_json"]

USER_COLUMNS = (
    "snapshot_id", "taken_at", "account_id", "account_name", "user", "team", "console", "active_keys", "mfa",
    "device_kinds", "device_count", "enforced", "admin", "last_activity", "created", "email",
)
ADOPTION_COLUMNS = (
    "snapshot_id", "taken_at", "scope", "key", "label", "users", "in_scope", "with_mfa", "pct", "enforced",
    "console_without_mfa", "keys_without_mfa",
)
FINDING_COLUMNS = ("snapshot_id", "taken_at", "id", "slug", "severity", "account_id", "principal", "message")


def to_json(snapshot: Snapshot, indent: int | None = 2) -> str:
    return json.dumps(snapshot.to_dict(), indent=indent, sort_keys=False) + "\n"


def _iso(value: object) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else ("" if value is None else str(value))


def _rows(snapshot: Snapshot, table: str) -> tuple[tuple[str, ...], Iterable[list[object]]]:
    head = [snapshot.id, snapshot.taken_at.isoformat()]
    if table == "users":
        return USER_COLUMNS, (
            [*head, u.account_id, u.account_name, u.name, u.team, u.console, u.active_keys, u.mfa,
             ";".join(u.device_kinds), "" if u.device_count is None else u.device_count, u.enforced, u.admin,
             _iso(u.last_activity), _iso(u.created), u.email]
            for u in snapshot.users
        )
    if table == "adoption":
        return ADOPTION_COLUMNS, (
            [*head, a.scope, a.key, a.label, a.users, a.in_scope, a.with_mfa, a.pct, a.enforced,
             a.console_without_mfa, a.keys_without_mfa]
            for a in snapshot.adoption
        )
    if table == "findings":
        return FINDING_COLUMNS, (
            [*head, f.id, f.slug, f.severity.value, f.account_id, f.principal, f.message] for f in snapshot.findings
        )
    raise ValueError(f"unknown CSV table {table!r}")


def to_csv(snapshot: Snapshot, table: str = "users") -> str:
    columns, rows = _rows(snapshot, table)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["true" if v is True else "false" if v is False else v for v in row])
    return out.getvalue()

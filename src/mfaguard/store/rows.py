"""Pure conversions between a Snapshot and the store's rows (no database here)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from mfaguard.model import Adoption, Snapshot, UserStatus

__all__ = ["adoption_from_row", "child_rows", "snapshot_row", "user_from_row"]

Row = dict[str, Any]


def snapshot_row(snapshot: Snapshot, document: dict[str, Any], saved_at: datetime) -> Row:
    org = next((a for a in snapshot.adoption if a.scope == "org"), None)
    return {
        "id": snapshot.id,
        "taken_at": snapshot.taken_at,
        "shard": snapshot.shard,
        "org_pct": org.pct if org else None,
        "accounts": len(snapshot.accounts),
        "users": len(snapshot.users),
        "in_scope": org.in_scope if org else sum(1 for u in snapshot.users if u.in_scope),
        "with_mfa": org.with_mfa if org else sum(1 for u in snapshot.users if u.in_scope and u.mfa),
        "findings": len(snapshot.findings),
        "errors": len(snapshot.errors),
        "duration_s": float(snapshot.duration_s),
        "api_calls": int(snapshot.api_calls),
        "tool_version": snapshot.tool_version,
        "schema_version": snapshot.schema_version,
        "saved_at": saved_at,
        "document": document,
    }


def child_rows(snapshot: Snapshot) -> dict[str, list[Row]]:
    """Rows of every child table, keyed by table name."""
    common = {"snapshot_id": snapshot.id, "taken_at": snapshot.taken_at, "shard": snapshot.shard}
    return {
        "adoption": [
            {
                **common,
                "seq": i,
                "scope": a.scope,
                "key": a.key,
                "label": a.label,
                "users": a.users,
                "in_scope": a.in_scope,
                "with_mfa": a.with_mfa,
                "enforced": a.enforced,
                "console_without_mfa": a.console_without_mfa,
                "keys_without_mfa": a.keys_without_mfa,
                "pct": a.pct,
            }
            for i, a in enumerate(snapshot.adoption)
        ],
        "findings": [
            {
                **common,
                "seq": i,
                "finding_id": f.id,
                "slug": f.slug,
                "severity": f.severity.value,
                "account_id": f.account_id,
                "principal": f.principal,
                "message": f.message,
            }
            for i, f in enumerate(snapshot.findings)
        ],
        "user_status": [
            {
                **common,
                "seq": i,
                "account_id": u.account_id,
                "account_name": u.account_name,
                "name": u.name,
                "arn": u.arn,
                "team": u.team,
                "console": u.console,
                "active_keys": u.active_keys,
                "mfa": u.mfa,
                "device_kinds": list(u.device_kinds),
                "device_count": u.device_count,
                "enforced": u.enforced,
                "admin": u.admin,
                "last_activity": u.last_activity,
                "created": u.created,
                "groups": list(u.groups),
                "email": u.email,
                "person": u.person,
            }
            for i, u in enumerate(snapshot.users)
        ],
        "account_errors": [
            {**common, "seq": i, "account_id": e.account_id, "stage": e.stage, "code": e.code, "message": e.message}
            for i, e in enumerate(snapshot.errors)
        ],
    }


def adoption_from_row(row: Mapping[str, Any]) -> Adoption:
    return Adoption(
        scope=row["scope"],
        key=row["key"],
        label=row["label"],
        users=row["users"],
        in_scope=row["in_scope"],
        with_mfa=row["with_mfa"],
        enforced=row["enforced"],
        console_without_mfa=row["console_without_mfa"],
        keys_without_mfa=row["keys_without_mfa"],
    )


def user_from_row(row: Mapping[str, Any]) -> UserStatus:
    return UserStatus(
        account_id=row["account_id"],
        account_name=row["account_name"],
        name=row["name"],
        arn=row["arn"],
        team=row["team"],
        console=bool(row["console"]),
        active_keys=row["active_keys"],
        mfa=bool(row["mfa"]),
        device_kinds=tuple(row["device_kinds"] or ()),
        device_count=row["device_count"],
        enforced=bool(row["enforced"]),
        admin=bool(row["admin"]),
        last_activity=row["last_activity"],
        created=row["created"],
        groups=tuple(row["groups"] or ()),
        email=row["email"],
        person=row["person"],
    )

"""Parse the IAM credential report (CSV) into the shared model. Pure.

The report has one row per user plus ``<root_account>``; timestamps are ISO 8601, and a value may be
``N/A`` (never happened), ``no_information`` (not tracked) or ``not_supported`` (root password fields).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime

from mfaguard.errors import MfaguardError
from mfaguard.model import AccessKey, RootFacts, UserFacts

__all__ = ["ROOT_USER", "ParsedReport", "parse_credential_report"]

ROOT_USER = "<root_account>"
_REQUIRED = ("user", "arn", "password_enabled", "mfa_active", "access_key_1_active", "access_key_2_active")
_MISSING = {"", "N/A", "no_information", "not_supported"}


class ParsedReport:
    def __init__(self, users: list[UserFacts], root: RootFacts | None) -> None:
        self.users = users
        self.root = root


def _when(value: str | None) -> datetime | None:
    if value is None or value.strip() in _MISSING:
        return None
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None


def _flag(value: str | None) -> bool | None:
    if value is None:
        return None
    v = value.strip().lower()
    if v == "true":
        return True
    if v == "false":
        return False
    return None


def _keys(row: dict[str, str]) -> tuple[AccessKey, ...]:
    keys = []
    for slot in (1, 2):
        active = _flag(row.get(f"access_key_{slot}_active"))
        rotated = _when(row.get(f"access_key_{slot}_last_rotated"))
        # A slot that was never used has active=false and last_rotated=N/A: there is no key.
        if active or rotated is not None:
            keys.append(
                AccessKey(
                    slot=slot,
                    active=bool(active),
                    last_rotated=rotated,
                    last_used=_when(row.get(f"access_key_{slot}_last_used_date")),
                )
            )
    return tuple(keys)


def parse_credential_report(content: str | bytes, account_id: str) -> ParsedReport:
    text = content.decode("utf-8") if isinstance(content, bytes) else content
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in _REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise MfaguardError(
            f"credential report of account {account_id} lacks columns: {', '.join(missing)}",
            hint="AWS changed the report format or the content is not a credential report",
        )
    return _parse_rows(reader, account_id)


def _parse_rows(rows: Iterable[dict[str, str]], account_id: str) -> ParsedReport:
    users: list[UserFacts] = []
    root: RootFacts | None = None
    for row in rows:
        name = row["user"]
        keys = _keys(row)
        if name == ROOT_USER:
            root = RootFacts(
                account_id=account_id,
                mfa_active=_flag(row.get("mfa_active")),
                access_keys_active=any(k.active for k in keys),
                password_last_used=_when(row.get("password_last_used")),
            )
            continue
        arn = row["arn"]
        path = "/"
        if ":user/" in arn:
            resource = arn.split(":user", 1)[1]  # "/path/name"
            path = resource[: resource.rfind("/") + 1] or "/"
        users.append(
            UserFacts(
                account_id=account_id,
                name=name,
                arn=arn,
                path=path,
                created=_when(row.get("user_creation_time")),
                password_enabled=bool(_flag(row.get("password_enabled"))),
                password_last_used=_when(row.get("password_last_used")),
                password_last_changed=_when(row.get("password_last_changed")),
                mfa_active=bool(_flag(row.get("mfa_active"))),
                access_keys=keys,
            )
        )
    return ParsedReport(users, root)

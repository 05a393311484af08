"""Credentials as a value: serialization for the cache, the environment and credential_process.

The secret fields are kept out of ``repr`` so that a stray log line or traceback never shows them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

__all__ = ["Credentials", "parse_time"]


def parse_time(value: str | datetime) -> datetime:
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(value.replace("Z", "+00:00"))
    parsed = parsed.astimezone(timezone.utc) if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    return parsed.replace(microsecond=0)  # whole seconds, as AWS and the cache write them


def _iso(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)
    expiration: datetime | None = None

    def expires_within(self, margin: timedelta, now: datetime) -> bool:
        """True when the credentials expire before ``now + margin`` (long-term keys never do)."""
        return self.expiration is not None and self.expiration <= now + margin

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"AccessKeyId": self.access_key_id, "SecretAccessKey": self.secret_access_key}
        if self.session_token:
            data["SessionToken"] = self.session_token
        if self.expiration:
            data["Expiration"] = _iso(self.expiration)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Credentials:
        exp = data.get("Expiration")
        return cls(
            access_key_id=data["AccessKeyId"],
            secret_access_key=data["SecretAccessKey"],
            session_token=data.get("SessionToken"),
            expiration=parse_time(exp) if exp else None,
        )

    def to_process_json(self) -> str:
        """The document the AWS SDKs expect from a ``credential_process`` (Version 1)."""
        return json.dumps({"Version": 1, **self.to_dict()})

    def to_env(self) -> dict[str, str]:
        env = {"AWS_ACCESS_KEY_ID": self.access_key_id, "AWS_SECRET_ACCESS_KEY": self.secret_access_key}
        if self.session_token:
            env["AWS_SESSION_TOKEN"] = self.session_token
            # Older SDKs (boto 2, some Java tools) read this name.
            env["AWS_SECURITY_TOKEN"] = self.session_token
        if self.expiration:
            env["AWS_CREDENTIAL_EXPIRATION"] = _iso(self.expiration)
        return env

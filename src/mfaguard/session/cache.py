"""A typed session cache over a generic secret store, keyed by kind, profile and MFA serial.

One GetSessionToken session is cached under the profile holding the user's keys and its MFA serial, so
every role profile starting from that user reuses it without a new code. Entries count as gone a
``margin`` before they expire: the AWS SDKs refresh credentials 10-15 minutes ahead of expiry and would
reject credentials closer to it than that.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from mfaguard.session.awsconfig import AwsFiles, ProfileConfig
from mfaguard.session.credentials import Credentials
from mfaguard.session.store import SecretStore

__all__ = ["DEFAULT_MARGIN", "CacheEntry", "CacheKey", "SessionCache", "cache_key", "fingerprint"]

DEFAULT_MARGIN = timedelta(minutes=15)
_PREFIX = "session|"
# Stored next to the credentials: what they were obtained from (see ``fingerprint``).
_FINGERPRINT = "Fingerprint"
KINDS = ("session_token", "assume_role")


@dataclass(frozen=True)
class CacheKey:
    kind: str  # "session_token" or "assume_role"
    profile: str
    mfa_serial: str = ""

    def name(self) -> str:
        return f"{_PREFIX}{self.kind}|{self.profile}|{self.mfa_serial}"

    @classmethod
    def parse(cls, name: str) -> CacheKey | None:
        if not name.startswith(_PREFIX):
            return None
        parts = name[len(_PREFIX) :].split("|", 2)
        return cls(*parts) if len(parts) == 3 else None


@dataclass(frozen=True)
class CacheEntry:
    key: CacheKey
    expiration: datetime | None


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class SessionCache:
    def __init__(
        self, store: SecretStore, *, margin: timedelta = DEFAULT_MARGIN, clock: Callable[[], datetime] = _utcnow
    ) -> None:
        self.store = store
        self.margin = margin
        self.clock = clock

    def get(self, key: CacheKey, fingerprint: str | None = None) -> Credentials | None:
        """The cached credentials, unless expired (or nearly) or, given ``fingerprint``, obtained otherwise."""
        raw = self.store.get(key.name())
        if raw is None:
            return None
        try:
            data = json.loads(raw)
            creds = Credentials.from_dict(data)
        except (ValueError, KeyError, TypeError, AttributeError):
            return None
        if fingerprint is not None and data.get(_FINGERPRINT) != fingerprint:
            return None
        if creds.expires_within(self.margin, self.clock()):
            return None
        return creds

    def put(self, key: CacheKey, creds: Credentials, fingerprint: str | None = None) -> None:
        data = creds.to_dict()
        if fingerprint is not None:
            data[_FINGERPRINT] = fingerprint
        self.store.set(key.name(), json.dumps(data))

    def entries(self) -> list[CacheEntry]:
        out = []
        for name in self.store.names():
            key = CacheKey.parse(name)
            if key is None:
                continue
            raw = self.store.get(name)
            try:
                exp = Credentials.from_dict(json.loads(raw)).expiration if raw else None
            except (ValueError, KeyError, TypeError):
                exp = None
            out.append(CacheEntry(key=key, expiration=exp))
        return out

    def clear(self, profile: str | None = None) -> list[CacheKey]:
        """Remove every cached session, or those of one profile (either the user's or a role's)."""
        removed = []
        for name in self.store.names():
            key = CacheKey.parse(name)
            if key is not None and (profile is None or key.profile == profile):
                self.store.delete(name)
                removed.append(key)
        return removed


def cache_key(profile: ProfileConfig) -> CacheKey | None:
    """The key under which the final credentials of ``profile`` are cached (None: nothing to cache)."""
    if profile.has_role():
        return CacheKey("assume_role", profile.name, profile.mfa_serial or "")
    if profile.has_mfa():
        return CacheKey("session_token", profile.name, profile.mfa_serial or "")
    return None


def fingerprint(profile: ProfileConfig, files: AwsFiles) -> str:
    """What a profile's session is obtained from: its chain of roles, the user's access key id, the device.

    The cache key holds only the profile name and MFA serial (for listing); a cached session is served only
    when this matches too, so that editing a profile's role_arn or changing the user's keys is not answered
    with the credentials of the old role or the old keys. A digest, so that nothing readable is stored.
    """
    chain: list[list[str]] = []
    node: ProfileConfig | None = profile
    while node is not None:
        if node.source is None:
            keys = files.static_keys(node.name) or {}
            chain.append(["keys", node.name, keys.get("aws_access_key_id", "")])
        else:
            chain.append(["role", node.name, node.role_arn or "", node.external_id or "", node.mfa_serial or ""])
        node = node.source
    chain.append(["mfa", profile.mfa_serial or ""])
    return hashlib.sha256(json.dumps(chain).encode("utf-8")).hexdigest()[:32]

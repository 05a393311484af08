"""One small provider per credential source, each with a single ``retrieve``; caching wraps a provider.

    StaticKeysProvider        long-term keys of an IAM user (~/.aws/credentials)
    SessionTokenProvider      GetSessionToken with the user's MFA device
    AssumeRoleProvider        AssumeRole from another provider's credentials (with MFA when asked)
    CachedProvider            any provider + a cache key; a lock keeps parallel callers to one prompt

boto3 is imported only when STS is actually called.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from mfaguard.session.awsconfig import AwsFiles, ProfileConfig
from mfaguard.session.cache import CacheKey, SessionCache, cache_key, fingerprint
from mfaguard.session.credentials import Credentials, parse_time
from mfaguard.session.errors import MfaCodeError, ProfileError, StsError
from mfaguard.session.totp import TotpSource

__all__ = [
    "AssumeRoleProvider",
    "CachedProvider",
    "Provider",
    "SessionTokenProvider",
    "StaticKeysProvider",
    "build_provider",
    "cache_key",
    "file_lock",
]

log = logging.getLogger(__name__)
# Role chaining (role credentials, or a GetSessionToken session, assuming a role) is capped at 1 h by AWS.
CHAINED_MAX = 3600
DEFAULT_SESSION_DURATION = 12 * 3600
DEFAULT_ROLE_DURATION = 3600
_MFA_ERRORS = ("MultiFactorAuthentication", "MFA", "TokenCode")


class Provider(Protocol):
    def retrieve(self) -> Credentials: ...


def _quiet_wire_logs() -> None:
    """botocore and urllib3 log request headers and response bodies at DEBUG: tokens and secret keys.

    Whatever logging the caller set up, those two never log below INFO while sessions are fetched.
    """
    for name in ("botocore", "urllib3", "boto3"):
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.INFO:
            logger.setLevel(logging.INFO)


def _sts(creds: Credentials, region: str) -> Any:
    import boto3
    import botocore.session
    from botocore.config import Config

    _quiet_wire_logs()
    # An inherited AWS_PROFILE must neither steer nor break a client that has its own keys: this session
    # does not read the profile from the environment.
    core = botocore.session.Session(session_vars={"profile": (None, None, None, None)})
    session = boto3.session.Session(
        botocore_session=core,
        aws_access_key_id=creds.access_key_id,
        aws_secret_access_key=creds.secret_access_key,
        aws_session_token=creds.session_token,
        region_name=region,
    )
    return session.client("sts", config=Config(retries={"mode": "standard", "max_attempts": 3}))


def _call(what: str, fn: Callable[..., Any], **kwargs: Any) -> Credentials:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        response = fn(**kwargs)
    except ClientError as exc:
        err = exc.response.get("Error", {})
        code, message = err.get("Code", "Error"), err.get("Message", "")
        if "TokenCode" in kwargs and any(m in message or m in code for m in _MFA_ERRORS):
            raise MfaCodeError(
                f"AWS rejected the MFA code ({code}: {message})",
                hint="wait for the next code and try again; check the device serial (mfa_serial) and clock",
            ) from None
        raise StsError(f"{what} failed: {code}: {message}", hint="check the profile and your permissions") from None
    except BotoCoreError as exc:
        raise StsError(f"{what} failed: {exc}", hint="check the network and the endpoint") from None
    c = response["Credentials"]
    return Credentials(
        access_key_id=c["AccessKeyId"],
        secret_access_key=c["SecretAccessKey"],
        session_token=c["SessionToken"],
        expiration=parse_time(c["Expiration"]),
    )


@dataclass(repr=False)
class StaticKeysProvider:
    profile: str
    files: AwsFiles

    def retrieve(self) -> Credentials:
        values = self.files.static_keys(self.profile)
        if values is None:
            raise ProfileError(
                f"no access key for profile '{self.profile}'", path=self.files.credentials.path,
                hint=f"add [{self.profile}] with aws_access_key_id and aws_secret_access_key",
            )
        return Credentials(
            access_key_id=values["aws_access_key_id"],
            secret_access_key=values["aws_secret_access_key"],
            session_token=values.get("aws_session_token") or None,
        )

    def __repr__(self) -> str:
        return f"StaticKeysProvider({self.profile})"


@dataclass(repr=False)
class SessionTokenProvider:
    source: Provider
    mfa_serial: str
    totp: TotpSource
    region: str
    duration: int = DEFAULT_SESSION_DURATION

    def retrieve(self) -> Credentials:
        base = self.source.retrieve()
        code = self.totp.code(self.mfa_serial)
        log.info("GetSessionToken with MFA device %s for %d s", self.mfa_serial, self.duration)
        return _call(
            "GetSessionToken", _sts(base, self.region).get_session_token,
            SerialNumber=self.mfa_serial, TokenCode=code, DurationSeconds=self.duration,
        )


@dataclass(repr=False)
class AssumeRoleProvider:
    source: Provider
    role_arn: str
    region: str
    session_name: str
    duration: int = DEFAULT_ROLE_DURATION
    external_id: str | None = None
    mfa_serial: str | None = None  # set only when this call itself carries the MFA code
    totp: TotpSource | None = None

    def retrieve(self) -> Credentials:
        base = self.source.retrieve()
        kwargs: dict[str, Any] = {
            "RoleArn": self.role_arn, "RoleSessionName": self.session_name, "DurationSeconds": self.duration,
        }
        if self.external_id:
            kwargs["ExternalId"] = self.external_id
        if self.mfa_serial and self.totp is not None:
            kwargs["SerialNumber"] = self.mfa_serial
            kwargs["TokenCode"] = self.totp.code(self.mfa_serial)
        log.info("AssumeRole %s for %d s%s", self.role_arn, self.duration, " with MFA" if self.mfa_serial else "")
        return _call("AssumeRole", _sts(base, self.region).assume_role, **kwargs)


_held: set[str] = set()


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive advisory lock, so that parallel credential-process calls ask for one code, not ten.

    Re-entrant within a process: a role's provider holds it while its source provider takes it again.
    """
    key = str(path)
    if key in _held:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    _held.add(key)
    try:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no lock, at worst a second prompt
            yield
            return
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        _held.discard(key)
        os.close(fd)


@dataclass(repr=False)
class CachedProvider:
    inner: Provider
    cache: SessionCache
    key: CacheKey
    lock: Callable[[], AbstractContextManager[None]] = contextlib.nullcontext
    fingerprint: str | None = None  # what the session is obtained from; see cache.fingerprint

    def retrieve(self) -> Credentials:
        hit = self.cache.get(self.key, self.fingerprint)
        if hit is not None:
            log.info("using the cached %s session of %s", self.key.kind, self.key.profile)
            return hit
        with self.lock():
            # Another process may have filled the cache while this one waited for the lock.
            hit = self.cache.get(self.key, self.fingerprint)
            if hit is not None:
                return hit
            creds = self.inner.retrieve()
            self.cache.put(self.key, creds, self.fingerprint)
            return creds


def _session_name(profile: ProfileConfig, env: dict[str, str] | None = None) -> str:
    if profile.role_session_name:
        return profile.role_session_name
    env = env or dict(os.environ)
    user = env.get("USER") or env.get("USERNAME") or "user"
    # RoleSessionName allows [\w+=,.@-]{2,64}; it shows in CloudTrail, so keep the user's name readable.
    return re.sub(r"[^\w+=,.@-]", "-", f"mfaguard-{user}")[:64]


def build_provider(
    profile: ProfileConfig,
    files: AwsFiles,
    cache: SessionCache,
    totp: TotpSource,
    lock: Callable[[], AbstractContextManager[None]] = contextlib.nullcontext,
) -> Provider:
    """Choose the chain of providers for a resolved profile, each level cached where it has a session."""
    if profile.source is None:
        static = StaticKeysProvider(profile.name, files)
        if not profile.has_mfa():
            return static
        inner = SessionTokenProvider(
            static, profile.mfa_serial or "", totp, profile.region,
            profile.mfa_session_duration or DEFAULT_SESSION_DURATION,
        )
        key = CacheKey("session_token", profile.name, profile.mfa_serial or "")
        return CachedProvider(inner, cache, key, lock, fingerprint(profile, files))

    source = profile.source
    duration = profile.duration_seconds or DEFAULT_ROLE_DURATION
    role_kwargs: dict[str, Any] = {
        "role_arn": profile.role_arn or "", "region": profile.region, "session_name": _session_name(profile),
        "duration": duration, "external_id": profile.external_id,
    }
    if source.source is None and profile.has_mfa() and duration > CHAINED_MAX:
        # A role session longer than 1 h cannot start from temporary credentials such as a GetSessionToken
        # session (AWS caps those at 1 h, as awsume and aws-vault also assume): call AssumeRole with the
        # code directly from the user's long-term keys.
        inner: Provider = AssumeRoleProvider(
            StaticKeysProvider(source.name, files), mfa_serial=profile.mfa_serial, totp=totp, **role_kwargs
        )
    else:
        if source.source is None and profile.has_mfa():
            # The user's MFA session (under the role's serial when the role names the device), shared by
            # every role profile that starts from this user with this serial.
            source = _with_mfa(source, profile.mfa_serial or "")
        inner = AssumeRoleProvider(build_provider(source, files, cache, totp, lock), **role_kwargs)
    key = CacheKey("assume_role", profile.name, profile.mfa_serial or "")
    return CachedProvider(inner, cache, key, lock, fingerprint(profile, files))


def _with_mfa(source: ProfileConfig, serial: str) -> ProfileConfig:
    from dataclasses import replace

    return source if source.mfa_serial == serial else replace(source, mfa_serial=serial)

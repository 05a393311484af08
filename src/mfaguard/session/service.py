"""The library calls behind the commands: each takes typed input and returns plain data.

    get_credentials      resolve a profile, then retrieve through the cached provider chain
    exec_environment     the environment for `mfaguard exec` (nesting guard, AWS_* replaced)
    list_sessions / clear_sessions
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from mfaguard.session.awsconfig import ProfileConfig, load_aws_files, resolve_profile
from mfaguard.session.cache import DEFAULT_MARGIN, CacheEntry, SessionCache, _utcnow
from mfaguard.session.credentials import Credentials
from mfaguard.session.errors import NestedSessionError
from mfaguard.session.providers import build_provider, file_lock
from mfaguard.session.store import SecretStore, default_file_path, open_store
from mfaguard.session.totp import ChainSource, FixedCode, ProcessCode, PromptCode, StoredSeedCode, TotpSource

__all__ = [
    "MARKER",
    "SessionRequest",
    "check_not_nested",
    "clear_sessions",
    "exec_environment",
    "get_credentials",
    "list_sessions",
    "totp_source",
]

# Set in the environment of a command run by `mfaguard exec`; its presence refuses a nested exec.
MARKER = "MFAGUARD_PROFILE"
# Inherited variables that would shadow or confuse the session's credentials in the child.
_CLEARED = (
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CREDENTIAL_FILE",
    "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_SESSION_NAME", "AWS_MFA_SERIAL",
    "AWS_SDK_LOAD_CONFIG",  # as aws-vault: older Go SDKs would otherwise read a profile from the config
)


@dataclass
class SessionRequest:
    profile: str
    mfa_token: str | None = None
    ask: Callable[[str], str] | None = None  # the interactive prompt; None where nobody can answer
    ask_hidden: Callable[[str], str] | None = None  # the same without echo, for the cache passphrase
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    store: SecretStore | None = None
    margin: timedelta = DEFAULT_MARGIN
    clock: Callable[[], datetime] = _utcnow
    refresh: bool = False  # forget cached sessions of this profile first


def totp_source(profile: ProfileConfig, store: SecretStore, mfa_token: str | None,
                ask: Callable[[str], str] | None) -> TotpSource:
    """Flag, then mfa_process, then a stored seed, then the prompt."""
    sources: list[TotpSource] = []
    if mfa_token:
        sources.append(FixedCode(mfa_token))
    if profile.mfa_process:
        sources.append(ProcessCode(profile.mfa_process))
    sources += [StoredSeedCode(store), PromptCode(ask)]
    return ChainSource(sources)


def _store(req: SessionRequest) -> SecretStore:
    return req.store if req.store is not None else open_store(env=req.env, prompt=req.ask_hidden)


def get_credentials(req: SessionRequest) -> tuple[ProfileConfig, Credentials]:
    files = load_aws_files(req.env)
    profile = resolve_profile(req.profile, files, req.env)
    store = _store(req)
    cache = SessionCache(store, margin=req.margin, clock=req.clock)
    if req.refresh:
        # Every session the profile is built on (a chained role's source role too), down to the user's.
        node: ProfileConfig | None = profile
        while node is not None:
            cache.clear(node.name)
            node = node.source
    lock = partial(file_lock, default_file_path(req.env).with_name("sessions.lock"))
    provider = build_provider(profile, files, cache, totp_source(profile, store, req.mfa_token, req.ask), lock)
    return profile, provider.retrieve()


def check_not_nested(base: Mapping[str, str]) -> None:
    """Refuse before anything is asked or fetched (as aws-vault does): a nested exec would waste a code."""
    if base.get(MARKER):
        raise NestedSessionError(
            f"already inside an mfaguard session (profile '{base[MARKER]}')",
            hint=f"exit that shell first, or unset {MARKER} if you really mean to nest",
        )


def exec_environment(base: Mapping[str, str], profile: ProfileConfig, creds: Credentials) -> dict[str, str]:
    check_not_nested(base)
    env = {k: v for k, v in base.items() if k not in _CLEARED}
    env.update(creds.to_env())
    env["AWS_REGION"] = env["AWS_DEFAULT_REGION"] = profile.region
    env[MARKER] = profile.name
    return env


def list_sessions(store: SecretStore | None = None, env: Mapping[str, str] | None = None) -> list[CacheEntry]:
    return SessionCache(store if store is not None else open_store(env=env)).entries()


def clear_sessions(
    profile: str | None = None, store: SecretStore | None = None, env: Mapping[str, str] | None = None
) -> int:
    return len(SessionCache(store if store is not None else open_store(env=env)).clear(profile))

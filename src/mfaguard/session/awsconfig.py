"""Resolve a profile of ~/.aws/config (and ~/.aws/credentials) once, into a layered, typed object.

Layers, highest first: environment > the profile > its source profile(s) > the ``[default]`` profile for
a few shared settings. Loops in ``source_profile`` are refused with the file and line. Only the standard
library is used: this runs on every cached ``credential-process`` call.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from mfaguard.session.errors import ProfileError
from mfaguard.session.inifile import IniDocument, parse_ini

__all__ = [
    "AwsFiles",
    "ProfileConfig",
    "config_path",
    "credentials_path",
    "load_aws_files",
    "resolve_profile",
]

DEFAULT_REGION = "us-east-1"
# Settings a profile inherits from [default] when neither it nor its source profile sets them.
_FROM_DEFAULT = ("region", "mfa_process", "mfa_session_duration")
# Environment variables that override a setting, as the AWS CLI and aws-vault read them.
_ENV = {
    "region": ("AWS_REGION", "AWS_DEFAULT_REGION"),
    "mfa_serial": ("AWS_MFA_SERIAL",),
    "role_session_name": ("AWS_ROLE_SESSION_NAME",),
}


def config_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(env.get("AWS_CONFIG_FILE") or Path.home() / ".aws" / "config").expanduser()


def credentials_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(env.get("AWS_SHARED_CREDENTIALS_FILE") or Path.home() / ".aws" / "credentials").expanduser()


@dataclass
class AwsFiles:
    config: IniDocument
    credentials: IniDocument

    def profile_names(self) -> list[str]:
        names = {_profile_name(s) for s in self.config.sections}
        names |= set(self.credentials.sections)
        return sorted(n for n in names if n)

    def config_section(self, name: str) -> dict[str, str] | None:
        key = "default" if name == "default" else f"profile {name}"
        sec = self.config.section(key) or (self.config.section(name) if name == "default" else None)
        return sec.values if sec else None

    def line_of(self, name: str, key: str) -> int | None:
        sec = self.config.section("default" if name == "default" else f"profile {name}")
        return sec.lines.get(key, sec.line) if sec else None

    def static_keys(self, name: str) -> dict[str, str] | None:
        """Long-term keys for a profile: ~/.aws/credentials first, then keys written into the config."""
        for values in (
            (self.credentials.section(name).values if self.credentials.section(name) else None),
            self.config_section(name),
        ):
            if values and values.get("aws_access_key_id") and values.get("aws_secret_access_key"):
                return values
        return None


def _profile_name(section: str) -> str | None:
    if section == "default":
        return "default"
    if section.startswith("profile "):
        return section[len("profile ") :].strip()
    return None


def _read(path: Path) -> IniDocument:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    except OSError as exc:
        raise ProfileError(f"cannot read: {exc.strerror}", path=str(path), hint="check the file") from None
    return parse_ini(text, str(path))


def load_aws_files(env: Mapping[str, str] | None = None) -> AwsFiles:
    return AwsFiles(config=_read(config_path(env)), credentials=_read(credentials_path(env)))


@dataclass(frozen=True)
class ProfileConfig:
    """One profile with every layer applied; ``source`` is the profile whose credentials it starts from."""

    name: str
    region: str
    mfa_serial: str | None = None
    role_arn: str | None = None
    source: ProfileConfig | None = None
    role_session_name: str | None = None
    external_id: str | None = None
    duration_seconds: int | None = None
    mfa_session_duration: int | None = None
    mfa_process: str | None = None
    has_static_keys: bool = False

    def has_role(self) -> bool:
        return self.role_arn is not None

    def has_mfa(self) -> bool:
        return self.mfa_serial is not None

    def root(self) -> ProfileConfig:
        """The profile at the bottom of the source chain: the one holding long-term keys."""
        node = self
        while node.source is not None:
            node = node.source
        return node


# What AWS accepts: GetSessionToken up to 36 h, AssumeRole up to 12 h (and the role's MaxSessionDuration).
_MAX_SECONDS = {"mfa_session_duration": 129600, "duration_seconds": 43200}


def _int(files: AwsFiles, name: str, key: str, raw: str | None) -> int | None:
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ProfileError(
            f"'{raw}' is not a number of seconds", path=files.config.path, line=files.line_of(name, key),
            field=key, hint="write a whole number of seconds, e.g. 3600",
        ) from None
    top = _MAX_SECONDS.get(key, 129600)
    if not 900 <= value <= top:
        raise ProfileError(
            f"{value} is outside what AWS allows (900 to {top} seconds)", path=files.config.path,
            line=files.line_of(name, key), field=key, hint=f"AWS accepts 900 s (15 min) to {top // 3600} h here",
        )
    return value


def resolve_profile(
    name: str, files: AwsFiles, env: Mapping[str, str] | None = None, _seen: tuple[str, ...] = ()
) -> ProfileConfig:
    env = os.environ if env is None else env
    if name in _seen:
        chain = " -> ".join([*_seen, name])
        raise ProfileError(
            f"source_profile loop: {chain}", path=files.config.path, line=files.line_of(_seen[-1], "source_profile"),
            field="source_profile", hint="a profile cannot (indirectly) be its own source profile",
        )
    own = files.config_section(name)
    keys = files.static_keys(name)
    if own is None and keys is None:
        raise ProfileError(
            f"profile '{name}' not found", path=files.config.path,
            hint=f"known profiles: {', '.join(files.profile_names()) or 'none'}; see `mfaguard configure`",
        )
    own = own or {}
    source: ProfileConfig | None = None
    source_name = own.get("source_profile")
    role_arn = own.get("role_arn")
    if role_arn:
        if source_name and source_name != name:
            source = resolve_profile(source_name, files, env, (*_seen, name))
        elif keys is not None:
            # `source_profile` naming the profile itself (or absent): its own keys assume the role.
            own_keys = {k: v for k, v in own.items() if k not in ("role_arn", "source_profile")}
            source = _layer(name, own_keys, None, files, env, (*_seen, name), has_keys=True)
        else:
            raise ProfileError(
                "role_arn needs a source_profile with long-term keys", path=files.config.path,
                line=files.line_of(name, "role_arn"), field="source_profile",
                hint="add `source_profile = <profile with keys in ~/.aws/credentials>`",
            )
    elif keys is None:
        raise ProfileError(
            f"profile '{name}' has neither keys in {files.credentials.path} nor a role_arn",
            path=files.config.path, line=files.line_of(name, "source_profile"),
            hint="add the user's access key to the credentials file, or a role_arn with a source_profile",
        )
    return _layer(name, own, source, files, env, _seen, has_keys=not role_arn)


def _layer(
    name: str, own: Mapping[str, str], source: ProfileConfig | None, files: AwsFiles,
    env: Mapping[str, str], seen: tuple[str, ...], *, has_keys: bool,
) -> ProfileConfig:
    default = (files.config_section("default") or {}) if name != "default" else {}
    inherited: dict[str, str | None] = {}
    if source is not None:
        inherited = {
            "region": source.region,
            "mfa_process": source.mfa_process,
            "mfa_session_duration": str(source.mfa_session_duration) if source.mfa_session_duration else None,
        }

    def layered(key: str) -> str | None:
        # Environment overrides apply to the profile asked for, not to the sources beneath it.
        if not seen:
            for var in _ENV.get(key, ()):
                if env.get(var):
                    return env[var]
        if own.get(key):
            return own[key]
        if inherited.get(key):
            return inherited[key]
        if key in _FROM_DEFAULT and default.get(key):
            return default[key]
        return None

    mfa_serial = layered("mfa_serial")
    if mfa_serial is None and source is not None:
        # Like aws-vault: a role profile uses the MFA device of the user it starts from.
        mfa_serial = source.mfa_serial
    return ProfileConfig(
        name=name,
        region=layered("region") or DEFAULT_REGION,
        mfa_serial=mfa_serial,
        role_arn=own.get("role_arn"),
        source=source,
        role_session_name=layered("role_session_name"),
        external_id=own.get("external_id"),
        duration_seconds=_int(files, name, "duration_seconds", own.get("duration_seconds")),
        mfa_session_duration=_int(files, name, "mfa_session_duration", layered("mfa_session_duration")),
        mfa_process=layered("mfa_process"),
        has_static_keys=has_keys,
    )

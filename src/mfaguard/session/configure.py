"""`mfaguard configure`: write a person's profiles into ~/.aws/config, touching nothing else.

Profiles come from flags or from the enforcement module's Terraform outputs (``terraform output -json``):
every output whose value maps names to IAM role ARNs gives one role profile per entry.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from mfaguard.errors import InputError
from mfaguard.session.inifile import parse_ini

__all__ = ["ProfileSpec", "apply_profiles", "plan_profiles", "render_diff", "roles_from_outputs", "write_config"]

_ROLE_ARN = re.compile(r"^arn:aws[\w-]*:iam::\d{12}:role/[\w+=,.@/-]+$")
_MFA_ARN = re.compile(r"^arn:aws[\w-]*:iam::\d{12}:mfa/[\w+=,.@/-]+$")
_NAME = re.compile(r"^[A-Za-z0-9_.@+-]+$")


@dataclass(frozen=True)
class ProfileSpec:
    name: str
    values: dict[str, str | None]  # None removes the key

    @property
    def section(self) -> str:
        return "default" if self.name == "default" else f"profile {self.name}"


def _check_name(name: str, what: str) -> str:
    if not _NAME.match(name):
        raise InputError(f"'{name}' is not a usable profile name", field=what,
                         hint="use letters, digits and - _ . @ +")
    return name


def roles_from_outputs(path: str) -> dict[str, str]:
    """Role name -> ARN from ``terraform output -json`` (maps of role ARNs, in any output)."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(
            f"cannot read: {exc.strerror}", path=path, hint="pass the file of `terraform output -json`"
        ) from None
    except ValueError as exc:
        raise InputError(f"not JSON: {exc}", path=path, hint="pass the output of `terraform output -json`") from None
    roles: dict[str, str] = {}
    for output in doc.values() if isinstance(doc, dict) else []:
        value = output.get("value") if isinstance(output, dict) and "value" in output else output
        if isinstance(value, dict):
            for name, arn in value.items():
                if isinstance(arn, str) and _ROLE_ARN.match(arn):
                    roles.setdefault(str(name), arn)
    if not roles:
        raise InputError("no map of role ARNs found in the outputs", path=path,
                         hint="the enforcement module's role ARN outputs (e.g. role_arns) must be included")
    return roles


def plan_profiles(
    user: str,
    mfa_serial: str | None = None,
    region: str | None = None,
    roles: dict[str, str] | None = None,
    role_prefix: str = "",
    duration_seconds: int | None = None,
    mfa_process: str | None = None,
    credential_process: bool = False,
    process_suffix: str = "-mfa",
    command: str = "mfaguard",
) -> list[ProfileSpec]:
    _check_name(user, "--profile")
    if mfa_serial is not None and not _MFA_ARN.match(mfa_serial):
        raise InputError(f"'{mfa_serial}' is not an MFA device ARN", field="--mfa-serial",
                         hint="e.g. arn:aws:iam::123456789012:mfa/alice (see IAM > Security credentials)")
    user_values: dict[str, str | None] = {}
    if mfa_serial:
        user_values["mfa_serial"] = mfa_serial
    if region:
        user_values["region"] = region
    if mfa_process:
        user_values["mfa_process"] = mfa_process
    specs = [ProfileSpec(user, user_values)]
    for role, arn in sorted((roles or {}).items()):
        if not _ROLE_ARN.match(arn):
            raise InputError(f"'{arn}' is not an IAM role ARN", field="--role", hint="NAME=arn:aws:iam::ID:role/NAME")
        values: dict[str, str | None] = {"role_arn": arn, "source_profile": user}
        if mfa_serial:
            # Standard key: the AWS CLI and SDKs prompt with it when used without mfaguard.
            values["mfa_serial"] = mfa_serial
        if region:
            values["region"] = region
        if duration_seconds:
            values["duration_seconds"] = str(duration_seconds)
        specs.append(ProfileSpec(_check_name(f"{role_prefix}{role}", "--role"), values))
    if credential_process:
        # A profile with role_arn ignores credential_process in the SDKs, so the process lines go into
        # sibling profiles (e.g. admin-mfa) that hold nothing else.
        for spec in list(specs):
            if not (spec.values.get("mfa_serial") or spec.values.get("role_arn")):
                continue
            line = f"{command} credential-process {shlex.quote(spec.name)}"
            extra: dict[str, str | None] = {"credential_process": line}
            if region:
                extra["region"] = region
            specs.append(ProfileSpec(_check_name(f"{spec.name}{process_suffix}", "--process-suffix"), extra))
    return specs


def apply_profiles(text: str, specs: list[ProfileSpec], path: str = "") -> str:
    doc = parse_ini(text, path)
    for spec in specs:
        doc.set_values(spec.section, spec.values)
    return doc.render()


def render_diff(old: str, new: str, path: str) -> str:
    return "".join(difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), fromfile=path, tofile=f"{path} (new)"
    ))


def write_config(path: Path, text: str) -> None:
    """Replace the file atomically, keeping its mode (a new file gets 0600 in a 0700 folder).

    A symlinked config (dotfiles repositories) is updated where it points, and stays a link.
    """
    if path.is_symlink():
        path = path.resolve()
    from mfaguard.fileio import is_special

    if is_special(path):
        # AWS_CONFIG_FILE=/dev/null: renaming over it would replace the device for the whole machine.
        raise InputError("not a regular file; refusing to write profiles into it", path=str(path),
                         hint="point AWS_CONFIG_FILE at a file, or unset it to use ~/.aws/config")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o600
    tmp = path.with_name(f".{path.name}.mfaguard.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, mode)
    os.replace(tmp, path)

"""`mfaguard shell-init bash|zsh`: completion plus one short function per profile.

    eval "$(mfaguard shell-init bash)"     # in ~/.bashrc
    mfa-dev terraform plan                 # = mfaguard exec dev -- terraform plan
    mfa-dev                                # a subshell with the dev session
    mfaguard-use dev                       # export the dev session into this shell
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable

__all__ = ["SHELLS", "function_name", "shell_functions"]

SHELLS = ("bash", "zsh")
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def function_name(profile: str, prefix: str = "mfa-") -> str:
    return prefix + _UNSAFE.sub("_", profile)


def shell_functions(profiles: Iterable[str], prog: str = "mfaguard", prefix: str = "mfa-") -> str:
    lines = [
        "# mfaguard: one function per profile runs a command (default: a shell) with its MFA session",
        f'mfaguard-use() {{ eval "$(command {prog} export "$1" --format env)"; }}',
    ]
    for profile in profiles:
        name = function_name(profile, prefix)
        lines.append(f'{name}() {{ command {prog} exec {shlex.quote(profile)} -- "${{@:-$SHELL}}"; }}')
    return "\n".join(lines) + "\n"

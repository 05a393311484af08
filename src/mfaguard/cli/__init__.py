"""The `mfaguard` command line.

Each subcommand lives in a module of its own and is imported only when it runs, so that a cached
`mfaguard credential-process` (on the path of every AWS CLI call) never pays for boto3 or rich.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import sys
from typing import Any

import click

from mfaguard import __version__
from mfaguard.errors import EXIT_ERROR, EXIT_USAGE, MfaguardError

__all__ = ["COMMANDS", "cli", "main"]

# name -> (module, attribute, one-line help shown by `mfaguard --help` without importing the module)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "demo": ("mfaguard.cli.demo", "demo", "Run the whole pipeline on an embedded sandbox organization."),
    "audit": ("mfaguard.cli.audit", "audit", "Audit MFA adoption across the accounts of an organization."),
    "history": ("mfaguard.cli.history", "history", "Show adoption over time per account and team."),
    "findings": ("mfaguard.cli.findings", "findings", "Describe the audit's findings and how to fix them."),
    "report": ("mfaguard.cli.report", "report", "Write a report (HTML with trends) from stored audits."),
    "import": ("mfaguard.cli.importer", "import_", "Import live IAM users into the roster and Terraform."),
    "render": ("mfaguard.cli.render", "render", "Render the roster into Terraform."),
    "rollout": ("mfaguard.cli.rollout", "rollout", "Plan, notify and advance the staged MFA rollout."),
    "verify": ("mfaguard.cli.verify", "verify", "Prove what the policies allow with and without MFA."),
    "explain": ("mfaguard.cli.verify", "explain", "Explain the decision for one request."),
    "exec": ("mfaguard.cli.session", "exec_", "Run a command with an MFA session's credentials."),
    "export": ("mfaguard.cli.session", "export", "Print an MFA session's credentials."),
    "credential-process": (
        "mfaguard.cli.session",
        "credential_process",
        "Print credentials for ~/.aws/config credential_process.",
    ),
    "configure": ("mfaguard.cli.session", "configure", "Write ~/.aws/config profiles for MFA sessions."),
    "sessions": ("mfaguard.cli.session", "sessions", "List or clear cached MFA sessions."),
    "shell-init": ("mfaguard.cli.session", "shell_init", "Print shell integration (completion, functions)."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(n for n in COMMANDS if self._available(n)) + sorted(super().list_commands(ctx))

    @staticmethod
    def _available(name: str) -> bool:
        return importlib.util.find_spec(COMMANDS[name][0]) is not None

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS and self._available(cmd_name):
            module, attr, _ = COMMANDS[cmd_name]
            return getattr(importlib.import_module(module), attr)  # type: ignore[no-any-return]
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(n, COMMANDS[n][2]) for n in sorted(COMMANDS) if self._available(n)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mfaguard")
@click.option("-v", "--verbose", count=True, help="More logging (-v info, -vv debug). Logs go to stderr.")
@click.option(
    "-c", "--config", "config_path", type=click.Path(dir_okay=False), envvar="MFAGUARD_CONFIG",
    help="Configuration file (default: ./mfaguard.toml when present).",
)
@click.pass_context
def cli(ctx: click.Context, verbose: int, config_path: str | None) -> None:
    """mfaguard rolls out and enforces MFA across every AWS account of an organization."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    # botocore's debug log prints request bodies (session tokens): keep it quiet even at -vv.
    logging.getLogger("botocore").setLevel(max(level, logging.INFO))
    logging.getLogger("urllib3").setLevel(max(level, logging.INFO))
    ctx.obj = {"config_path": config_path, "verbose": verbose}


def main(argv: list[str] | None = None) -> Any:
    """Entry point: one place that turns errors into a message and an exit code."""
    try:
        rc = cli.main(args=argv, prog_name="mfaguard", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(EXIT_ERROR)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_USAGE if exc.exit_code == 2 else exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except MfaguardError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    sys.exit(rc if isinstance(rc, int) else 0)
